"""The service functions: the only code that changes a case.

Each step runs in one transaction: lock the case (a row lock on PostgreSQL; SQLite serialises
writers and the FSM's optimistic check catches the rest), refuse it if someone moved the case
since the caller read it, ask the FSM whether the step exists from this stage and whether this
user may take it, check the step's guards, run the transition, set the next owner and deadline
from the stage policy, save once (one history row) and write one event. Any refusal raises a
typed `CaseError` before anything is written, and the transaction leaves nothing behind.
"""

import datetime
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django_fsm import ConcurrentTransition

from cases import access, chain, clock, grants
from cases.models import (
    Case,
    CaseEvent,
    ClosureReason,
    Contact,
    Stage,
    Step,
    Student,
)
from notifications.services import notify

from . import errors, messages, policies, routing
from .errors import CaseAlreadyOpen, CaseConflict, GuardFailed, StepForbidden, StepNotAllowed

_RELATED = ("school__parent__parent", "klass", "township", "village", "owner")


def case_locked(pk: int) -> Case:
    """The case row, locked until the transaction ends (a no-op lock on SQLite, whose
    write-locking transactions serialise writers anyway)."""
    return Case.objects.select_for_update(of=("self",)).select_related(*_RELATED).get(pk=pk)


def _lock(case: Case) -> Case:
    """A fresh, locked copy of `case`; refuse if it changed since the caller read it."""
    locked = case_locked(case.pk)
    if (locked.stage, locked.version) != (case.stage, case.version):
        raise CaseConflict(errors.CONFLICT, stage=locked.get_stage_display())
    return locked


def _save(case: Case, *, by, step: str, note: str) -> None:
    case._history_user = by
    case._history_date = clock.now()
    case._change_reason = f"{step}: {note}" if note else step
    case.version += 1
    # The stage is the FSM's to set; full_clean would assign it and the field is protected.
    case.full_clean(exclude=["stage"])
    try:
        case.save()
    except ConcurrentTransition:
        current = Case.objects.get(pk=case.pk)
        raise CaseConflict(errors.CONFLICT, stage=current.get_stage_display()) from None


def _record_event(case: Case, *, by, step: str, from_stage: str, note: str) -> CaseEvent:
    event = CaseEvent(
        case=case,
        step=step,
        from_stage=from_stage,
        to_stage=case.stage,
        actor=by,
        at=clock.now(),
        note=note,
        owner=case.owner,
        deadline=case.deadline,
    )
    chain.seal(event)
    event.save()
    return event


def _enter_stage(case: Case, *, deadline_days: int | None = None) -> None:
    """Set owner, deadline, reminder and policy version for the stage just entered."""
    case.stage_started_at = clock.now()
    case.owner = routing.owner_for(case.stage, case)
    stage_clock = policies.stage_clock(case, case.stage, calendar_days=deadline_days)
    case.deadline = stage_clock.deadline
    case.remind_at = stage_clock.remind_at
    case.policy_version = stage_clock.policy_version
    if case.stage == Stage.CLOSED:
        case.closed_at = case.stage_started_at


def _require_note(note: str) -> str:
    note = note.strip()
    if not note:
        raise GuardFailed(errors.NOTE_REQUIRED)
    return note


@transaction.atomic
def _take_step(
    *,
    case: Case,
    by,
    step: str,
    note: str = "",
    change: Callable[[Case], None] | None = None,
    deadline_days: int | None = None,
    transition: str | None = None,
    by_system: bool = False,
    tell: str = "case_assigned",
) -> Case:
    """Run one step. `transition` names the FSM method when it differs from the step; a
    `by_system` step (the deadline sweep) skips the user permission check, nothing else."""
    locked = _lock(case)
    transition_method = getattr(locked, transition or step)
    meta = transition_method._django_fsm
    step_label = Step(step).label
    # The role first: a step this user may never take is forbidden whatever the stage.
    if not by_system and not access.may_take(by, locked, step):
        raise StepForbidden(errors.FORBIDDEN, step=step_label)
    if not meta.has_transition(locked.stage):
        raise StepNotAllowed(errors.NOT_ALLOWED, step=step_label, stage=locked.get_stage_display())
    if not by_system and not meta.has_transition_perm(locked, locked.stage, by):
        raise StepForbidden(errors.FORBIDDEN, step=step_label)
    if change is not None:
        change(locked)
    for condition in meta.get_transition(locked.stage).conditions:
        if not condition(locked):
            raise GuardFailed(condition.message)
    from_stage, previous_owner = locked.stage, locked.owner
    transition_method()
    _enter_stage(locked, deadline_days=deadline_days)
    _save(locked, by=by, step=step, note=note)
    grants.owner_changed(locked, previous_owner=previous_owner)
    event = _record_event(locked, by=by, step=step, from_stage=from_stage, note=note)
    _tell_new_owner(locked, event, previous_owner=previous_owner, template_key=tell)
    return locked


