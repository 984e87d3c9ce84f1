"""What every step does: lock the case, refuse it if it moved since the caller read it, ask
whether this user may take the step (the ladder's roles, once) and whether it exists from this
stage (the FSM), check the step's guards, run the transition, set the next owner and deadline
from the stage policy, save once (one history row), write one chained event and the new owner's
outbox row. Any refusal raises a typed `CaseError` before anything is written."""

import functools
from collections.abc import Callable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django_fsm import ConcurrentTransition

from cases import access, chain, clock, grants
from cases.ladder import RULES
from cases.models import Case, CaseEvent, Stage, Step
from cases.validators import NOTE_MAX_LENGTH, free_text
from notifications.services import notify

from .. import errors, messages, policies, routing
from ..errors import CaseConflict, GuardFailed, StepForbidden, StepNotAllowed


def case_locked(pk: int) -> Case:
    """The case row alone, locked until the transaction ends (a no-op lock on SQLite, whose
    write-locking transactions serialise writers anyway). Its units and people are read when a
    step needs them: most steps need only their ids, and joining them all into the lock costs
    PostgreSQL more to plan than to run."""
    return Case.objects.select_for_update().get(pk=pk)


def lock_seen(case: Case) -> Case:
    """A fresh, locked copy of `case`; refuse if it changed since the caller read it."""
    locked = case_locked(case.pk)
    if (locked.stage, locked.version) != (case.stage, case.version):
        raise CaseConflict(errors.CONFLICT, stage=locked.get_stage_display())
    return locked


def change_reason(step: str, note: str) -> str:
    """The history row's short reason: the step, and the start of the note where it fits
    (simple-history's column holds 100 characters; the whole note is in the step's event)."""
    reason = f"{step}: {note}" if note else step
    limit = _change_reason_length()
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"


@functools.cache
def _change_reason_length() -> int:
    # `Case.history` builds a new manager class on every access: read the column once.
    return Case.history.model._meta.get_field("history_change_reason").max_length


def save_case(case: Case, *, by: User, step: str, note: str) -> None:
    case._history_user = by
    case._history_date = clock.now()
    case._change_reason = change_reason(step, note)
    case.version += 1
    validate_changes(case)
    try:
        case.save()
    except ConcurrentTransition:
        current = Case.objects.get(pk=case.pk)
        raise CaseConflict(errors.CONFLICT, stage=current.get_stage_display()) from None
    case.remember_saved_values()


def validate_changes(case: Case) -> None:
    """The field rules (lengths, choices, numbers in free text) on what this step changed. Not
    the stage, which only the FSM sets, and not relations: the services set those from rows the
    transaction has just read, so looking each one up again would prove nothing."""
    for field in case.changed_fields():
        if field.name == "stage" or field.is_relation:
            continue
        try:
            field.clean(getattr(case, field.attname), case)
        except ValidationError as error:
            raise GuardFailed(error.messages[0]) from None


def new_event(case: Case, *, by: User, step: str, from_stage: str, note: str) -> CaseEvent:
    """The step's event, sealed onto the case's chain (the case row takes its hash as head);
    saved by `save_with_event` after the case."""
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
    chain.seal(event, case)
    return event


def save_with_event(
    case: Case, *, by: User, step: str, from_stage: str, note: str, previous_owner
) -> CaseEvent:
    """Save the case once (one history row) with its new chain head, move the owner's grant,
    and write the chained event."""
    event = new_event(case, by=by, step=step, from_stage=from_stage, note=note)
    save_case(case, by=by, step=step, note=note)
    grants.owner_changed(case, previous_owner=previous_owner)
    event.save()
    return event


def enter_stage(case: Case, *, deadline_days: int | None = None) -> None:
    """Set owner, deadline, reminder and policy version for the stage just entered."""
    case.stage_started_at = clock.now()
    case.owner = routing.owner_for(case.stage, case)
    stage_clock = policies.stage_clock(case, case.stage, calendar_days=deadline_days)
    case.deadline = stage_clock.deadline
    case.remind_at = stage_clock.remind_at
    case.policy_version = stage_clock.policy_version
    if case.stage == Stage.CLOSED:
        case.closed_at = case.stage_started_at
        # A request still waiting is settled by the closing, whichever step closed the case.
        case.closure_requested_at = None


