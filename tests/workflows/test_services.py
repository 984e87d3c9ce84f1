"""The services one by one: owner and deadline from the policy, guards with their messages,
conflicts, and that a refused step writes nothing."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from cases import clock
from cases import ladder as case_rules
from cases.models import Case, CaseEvent, ClosureReason, Contact, ContactKind, Role, Stage
from cases.models.case import REASONS_UNKNOWN
from workflows import errors, services, workdays
from workflows.errors import CaseAlreadyOpen, CaseConflict, GuardFailed, StepForbidden

from .. import factories
from ..builders import add_contact, case_in_stage

NOON = datetime.datetime(2026, 11, 16, 12, 0, tzinfo=clock.TZ)  # a Monday


def nothing_written(case, *, events: int, history: int, stage: str) -> bool:
    case.refresh_from_db()
    return (
        case.stage == stage
        and CaseEvent.objects.filter(case=case).count() == events
        and case.history.count() == history
    )


def test_open_sets_owner_deadline_snapshot_and_audit(world, teacher, student):
    student.left_behind = True
    student.save()
    with clock.frozen(NOON):
        case = services.case_open(
            student=student, by=teacher, reasons=["weary"], last_seen_on=NOON.date()
        )
    assert case.stage == Stage.IDENTIFIED
    assert case.owner == teacher
    assert case.deadline == clock.end_of_day(NOON.date())  # report the same day
    assert case.risk_flags == ["left_behind"]
    assert (case.school, case.klass, case.township) == (world.school, world.klass, world.township)
    event = case.events.get()
    assert (event.step, event.from_stage, event.to_stage, event.actor, event.at) == (
        "open",
        "",
        Stage.IDENTIFIED,
        teacher,
        NOON,
    )
    record = case.history.get()
    assert (record.history_type, record.history_user, record.history_date) == ("+", teacher, NOON)


def test_second_open_case_is_refused_and_writes_nothing(teacher, student):
    services.case_open(student=student, by=teacher)
    with pytest.raises(CaseAlreadyOpen) as refused:
        services.case_open(student=student, by=teacher)
    assert refused.value.message == errors.ALREADY_OPEN
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1


def test_database_itself_allows_one_open_case_per_student(world, student):
    factories.CaseFactory(student=student)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.CaseFactory(student=student, stage=Stage.HOME_VISIT)
    # A closed earlier case does not count.
    factories.CaseFactory(student=student, stage=Stage.CLOSED)


def test_reopening_after_close_links_the_earlier_case(world, teacher):
    closed = case_in_stage(world, Stage.CLOSED)
    again = services.case_open(student=closed.student, by=teacher)
    assert again.previous_case == closed


def test_open_refuses_future_last_seen_and_outsiders(world, elsewhere, teacher, student):
    tomorrow = clock.today() + datetime.timedelta(days=1)
    with pytest.raises(GuardFailed) as refused:
        services.case_open(student=student, by=teacher, last_seen_on=tomorrow)
    assert refused.value.message == errors.LAST_SEEN_FUTURE
    with pytest.raises(StepForbidden):
        services.case_open(student=student, by=elsewhere[Role.HOMEROOM_TEACHER])
    with pytest.raises(StepForbidden):  # a township official does not open cases
        services.case_open(student=student, by=world[Role.TOWNSHIP_OFFICIAL])
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("reasons", "whereabouts", "guard"),
    [([], "在家", case_rules.has_reasons), (["weary"], "  ", case_rules.has_whereabouts)],
)
def test_report_needs_reasons_and_whereabouts(world, teacher, reasons, whereabouts, guard):
    case = case_in_stage(world, Stage.IDENTIFIED)
    with pytest.raises(GuardFailed) as refused:
        services.case_report(case=case, by=teacher, reasons=reasons, whereabouts=whereabouts)
    assert refused.value.message == guard.message
    assert nothing_written(case, events=0, history=1, stage=Stage.IDENTIFIED)


def test_report_refuses_unknown_reason(world, teacher):
    case = case_in_stage(world, Stage.IDENTIFIED)
    # a record the model refuses is a typed refusal of the step, with the model's message
    with pytest.raises(GuardFailed) as refused:
        services.case_report(case=case, by=teacher, reasons=["lazy"], whereabouts="在家")
    assert str(refused.value) == str(REASONS_UNKNOWN) % {"value": "lazy"}
    assert nothing_written(case, events=0, history=1, stage=Stage.IDENTIFIED)


def test_escalation_needs_a_subject_teacher_on_a_visit(world, teacher):
    case = case_in_stage(world, Stage.REPORTED)
    case = services.case_start_home_visit(case=case, by=world[Role.SCHOOL_OFFICER])
    with pytest.raises(GuardFailed) as refused:
        services.case_escalate(case=case, by=teacher)
    assert refused.value.message == case_rules.has_home_visit.message
    add_contact(case, by=teacher, stage=Stage.HOME_VISIT)  # the teacher alone
    with pytest.raises(GuardFailed) as refused:
        services.case_escalate(case=case, by=teacher)
    assert refused.value.message == case_rules.subject_teacher_visited.message

    services.contact_record(
        case=case,
        by=teacher,
        kind=ContactKind.HOME_VISIT,
        occurred_on=clock.today(),
        guardian_attitude="opposed",
        result="家长坚持让孩子打工",
        participants=[world[Role.SUBJECT_TEACHER]],
        place="学生家中",
    )
    # Escalated on the Monday before National Day: 10 working days skip 10-01..10-07 and count
    # the 调休 Saturday 10-10.
    with clock.frozen(datetime.datetime(2026, 9, 28, 9, 0, tzinfo=clock.TZ)):
        escalated = services.case_escalate(case=case, by=teacher)
    assert escalated.stage == Stage.TOWNSHIP_PERSUASION
    assert escalated.owner == world[Role.TOWNSHIP_OFFICIAL]
    assert escalated.deadline == clock.end_of_day(datetime.date(2026, 10, 16))


def test_supervisor_override_skips_the_visit_guard_with_a_written_reason(world, supervisor):
    case = case_in_stage(world, Stage.REPORTED)
    case = services.case_start_home_visit(case=case, by=world[Role.SCHOOL_OFFICER])
    with pytest.raises(GuardFailed) as refused:
        services.case_override(case=case, by=supervisor, note=" ")
    assert refused.value.message == errors.NOTE_REQUIRED
    moved = services.case_override(case=case, by=supervisor, note="家长外出，无法家访")
    assert moved.stage == Stage.TOWNSHIP_PERSUASION
    assert moved.events.latest("id").note == "家长外出，无法家访"
    assert moved.history.first().history_change_reason == "override: 家长外出，无法家访"


def test_enforcement_needs_a_township_persuasion_attempt(world, township_official):
    case = case_in_stage(world, Stage.HOME_VISIT)
    case = services.case_escalate(case=case, by=world[Role.HOMEROOM_TEACHER])
    with pytest.raises(GuardFailed) as refused:
        services.case_order_enforcement(case=case, by=township_official, days=10)
    assert refused.value.message == case_rules.has_township_persuasion.message
    with pytest.raises(GuardFailed) as refused:
        services.case_order_enforcement(case=case, by=township_official, days=0)
    assert refused.value.message == errors.ORDER_DAYS_RANGE
    services.contact_record(
        case=case,
        by=township_official,
        kind=ContactKind.JOINT_VISIT,
        occurred_on=clock.today(),
        guardian_attitude="hesitant",
        result="送达返校通知书",
        participants=[world[Role.VILLAGE_CADRE]],
    )
    ordered = services.case_order_enforcement(case=case, by=township_official, days=5)
    # until it is served, the limit as if served today: five calendar days from tomorrow,
    # ending on a working day (tests/workflows/test_law.py has the weekend and holiday cases)
    last_day = clock.today() + datetime.timedelta(days=5)
    while not workdays.is_working_day(last_day):
        last_day += datetime.timedelta(days=1)
    assert ordered.deadline == clock.end_of_day(last_day)
    assert (ordered.order_served_on, ordered.order_days) == (None, 5)


def test_return_date_in_the_future_is_refused(world, teacher):
    case = case_in_stage(world, Stage.HOME_VISIT)
    tomorrow = clock.today() + datetime.timedelta(days=1)
    with pytest.raises(GuardFailed) as refused:
        services.case_mark_returned(case=case, by=teacher, returned_on=tomorrow)
    assert refused.value.message == case_rules.return_date_not_future.message
    assert nothing_written(case, events=0, history=1, stage=Stage.HOME_VISIT)


def test_return_date_before_last_seen_is_refused(world, teacher):
    case = case_in_stage(world, Stage.HOME_VISIT)
    with pytest.raises(GuardFailed) as refused:
        services.case_mark_returned(
            case=case, by=teacher, returned_on=case.last_seen_on - datetime.timedelta(days=1)
        )
    assert refused.value.message == case_rules.return_date_after_last_seen.message


def test_tutor_must_teach_at_the_school(world, elsewhere, teacher):
    case = case_in_stage(world, Stage.RETURNED)
    with pytest.raises(GuardFailed) as refused:
        services.case_start_followup(case=case, by=teacher, tutor=elsewhere[Role.SUBJECT_TEACHER])
    assert refused.value.message == errors.TUTOR_NOT_AT_SCHOOL
    followed = services.case_start_followup(case=case, by=teacher, tutor=teacher)
    assert (followed.owner, followed.tutor) == (teacher, teacher)


def test_close_waits_for_the_followup_period(world, school_officer):
    case = case_in_stage(world, Stage.RETURNED)
    with clock.frozen(NOON):
        case = services.case_start_followup(
            case=case, by=school_officer, tutor=world[Role.SUBJECT_TEACHER]
        )
    # never before the first day it may be closed (eight weeks on)
    assert case.deadline >= clock.end_of_day(NOON.date() + datetime.timedelta(days=56))
    with clock.frozen(NOON + datetime.timedelta(days=55)), pytest.raises(GuardFailed) as refused:
        services.case_close(case=case, by=school_officer)
    assert refused.value.message == case_rules.followup_done.message
    with clock.frozen(NOON + datetime.timedelta(days=56)):
        closed = services.case_close(case=case, by=school_officer)
    assert (closed.stage, closed.closure_reason, closed.owner) == (
        Stage.CLOSED,
        ClosureReason.RETURNED_STABLE,
        None,
    )


def test_verified_closure_needs_a_reason_the_school_may_close_on(world, school_officer):
    case = case_in_stage(world, Stage.HOME_VISIT)
    for reason in ("not_a_dropout", "transferred", "suspended"):  # the last two: approved above
        with pytest.raises(GuardFailed) as refused:
            services.case_close_verified(case=case, by=school_officer, reason=reason, note="核实")
        assert refused.value.message == case_rules.has_verified_closure.message
    assert nothing_written(case, events=0, history=1, stage=Stage.HOME_VISIT)


def test_stale_case_gets_a_conflict_and_writes_nothing(world, teacher, school_officer):
    case = case_in_stage(world, Stage.REPORTED)
    stale = Case.objects.get(pk=case.pk)  # what a second person had on screen
    services.case_start_home_visit(case=case, by=school_officer)
    with pytest.raises(CaseConflict) as refused:
        services.case_dismiss(case=stale, by=school_officer, reason="sick_leave", note="病假")
    assert refused.value.params == {"stage": Stage.HOME_VISIT.label}
    assert nothing_written(case, events=1, history=2, stage=Stage.HOME_VISIT)


def test_owner_falls_back_to_the_school_officer(world, school_officer):
    world[Role.HOMEROOM_TEACHER].is_active = False
    world[Role.HOMEROOM_TEACHER].save()
    case = services.case_open(student=world.student(), by=school_officer)
    assert case.owner == school_officer


def test_reassign_moves_the_owner_only_within_reach(world, elsewhere, school_officer):
    case = case_in_stage(world, Stage.HOME_VISIT)
    with pytest.raises(GuardFailed) as refused:
        services.case_reassign(
            case=case, by=school_officer, owner=elsewhere[Role.HOMEROOM_TEACHER], note="调整"
        )
    assert refused.value.message == errors.OWNER_OUT_OF_REACH
    with pytest.raises(StepForbidden):
        services.case_reassign(
            case=case, by=world[Role.HOMEROOM_TEACHER], owner=school_officer, note="调整"
        )
    moved = services.case_reassign(
        case=case, by=school_officer, owner=world[Role.SUBJECT_TEACHER], note="班主任病假"
    )
    assert (moved.stage, moved.owner) == (Stage.HOME_VISIT, world[Role.SUBJECT_TEACHER])
    event = moved.events.get()
    assert (event.step, event.from_stage, event.to_stage) == (
        "reassign",
        "home_visit",
        "home_visit",
    )
    assert moved.history.count() == 2


def test_contact_participants_must_serve_the_student(world, elsewhere, teacher):
    case = case_in_stage(world, Stage.HOME_VISIT)
    kwargs = {
        "case": case,
        "by": teacher,
        "kind": ContactKind.HOME_VISIT,
        "guardian_attitude": "supportive",
        "result": "家长同意",
    }
    with pytest.raises(GuardFailed) as refused:
        services.contact_record(
            **kwargs, occurred_on=clock.today(), participants=[elsewhere[Role.SUBJECT_TEACHER]]
        )
    assert refused.value.message == errors.PARTICIPANT_OUT_OF_REACH
    with pytest.raises(GuardFailed) as refused:
        services.contact_record(**kwargs, occurred_on=clock.today() + datetime.timedelta(days=1))
    assert refused.value.message == errors.CONTACT_FUTURE
    with pytest.raises(StepForbidden):
        services.contact_record(
            **{**kwargs, "by": elsewhere[Role.HOMEROOM_TEACHER]}, occurred_on=clock.today()
        )
    assert not Contact.objects.filter(case=case).exclude(stage=Stage.HOME_VISIT).exists()
    contact = services.contact_record(**kwargs, occurred_on=clock.today())
    assert set(contact.participants.all()) == {teacher}
    assert contact.stage == Stage.HOME_VISIT


def test_errors_speak_chinese_by_default():
    assert translation.get_language() == "zh-hans"
    with translation.override("zh-hans"):
        assert (
            str(errors.CaseError(errors.ALREADY_OPEN))
            == "该学生已有未结案的案件，请继续处理该案件。"
        )
    with translation.override("en"):
        assert str(errors.CaseError(errors.ALREADY_OPEN)).startswith("This student already")


def test_a_stale_reassignment_is_a_conflict(world, school_officer):
    case = case_in_stage(world, Stage.HOME_VISIT)
    stale = Case.objects.get(pk=case.pk)
    services.case_reassign(
        case=case, by=school_officer, owner=world[Role.SUBJECT_TEACHER], note="一"
    )
    with pytest.raises(CaseConflict):
        services.case_reassign(
            case=stale, by=school_officer, owner=world[Role.SUBJECT_TEACHER], note="二"
        )
    assert case.events.count() == 1


def test_a_step_tells_the_new_owner_in_the_same_transaction(world, teacher):
    from notifications.models import Message

    case = case_in_stage(world, Stage.HOME_VISIT)
    escalated = services.case_override(case=case, by=world[Role.DISTRICT_SUPERVISOR], note="越级")
    message = Message.objects.get(
        recipient=world[Role.TOWNSHIP_OFFICIAL], template_key="case_assigned"
    )
    assert message.context["url"] == f"/work/cases/{escalated.pk}/"
    assert message.dedup_key == f"case-{case.pk}-event-{escalated.events.latest('id').pk}-assigned"
