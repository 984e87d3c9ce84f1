"""Deadlines from each county's stage policies, in working days; a policy change applies to
stages that start later and never moves a running deadline."""

import datetime

import pytest

from cases import clock
from cases.models import Role, Stage
from workflows import policies, services
from workflows.models import StagePolicy

from ..builders import case_in_stage

# Monday 2026-11-16, 09:00 in Shanghai: no holidays for weeks either side.
MONDAY = datetime.datetime(2026, 11, 16, 9, 0, tzinfo=clock.TZ)


def end_of(day: datetime.date) -> datetime.datetime:
    return clock.end_of_day(day)


@pytest.mark.parametrize(
    ("stage", "due", "remind"),
    [
        (Stage.IDENTIFIED, datetime.date(2026, 11, 16), None),  # same day, no reminder
        (Stage.REPORTED, datetime.date(2026, 11, 17), None),
        (Stage.HOME_VISIT, datetime.date(2026, 11, 23), datetime.date(2026, 11, 20)),
        (Stage.TOWNSHIP_PERSUASION, datetime.date(2026, 11, 30), datetime.date(2026, 11, 26)),
        (Stage.RETURNED, datetime.date(2026, 11, 19), datetime.date(2026, 11, 18)),
    ],
)
def test_default_policies_give_working_day_deadlines(world, stage, due, remind):
    case = case_in_stage(world, Stage.IDENTIFIED)
    with clock.frozen(MONDAY):
        stage_clock = policies.stage_clock(case, stage)
    assert stage_clock.deadline == end_of(due)
    expected_remind = (
        datetime.datetime.combine(remind, policies.REMIND_AT, tzinfo=clock.TZ) if remind else None
    )
    assert stage_clock.remind_at == expected_remind
    assert stage_clock.policy_version is None  # the built-in default, no row yet


def test_county_policy_sets_owner_and_deadline_and_is_recorded(world):
    policies.ensure_default_policies(world.county)
    policy = StagePolicy.objects.get(county=world.county, stage=Stage.HOME_VISIT)
    policy.working_days = 3
    policy.owner_role = Role.SCHOOL_OFFICER
    policy.save()
    case = case_in_stage(world, Stage.REPORTED)
    with clock.frozen(MONDAY):
        moved = services.case_start_home_visit(case=case, by=world[Role.SCHOOL_OFFICER])
    assert moved.deadline == end_of(datetime.date(2026, 11, 19))
    assert moved.owner == world[Role.SCHOOL_OFFICER]
    assert moved.policy_version == policy.history.latest().history_id


def test_policy_change_does_not_move_a_running_deadline(world):
    policies.ensure_default_policies(world.county)
    case = case_in_stage(world, Stage.REPORTED)
    with clock.frozen(MONDAY):
        running = services.case_start_home_visit(case=case, by=world[Role.SCHOOL_OFFICER])
    started_under = running.policy_version
    policy = StagePolicy.objects.get(county=world.county, stage=Stage.HOME_VISIT)
    policy.working_days = 1
    policy.save()

    running.refresh_from_db()
    assert running.deadline == end_of(datetime.date(2026, 11, 23))
    assert running.policy_version == started_under
    # A stage that starts after the change gets the new rule and the new version.
    later = case_in_stage(world, Stage.REPORTED)
    with clock.frozen(MONDAY):
        later = services.case_start_home_visit(case=later, by=world[Role.SCHOOL_OFFICER])
    assert later.deadline == end_of(datetime.date(2026, 11, 17))
    assert later.policy_version != started_under


def test_ensure_default_policies_adds_only_what_is_missing(world):
    assert policies.ensure_default_policies(world.county) == 7
    assert policies.ensure_default_policies(world.county) == 0


def test_order_uses_its_own_calendar_days(world):
    case = case_in_stage(world, Stage.TOWNSHIP_PERSUASION)
    with clock.frozen(MONDAY):
        ordered = services.case_order_enforcement(
            case=case, by=world[Role.TOWNSHIP_OFFICIAL], days=7
        )
    assert ordered.deadline == end_of(datetime.date(2026, 11, 23))