def require_note(note: str) -> str:
    note = note.strip()
    if not note:
        raise GuardFailed(errors.NOTE_REQUIRED)
    return note


def checked_note(step: str, note: str) -> str:
    """The note, stripped and required where the ladder says the step needs a written reason;
    refused when too long or when it holds an identity or phone number."""
    note = require_note(note) if RULES[step].note_required else note
    valid(free_text(NOTE_MAX_LENGTH), note)
    return note


def valid(validators, value) -> None:
    """Run field validators; their first complaint becomes the step's refusal."""
    try:
        for validator in validators:
            validator(value)
    except ValidationError as error:
        raise GuardFailed(error.messages[0]) from None


def full_clean(record, **options) -> None:
    """`full_clean`, its first complaint the step's refusal (the forms catch these first; the
    services must not pass what a form would not)."""
    try:
        record.full_clean(**options)
    except ValidationError as error:
        raise GuardFailed(error.messages[0]) from None


@transaction.atomic
def take_step(
    *,
    case: Case,
    by: User,
    step: str,
    note: str = "",
    change: Callable[[Case], None] | None = None,
    deadline_days: int | None = None,
    transition: str | None = None,
    by_system: bool = False,
    tell: str = "case_assigned",
    after: Callable[[Case, CaseEvent], None] | None = None,
) -> Case:
    """Run one step. `transition` names the FSM method when it differs from the step; a
    `by_system` step (the deadline sweep) skips the user permission check, nothing else.
    `after` runs last, in the same transaction (whom else the step tells)."""
    note = checked_note(step, note)
    locked = lock_seen(case)
    transition_method = getattr(locked, transition or step)
    meta = transition_method._django_fsm
    step_label = Step(step).label
    # The role first: a step this user may never take is forbidden whatever the stage.
    if not by_system and not access.may_take(by, locked, step):
        raise StepForbidden(errors.FORBIDDEN, step=step_label)
    if not meta.has_transition(locked.stage):
        raise StepNotAllowed(errors.NOT_ALLOWED, step=step_label, stage=locked.get_stage_display())
    if change is not None:
        change(locked)
    for condition in meta.get_transition(locked.stage).conditions:
        if not condition.guard(locked):
            raise GuardFailed(condition.message)
    locked.guards_checked = locked.stage  # the transition need not ask them again
    from_stage, previous_owner = locked.stage, locked.owner_id
    transition_method()
    enter_stage(locked, deadline_days=deadline_days)
    event = save_with_event(
        locked, by=by, step=step, from_stage=from_stage, note=note, previous_owner=previous_owner
    )
    tell_new_owner(locked, event, previous_owner=previous_owner, template_key=tell)
    if after is not None:
        after(locked, event)
    return locked


def tell_new_owner(
    case: Case, event: CaseEvent, *, previous_owner, template_key: str = "case_assigned"
) -> None:
    """The outbox row for the person who now owns the case, in the step's transaction."""
    previous_id = getattr(previous_owner, "pk", previous_owner)  # a user or a user's id
    if case.owner_id is None or case.owner_id in (previous_id, event.actor_id):
        return
    notify(
        recipient=case.owner,
        template_key=template_key,
        context=messages.case_context(case),
        dedup_key=f"case-{case.pk}-event-{event.pk}-assigned",
        fresh=True,
    )


def record_stage_kept(case: Case, *, by: User, step: str, note: str, previous_owner) -> CaseEvent:
    """Save a change that keeps the stage (owner, township, a request): history row, grants,
    event, and the new owner's message, as every step does."""
    event = save_with_event(
        case, by=by, step=step, from_stage=case.stage, note=note, previous_owner=previous_owner
    )
    tell_new_owner(case, event, previous_owner=previous_owner)
    return event


def locked_for(step: str, *, case: Case, by: User) -> Case:
    """The locked case for a step that keeps the stage: open, and the user's to take."""
    locked = lock_seen(case)
    if not locked.is_open:
        raise GuardFailed(errors.CASE_CLOSED)
    if not access.may_take(by, locked, step):
        raise StepForbidden(errors.FORBIDDEN, step=Step(step).label)
    return locked


def check_guards(step: str, case: Case) -> None:
    """Refuse with the first of the step's guards that the case does not meet."""
    for condition in RULES[step].guards:
        if not condition(case):
            raise GuardFailed(condition.message)
