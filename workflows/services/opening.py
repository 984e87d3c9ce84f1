"""Opening a case, reporting it, and the school's answer: confirm (home visits) or dismiss."""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from cases import access, clock, grants
from cases.ladder import RULES
from cases.models import (
    Case,
    DismissalReason,
    ProposalStatus,
    Settlement,
    Stage,
    Step,
    Student,
    UnitKind,
)
from notifications.services import notify

from .. import errors, messages, routing
from ..errors import CaseAlreadyOpen, GuardFailed, StepForbidden
from ..roster import departures
from .core import checked_note, enter_stage, new_event, save_case, take_step, tell_new_owner


@transaction.atomic
def case_open(
    *,
    student: Student,
    by: User,
    reasons: Iterable[str] = (),
    reason_note: str = "",
    last_seen_on: datetime.date | None = None,
    whereabouts: str = "",
    note: str = "",
) -> Case:
    """班主任 opens a case for a suspected dropout (疑似辍学)."""
    note = checked_note(Step.OPEN, note)
    # Lock the student so that two people opening a case for the same child queue up.
    student = (
        Student.objects.select_for_update(of=("self",))
        .select_related("school", "klass", "residence_township")
        .get(pk=student.pk)
    )
    now = clock.now()
    case = Case(
        student=student,
        county=student.school.ancestor(UnitKind.COUNTY),
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
    enter_stage(case)
    try:
        with transaction.atomic():
            save_case(case, by=by, step=Step.OPEN, note=note)
    except IntegrityError:
        # The database's one-open-case constraint caught a race the check above could not.
        raise CaseAlreadyOpen(errors.ALREADY_OPEN) from None
    grants.owner_changed(case)
    # The case's number is part of the event's hash: sealed once the case row has one.
    event = new_event(case, by=by, step=Step.OPEN, from_stage="", note=note)
    Case.objects.filter(pk=case.pk).update(chain_head=case.chain_head)
    event.save()
    tell_new_owner(case, event, previous_owner=None)
    # A student left off a new roll and now suspected of dropping out: settled by this case.
    departures.settle_open([student.pk], by=by, settlement=Settlement.CASE_OPENED)
    # A proposal of the attendance rules still waiting: answered by this case.
    for proposal in student.proposals.filter(status=ProposalStatus.OPEN):
        proposal.status, proposal.case = ProposalStatus.CONFIRMED, case
        proposal.decided_by, proposal.decided_at = by, now
        proposal._history_user = by
        proposal.save()
    return case


def case_report(
    *,
    case: Case,
    by: User,
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

    return take_step(case=case, by=by, step=Step.REPORT, note=note, change=change)


def case_dismiss(
    *, case: Case, by: User, reason: str, note: str, receiving_school: str = ""
) -> Case:
    """Not a dropout after all: closed, with the reason from the list (a transfer names the
    receiving school) and the note that shows it."""

    def change(locked: Case) -> None:
        locked.dismissal_reason = reason if reason in DismissalReason.values else ""
        locked.receiving_school = receiving_school.strip()

    return take_step(case=case, by=by, step=Step.DISMISS, note=note, change=change)


def case_start_home_visit(*, case: Case, by: User, note: str = "") -> Case:
    """The school confirms the suspicion; the homeroom teacher starts home visits. The township
    where the student lives and the county are told at once (知名、知人、知情, 篇二 §三.3): the
    case number and stage, never the child's name."""
    return take_step(
        case=case, by=by, step=Step.START_HOME_VISIT, note=note, after=_tell_confirmation
    )


def _tell_confirmation(confirmed: Case, event) -> None:
    context = messages.case_context(confirmed)
    for person in routing.holders_of_any(RULES[Step.START_HOME_VISIT].tells, confirmed):
        notify(
            recipient=person,
            template_key="case_confirmed",
            context=context,
            dedup_key=f"case-{confirmed.pk}-event-{event.pk}-confirmed-{person.pk}",
            fresh=True,
        )