def _tell_new_owner(
    case: Case, event: CaseEvent, *, previous_owner, template_key: str = "case_assigned"
) -> None:
    """The outbox row for the person who now owns the case, in the step's transaction."""
    if case.owner is None or case.owner in (previous_owner, event.actor):
        return
    notify(
        recipient=case.owner,
        template_key=template_key,
        context=messages.case_context(case),
        dedup_key=f"case-{case.pk}-event-{event.pk}-assigned",
    )


def case_auto_escalate(*, case: Case, by, note: str) -> Case:
    """The deadline passed and the county's policy escalates by itself: one rung up, by the
    system user, with the same event, history row and notifications as any step."""
    return _take_step(
        case=case,
        by=by,
        step=Step.AUTO_ESCALATE,
        transition="override",
        note=note,
        by_system=True,
        tell="case_escalated",
    )


@transaction.atomic
def case_open(
    *,
    student: Student,
    by,
    reasons: Iterable[str] = (),
    reason_note: str = "",
    last_seen_on: datetime.date | None = None,
    whereabouts: str = "",
    note: str = "",
) -> Case:
    """班主任 opens a case for a suspected dropout (疑似辍学)."""
    # Lock the student so that two people opening a case for the same child queue up.
    student = (
        Student.objects.select_for_update(of=("self",))
        .select_related("school__parent__parent", "klass", "residence_township")
        .get(pk=student.pk)
    )
    now = clock.now()
    case = Case(
        student=student,
        school=student.school,
        klass=student.klass,
        township=student.residence_township,
        village=student.residence_village,
        reasons=list(reasons),
        reason_note=reason_note,
        risk_flags=student.risk_flags,
        last_seen_on=last_seen_on,
        whereabouts=whereabouts,
        opened_at=now,
        opened_by=by,
        previous_case=student.cases.filter(stage=Stage.CLOSED).order_by("-closed_at").first(),
    )
    if not access.may_take(by, case, Step.OPEN):
        raise StepForbidden(errors.FORBIDDEN, step=Step.OPEN.label)
    if student.cases.exclude(stage=Stage.CLOSED).exists():
        raise CaseAlreadyOpen(errors.ALREADY_OPEN)
    if last_seen_on and last_seen_on > clock.today():
        raise GuardFailed(errors.LAST_SEEN_FUTURE)
    _enter_stage(case)
    try:
        with transaction.atomic():
            _save(case, by=by, step=Step.OPEN, note=note)
    except IntegrityError:
        # The database's one-open-case constraint caught a race the check above could not.
        raise CaseAlreadyOpen(errors.ALREADY_OPEN) from None
    grants.owner_changed(case)
    event = _record_event(case, by=by, step=Step.OPEN, from_stage="", note=note)
    _tell_new_owner(case, event, previous_owner=None)
    return case


def case_report(
    *,
    case: Case,
    by,
    reasons: Iterable[str],
    whereabouts: str,
    reason_note: str = "",
    last_seen_on: datetime.date | None = None,
    note: str = "",
) -> Case:
    """Report to the school with reasons and whereabouts (知名、知人、知情)."""
    if last_seen_on and last_seen_on > clock.today():
        raise GuardFailed(errors.LAST_SEEN_FUTURE)

    def change(locked: Case) -> None:
        locked.reasons = list(reasons)
        locked.reason_note = reason_note
        locked.whereabouts = whereabouts.strip()
        if last_seen_on:
            locked.last_seen_on = last_seen_on

    return _take_step(case=case, by=by, step=Step.REPORT, note=note, change=change)


