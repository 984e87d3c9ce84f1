"""Closing a case: returned and stable, on a change the school verified (moved out, deceased),
or on a transfer or suspension the school requests and the body above it approves."""

from django.contrib.auth.models import User
from django.db import transaction

from cases import clock
from cases.ladder import APPROVERS
from cases.models import Case, ClosureReason, Step
from notifications.services import notify

from .. import messages, routing
from .core import check_guards, checked_note, locked_for, record_stage_kept, take_step


def case_close(*, case: Case, by: User, note: str = "") -> Case:
    """Returned and stable after the follow-up period: closed."""
    return take_step(case=case, by=by, step=Step.CLOSE, note=note)


def case_close_verified(*, case: Case, by: User, reason: str, note: str) -> Case:
    """Closed on a change the school verified: moved out of the jurisdiction, or deceased. (A
    transfer or a suspension is requested: `case_request_closure`.)"""

    def change(locked: Case) -> None:
        locked.closure_reason = reason if reason in ClosureReason.values else ""

    return take_step(case=case, by=by, step=Step.CLOSE_VERIFIED, note=note, change=change)


@transaction.atomic
def case_request_closure(
    *, case: Case, by: User, reason: str, note: str, receiving_school: str = ""
) -> Case:
    """The school asks to close on a transfer (naming the receiving school) or an approved
    suspension or deferral; the case stays open and owned, and the approvers are told."""
    note = checked_note(Step.REQUEST_CLOSURE, note)
    locked = locked_for(Step.REQUEST_CLOSURE, case=case, by=by)
    locked.closure_reason = reason if reason in ClosureReason.values else ""
    locked.receiving_school = receiving_school.strip()
    check_guards(Step.REQUEST_CLOSURE, locked)
    locked.closure_requested_at = clock.now()
    event = record_stage_kept(
        locked, by=by, step=Step.REQUEST_CLOSURE, note=note, previous_owner=locked.owner
    )
    context = messages.case_context(locked)
    # each approver once, whichever of the approving roles they hold
    for person in routing.holders_of_any(APPROVERS[locked.closure_reason], locked):
        notify(
            recipient=person,
            template_key="case_closure_requested",
            context=context,
            dedup_key=f"case-{locked.pk}-event-{event.pk}-approve-{person.pk}",
            fresh=True,
        )
    return locked


def case_approve_closure(*, case: Case, by: User, note: str = "") -> Case:
    """The body above the school approves the requested closure: closed on its reason."""
    return take_step(case=case, by=by, step=Step.APPROVE_CLOSURE, note=note)


@transaction.atomic
def case_refuse_closure(*, case: Case, by: User, note: str) -> Case:
    """The body above the school refuses the requested closure, saying why: the case goes on
    where it stood, and its owner is told."""
    note = checked_note(Step.REFUSE_CLOSURE, note)
    locked = locked_for(Step.REFUSE_CLOSURE, case=case, by=by)
    check_guards(Step.REFUSE_CLOSURE, locked)
    locked.closure_reason, locked.receiving_school = "", ""
    locked.closure_requested_at = None
    event = record_stage_kept(
        locked, by=by, step=Step.REFUSE_CLOSURE, note=note, previous_owner=locked.owner
    )
    if locked.owner is not None and locked.owner != by:
        notify(
            recipient=locked.owner,
            template_key="case_closure_refused",
            context=messages.case_context(locked),
            dedup_key=f"case-{locked.pk}-event-{event.pk}-refused",
            fresh=True,
        )
    return locked
