"""The whole ladder as a table: every (stage, step, role). An allowed combination moves the case
and writes exactly one event and one history row; every other one is refused with a clear error
and writes nothing. The expected table is written out here from DOMAIN.md, not read from the
code under test."""

import datetime

import pytest

from cases import clock
from cases.models import CaseEvent, ClosureReason, Role, Stage
from workflows import services
from workflows.errors import StepForbidden, StepNotAllowed

from ..builders import OWNER_ROLE, case_in_stage

S = Stage
R = Role
ACTIVE = {S.IDENTIFIED, S.REPORTED, S.HOME_VISIT, S.TOWNSHIP_PERSUASION, S.LEGAL_ENFORCEMENT}
OPEN = ACTIVE | {S.RETURNED, S.TUTORING_FOLLOWUP}
SCHOOL = {R.HOMEROOM_TEACHER, R.SCHOOL_OFFICER}
SUPERVISORS = {R.DISTRICT_SUPERVISOR, R.COUNTY_SUPERVISOR}

# step: (stages it may start from, roles that may take it, stage it leads to)
LADDER = {
    "report": ({S.IDENTIFIED}, SCHOOL, S.REPORTED),
    "dismiss": ({S.IDENTIFIED, S.REPORTED}, {R.SCHOOL_OFFICER}, S.CLOSED),
    "start_home_visit": ({S.REPORTED}, {R.SCHOOL_OFFICER}, S.HOME_VISIT),
    "escalate": ({S.HOME_VISIT}, SCHOOL, S.TOWNSHIP_PERSUASION),
    # 责令限期复学: the township (or the county acting for it) orders; nothing else enters
    # legal enforcement.
    "order_enforcement": (
        {S.TOWNSHIP_PERSUASION},
        {R.TOWNSHIP_OFFICIAL, R.COUNTY_SUPERVISOR},
        S.LEGAL_ENFORCEMENT,
    ),
    "mark_returned": (ACTIVE, SCHOOL | {R.TOWNSHIP_OFFICIAL}, S.RETURNED),
    "start_followup": ({S.RETURNED}, SCHOOL, S.TUTORING_FOLLOWUP),
    "close": ({S.TUTORING_FOLLOWUP}, {R.SCHOOL_OFFICER}, S.CLOSED),
    "close_verified": (OPEN, {R.SCHOOL_OFFICER}, S.CLOSED),
    "relapse": ({S.RETURNED, S.TUTORING_FOLLOWUP}, SCHOOL, S.HOME_VISIT),
    "override": (
        {S.IDENTIFIED, S.REPORTED, S.HOME_VISIT},
        SUPERVISORS,
        None,  # one rung up: see NEXT_RUNG
    ),
}
NEXT_RUNG = {
    S.IDENTIFIED: S.REPORTED,
    S.REPORTED: S.HOME_VISIT,
    S.HOME_VISIT: S.TOWNSHIP_PERSUASION,
}


def extra_roles(step: str, stage: str) -> set:
    """The tutor (a subject teacher here) owns a case in follow-up and may reopen it."""
    return {R.SUBJECT_TEACHER} if (step, stage) == ("relapse", S.TUTORING_FOLLOWUP) else set()


def take(step: str, case, user, world):
    today = clock.today()
    calls = {
        "report": lambda: services.case_report(
            case=case, by=user, reasons=["weary", "work"], whereabouts="随父母在外地"
        ),
        "dismiss": lambda: services.case_dismiss(
            case=case, by=user, reason="sick_leave", note="病假，已核实"
        ),
        "start_home_visit": lambda: services.case_start_home_visit(case=case, by=user),
        "escalate": lambda: services.case_escalate(case=case, by=user, note="辍学报告单已提交"),
        "order_enforcement": lambda: services.case_order_enforcement(case=case, by=user, days=10),
        "mark_returned": lambda: services.case_mark_returned(
            case=case, by=user, returned_on=today - datetime.timedelta(days=1)
        ),
        "start_followup": lambda: services.case_start_followup(
            case=case, by=user, tutor=world[R.SUBJECT_TEACHER]
        ),
        "close": lambda: services.case_close(case=case, by=user),
        "close_verified": lambda: services.case_close_verified(
            case=case,
            by=user,
            reason=ClosureReason.MOVED_OUT,
            note="全家迁往外省，已交接",
        ),
        "relapse": lambda: services.case_relapse(case=case, by=user, note="又连续缺课三天"),
        "override": lambda: services.case_override(case=case, by=user, note="家长拒不配合"),
    }
    return calls[step]()


COMBINATIONS = [
    (stage, step, role) for stage in Stage.values for step in LADDER for role in Role.values
]


@pytest.mark.parametrize(("stage", "step", "role"), COMBINATIONS)
def test_ladder(world, stage, step, role):
    # Given a case standing in `stage`, with what that stage implies on record
    case = case_in_stage(world, stage)
    sources, roles, target = LADDER[step]
    events_before = CaseEvent.objects.count()
    history_before = case.history.count()
    user = world[role]

    if stage in sources and role in roles | extra_roles(step, stage):
        # When an allowed person takes an allowed step
        moved = take(step, case, user, world)
        # Then the case moves, with exactly one event and one history row
        expected = target or NEXT_RUNG[stage]
        moved.refresh_from_db()
        assert moved.stage == expected
        assert CaseEvent.objects.count() == events_before + 1
        event = CaseEvent.objects.latest("id")
        assert (event.case_id, event.step, event.from_stage, event.to_stage, event.actor) == (
            case.pk,
            step,
            stage,
            expected,
            user,
        )
        assert case.history.count() == history_before + 1
        assert case.history.first().history_user == user
    else:
        # When anyone else tries, or the step does not start from this stage: a role that may
        # never take the step is forbidden whatever the stage
        owns_it = OWNER_ROLE[stage] == role  # relapse is also the owner's step
        may_take_it = role in roles or (step == "relapse" and owns_it)
        expected_error = StepForbidden if not may_take_it else StepNotAllowed
        with pytest.raises(expected_error) as refused:
            take(step, case, user, world)
        # Then the error says why, and nothing is written
        assert str(refused.value)
        case.refresh_from_db()
        assert case.stage == stage
        assert CaseEvent.objects.count() == events_before
        assert case.history.count() == history_before