def case_dismiss(*, case: Case, by, note: str) -> Case:
    """Not a dropout after all (sick leave, approved leave, verified transfer): closed."""
    return _take_step(case=case, by=by, step=Step.DISMISS, note=_require_note(note))


def case_start_home_visit(*, case: Case, by, note: str = "") -> Case:
    """The school confirms the suspicion; the homeroom teacher starts home visits."""
    return _take_step(case=case, by=by, step=Step.START_HOME_VISIT, note=note)


def case_escalate(*, case: Case, by, note: str = "") -> Case:
    """Visits failed: 辍学报告单 filed; the residence township takes over."""
    return _take_step(case=case, by=by, step=Step.ESCALATE, note=note)


def case_order_enforcement(*, case: Case, by, days: int, note: str = "") -> Case:
    """The township orders the guardian to return the child within `days` (责令限期复学)."""
    if not policies.ORDER_DAYS_MIN <= days <= policies.ORDER_DAYS_MAX:
        raise GuardFailed(
            errors.ORDER_DAYS_RANGE, low=policies.ORDER_DAYS_MIN, high=policies.ORDER_DAYS_MAX
        )
    return _take_step(case=case, by=by, step=Step.ORDER_ENFORCEMENT, note=note, deadline_days=days)


def case_mark_returned(*, case: Case, by, returned_on: datetime.date, note: str = "") -> Case:
    """The student is back in class on `returned_on`."""

    def change(locked: Case) -> None:
        locked.returned_on = returned_on

    return _take_step(case=case, by=by, step=Step.MARK_RETURNED, note=note, change=change)


def case_start_followup(*, case: Case, by, tutor, note: str = "") -> Case:
    """一帮一: `tutor` (a teacher of the school) follows the student up and owns the case."""

    def change(locked: Case) -> None:
        if not routing.staff_of_school(locked).filter(pk=tutor.pk).exists():
            raise GuardFailed(errors.TUTOR_NOT_AT_SCHOOL)
        locked.tutor = tutor

    return _take_step(case=case, by=by, step=Step.START_FOLLOWUP, note=note, change=change)


def case_close(*, case: Case, by, note: str = "") -> Case:
    """Returned and stable after the follow-up period: closed."""
    return _take_step(case=case, by=by, step=Step.CLOSE, note=note)


def case_close_verified(
    *, case: Case, by, reason: str, note: str, receiving_school: str = ""
) -> Case:
    """Closed on a verified change: transfer (with the receiving school), approved 休学,
    moved out of the jurisdiction, or deceased."""
    note = _require_note(note)

    def change(locked: Case) -> None:
        locked.closure_reason = reason if reason in ClosureReason.values else ""
        locked.receiving_school = receiving_school.strip()

    return _take_step(case=case, by=by, step=Step.CLOSE_VERIFIED, note=note, change=change)


def case_relapse(*, case: Case, by, note: str) -> Case:
    """Absent again after returning: back to home visits."""
    return _take_step(case=case, by=by, step=Step.RELAPSE, note=_require_note(note))


def case_override(*, case: Case, by, note: str) -> Case:
    """A supervisor escalates one rung past the usual guards, with a written reason."""
    return _take_step(case=case, by=by, step=Step.OVERRIDE, note=_require_note(note))


@transaction.atomic
def case_reassign(*, case: Case, by, owner, note: str) -> Case:
    """Give the case to another person who serves the student; the stage does not change."""
    note = _require_note(note)
    locked = _lock(case)
    if not locked.is_open:
        raise GuardFailed(errors.CASE_CLOSED)
    if not access.may_take(by, locked, Step.REASSIGN):
        raise StepForbidden(errors.FORBIDDEN, step=Step.REASSIGN.label)
    if owner.pk == locked.owner_id:
        raise GuardFailed(errors.OWNER_UNCHANGED)
    if not owner.is_active or not access.roles_on(owner, locked) - {access.OWNER}:
        raise GuardFailed(errors.OWNER_OUT_OF_REACH)
    previous_owner = locked.owner
    locked.owner = owner
    _record_stage_kept(locked, by=by, step=Step.REASSIGN, note=note, previous_owner=previous_owner)
    return locked


