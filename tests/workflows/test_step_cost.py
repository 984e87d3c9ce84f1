"""What a step costs in statements (the benchmark in benchmarks/ prints the figures; these
keep them from creeping back), and the process's copies of policies and calendar."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import clock
from cases.models import Role, Stage
from workflows import cache, policies, services
from workflows.models import CalendarDay, StagePolicy

from ..builders import case_in_stage

# Statements of each step once the process's copies are warm, BEGIN/COMMIT aside: the lock,
# the actor's grants, the step's guards, the next owner, the case, its history row, the owner's
# grant, the event and the new owner's message.
STEP_LIMIT = 10
# The escalation files the report, the order step issues the order: the student, the case's
# units, its contacts' counts, the wording, the number (two, three for the year's first) and
# the document.
DOCUMENT_COST = 8
ISSUING = {Stage.HOME_VISIT, Stage.TOWNSHIP_PERSUASION}


def statements(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return sum(
        1
        for query in captured.captured_queries
        if not query["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
    )


def steps(world):
    officer, teacher = world[Role.SCHOOL_OFFICER], world[Role.HOMEROOM_TEACHER]
    return [
        (Stage.IDENTIFIED, lambda c: services.case_report(
            case=c, by=teacher, reasons=["weary"], whereabouts="在家")),
        (Stage.REPORTED, lambda c: services.case_start_home_visit(case=c, by=officer)),
        (Stage.HOME_VISIT, lambda c: services.case_escalate(case=c, by=teacher)),
        (Stage.TOWNSHIP_PERSUASION, lambda c: services.case_order_enforcement(
            case=c, by=world[Role.TOWNSHIP_OFFICIAL], days=10)),
        (Stage.LEGAL_ENFORCEMENT, lambda c: services.case_mark_returned(
            case=c, by=officer, returned_on=clock.today())),
        (Stage.RETURNED, lambda c: services.case_start_followup(
            case=c, by=officer, tutor=teacher)),
    ]  # fmt: skip


@pytest.mark.parametrize("index", range(6))
def test_a_step_stays_within_its_statements_however_many_cases_there_are(world, index):
    policies.ensure_default_policies(world.county)
    stage, take = steps(world)[index]
    # warms the process's copies (twice: a first document may store its kind's built-in
    # wording, which the copies then read again)
    take(case_in_stage(world, stage))
    take(case_in_stage(world, stage))
    case = case_in_stage(world, stage)
    few = statements(lambda: take(case))
    for _ in range(5):
        take(case_in_stage(world, stage))
    case = case_in_stage(world, stage)
    many = statements(lambda: take(case))
    assert few == many
    limit = STEP_LIMIT + 2  # a step that tells the township and county: two more
    assert many <= limit + (DOCUMENT_COST if stage in ISSUING else 0)


def test_a_policy_saved_here_applies_to_the_next_step(world):
    policies.ensure_default_policies(world.county)
    officer = world[Role.SCHOOL_OFFICER]
    first = services.case_start_home_visit(case=case_in_stage(world, Stage.REPORTED), by=officer)
    policy = StagePolicy.objects.get(county=world.county, stage=Stage.HOME_VISIT)
    policy.working_days += 10
    policy.save()
    second = services.case_start_home_visit(case=case_in_stage(world, Stage.REPORTED), by=officer)
    assert second.deadline > first.deadline
    assert second.policy_version != first.policy_version


def test_another_process_change_is_seen_after_the_refresh(world, monkeypatch):
    """A change made elsewhere (another worker's admin save: here a bare UPDATE, which sends no
    signal to this process) is read again once REFRESH_SECONDS have passed."""
    policies.ensure_default_policies(world.county)
    officer = world[Role.SCHOOL_OFFICER]
    now = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: now[0])
    first = services.case_start_home_visit(case=case_in_stage(world, Stage.REPORTED), by=officer)
    StagePolicy.objects.filter(county=world.county, stage=Stage.HOME_VISIT).update(working_days=30)
    same = services.case_start_home_visit(case=case_in_stage(world, Stage.REPORTED), by=officer)
    assert same.deadline == first.deadline  # still the remembered copy
    now[0] += cache.REFRESH_SECONDS + 1
    later = services.case_start_home_visit(case=case_in_stage(world, Stage.REPORTED), by=officer)
    assert later.deadline > first.deadline


def test_a_calendar_day_added_here_moves_the_next_deadline(world):
    officer = world[Role.SCHOOL_OFFICER]
    monday = datetime.datetime(2026, 11, 16, 9, 0, tzinfo=clock.TZ)
    with clock.frozen(monday):
        before = services.case_start_home_visit(
            case=case_in_stage(world, Stage.REPORTED), by=officer
        )
        CalendarDay.objects.create(date=datetime.date(2026, 11, 18), is_working_day=False)
        after = services.case_start_home_visit(
            case=case_in_stage(world, Stage.REPORTED), by=officer
        )
    assert after.deadline.date() > before.deadline.date()