def _record_stage_kept(case: Case, *, by, step: str, note: str, previous_owner) -> None:
    """Save a change that keeps the stage (owner, township): history row, grants, event, and
    the new owner's message, as every step does."""
    _save(case, by=by, step=step, note=note)
    grants.owner_changed(case, previous_owner=previous_owner)
    event = _record_event(case, by=by, step=step, from_stage=case.stage, note=note)
    _tell_new_owner(case, event, previous_owner=previous_owner)


@transaction.atomic
def cases_of_departed_owner_reassign(*, user, by) -> int:
    """`user` lost a role: every open case they own but no longer reach goes to whoever the
    stage policy names now (a recorded reassignment by the system). Returns how many moved."""
    moved = 0
    for case in Case.objects.filter(owner=user).exclude(stage=Stage.CLOSED):
        locked = _lock(case)
        fresh = type(user).objects.get(pk=user.pk)  # no cached grants
        if access.roles_on(fresh, locked) - {access.OWNER}:
            continue
        previous_owner = locked.owner
        locked.owner = routing.owner_for(locked.stage, locked)
        _record_stage_kept(
            locked,
            by=by,
            step=Step.REASSIGN,
            note=str(errors.OWNER_LEFT),
            previous_owner=previous_owner,
        )
        moved += 1
    return moved


@transaction.atomic
def case_hand_over(*, case: Case, by, township, note: str) -> Case:
    """The family moved to another township of the county: the case follows the child. From now
    on the new township's staff reach it and the old township's do not; a case in a township
    stage gets the new township's official as owner."""
    note = _require_note(note)
    locked = _lock(case)
    if not locked.is_open:
        raise GuardFailed(errors.CASE_CLOSED)
    if not access.may_take(by, locked, Step.HAND_OVER):
        raise StepForbidden(errors.FORBIDDEN, step=Step.HAND_OVER.label)
    if township.pk == locked.township_id:
        raise GuardFailed(errors.TOWNSHIP_UNCHANGED)
    if township.kind != "township" or township.parent_id != policies.county_of(locked).pk:
        raise GuardFailed(errors.TOWNSHIP_OUTSIDE_COUNTY)
    previous_owner = locked.owner
    locked.township, locked.village = township, None
    if locked.stage in (Stage.TOWNSHIP_PERSUASION, Stage.LEGAL_ENFORCEMENT):
        locked.owner = routing.owner_for(locked.stage, locked)
    _record_stage_kept(locked, by=by, step=Step.HAND_OVER, note=note, previous_owner=previous_owner)
    return locked


@transaction.atomic
def contact_record(
    *,
    case: Case,
    by,
    kind: str,
    occurred_on: datetime.date,
    guardian_attitude: str,
    result: str,
    place: str = "",
    participants: Iterable = (),
    other_participants: str = "",
    next_step: str = "",
) -> Contact:
    """Record a home visit, call or meeting (家访记录/动员记录). The recorder takes part."""
    locked = case_locked(case.pk)  # a contact does not depend on the case's version
    if not access.may_take(by, locked, "record_contact"):
        raise StepForbidden(errors.FORBIDDEN, step=errors.RECORD_CONTACT)
    if not locked.is_open:
        raise GuardFailed(errors.CASE_CLOSED)
    if occurred_on > clock.today():
        raise GuardFailed(errors.CONTACT_FUTURE)
    if not result.strip():
        raise GuardFailed(errors.CONTACT_RESULT_REQUIRED)
    people = {by.pk: by, **{person.pk: person for person in participants}}
    if any(not access.roles_on(person, locked) for person in people.values()):
        raise GuardFailed(errors.PARTICIPANT_OUT_OF_REACH)
    contact = Contact(
        case=locked,
        stage=locked.stage,
        kind=kind,
        occurred_on=occurred_on,
        place=place.strip(),
        other_participants=other_participants.strip(),
        guardian_attitude=guardian_attitude,
        result=result.strip(),
        next_step=next_step.strip(),
        recorded_by=by,
        recorded_at=clock.now(),
    )
    contact._history_user = by
    contact._history_date = contact.recorded_at
    contact.full_clean()
    contact.save()
    contact.participants.set(people.values())
    return contact
