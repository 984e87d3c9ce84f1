"""Issuing documents: within a step (the report with the escalation, the order with its step),
a notice to return on its own, and a correction that voids what it replaces. Each is numbered in
its own transaction; one issued on its own is an event of the case's chain."""

import datetime

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases import access, chain, clock
from cases.access import unit_roles_on
from cases.ladder import DOCUMENT_ROLES, NOTICE_STAGES
from cases.models import Case, Document, DocumentKind, Guardian, Stage, Step, Wording
from cases.staff import name_of
from cases.wordings import DEFAULTS

from .. import cache, errors, policies
from ..errors import GuardFailed, StepForbidden
from ..services.core import case_locked, checked_note, record_stage_kept, require_note
from . import facts, numbering

NOT_THEIR_GUARDIAN = _("Choose one of this student's guardians.")
RETURN_BY_PAST = _("The date to return by must be after today.")
RETURN_BY_FAR = _("The date to return by must be within 30 days.")
NOTICE_STAGE = _("A notice to return is sent during home visits or the township's persuasion.")
ALREADY_VOIDED = _("This document was already corrected by %(number)s; correct that one instead.")
NOT_NEWEST_ORDER = _(
    "A later order replaced this one on the case; correct the newest order instead."
)
RETURN_BY_DAYS = 30


def may_issue(user, case: Case, kind: str) -> bool:
    return bool(unit_roles_on(user, case) & DOCUMENT_ROLES[kind][0])


def latest_wording(kind: str) -> Wording:
    """The newest version of the kind's wording; the built-in first one where none is stored."""
    wording = cache.wordings().get(kind)
    if wording is None:
        title, body = DEFAULTS[kind]
        wording, _ = Wording.objects.get_or_create(
            kind=kind, version=1, defaults={"title": title, "body": body, "created_at": clock.now()}
        )
    return wording


def issue(
    case: Case,
    *,
    by,
    kind: str,
    guardian: Guardian | None = None,
    days: int | None = None,
    return_by: datetime.date | None = None,
    replaces: Document | None = None,
    reason: str = "",
    signer=None,
) -> Document:
    """Write one numbered document on `case`, whose lock the caller holds; `signer` signs it
    when it is not the person issuing it (the system files a report in the school's name)."""
    today = clock.today()
    units = facts.units_of(case)
    # The body whose number the document takes: the school, or the township for the order.
    issuer = units[case.township_id if kind == DocumentKind.ORDER else case.school_id]
    wording = latest_wording(kind)
    with translation.override("zh-hans"):
        stated = facts.facts_of(
            case, kind, units=units, guardian=guardian, today=today, return_by=return_by, days=days
        )
        addressee = facts.addressee_of(stated, kind)
    serial = numbering.next_serial(issuer, today.year)
    document = Document(
        case=case,
        kind=kind,
        issuer=issuer,
        year=today.year,
        serial=serial,
        number=numbering.formatted(issuer, today.year, serial),
        guardian=guardian,
        addressee=addressee,
        signer=name_of(signer or by),
        issued_on=today,
        issued_at=clock.now(),
        issued_by=by,
        limit_days=days,
        return_by=return_by,
        facts=stated,
        wording=wording,
        body=facts.filled(wording, stated),
        replaces=replaces,
        correction_reason=reason,
    )
    chain.seal_document(document)
    document.save()
    return document


def check_guardian(case: Case, guardian: Guardian | None) -> None:
    if guardian is not None and guardian.student_id != case.student_id:
        raise GuardFailed(NOT_THEIR_GUARDIAN)


def check_return_by(return_by: datetime.date) -> None:
    today = clock.today()
    if return_by <= today:
        raise GuardFailed(RETURN_BY_PAST)
    if return_by > today + datetime.timedelta(days=RETURN_BY_DAYS):
        raise GuardFailed(RETURN_BY_FAR)


def locked_case(case_id: int, *, by, step: str) -> Case:
    """The case, locked and read afresh: a document is issued, or its service recorded, from
    what the case holds now, so a step someone took meanwhile is no conflict. Open, and within
    the user's roles for `step`."""
    locked = case_locked(case_id)
    if not locked.is_open:
        raise GuardFailed(errors.CASE_CLOSED)
    if not access.may_take(by, locked, step):
        raise StepForbidden(errors.FORBIDDEN, step=Step(step).label)
    return locked


def _locked_for_kind(case: Case, *, by, kind: str) -> Case:
    locked = locked_case(case.pk, by=by, step=Step.ISSUE_DOCUMENT)
    if not may_issue(by, locked, kind):
        raise StepForbidden(errors.FORBIDDEN, step=DocumentKind(kind).label)
    return locked


@transaction.atomic
def notice_issue(
    *, case: Case, by, return_by: datetime.date, guardian: Guardian | None = None
) -> Document:
    """The school's notice to the guardian to bring the child back by a date (返校通知书)."""
    locked = _locked_for_kind(case, by=by, kind=DocumentKind.RETURN_NOTICE)
    if locked.stage not in NOTICE_STAGES:
        raise GuardFailed(NOTICE_STAGE)
    check_guardian(locked, guardian)
    check_return_by(return_by)
    document = issue(
        locked, by=by, kind=DocumentKind.RETURN_NOTICE, guardian=guardian, return_by=return_by
    )
    _record(locked, by=by, document=document)
    return document


@transaction.atomic
def document_correct(
    *,
    document: Document,
    by,
    reason: str,
    guardian: Guardian | None = None,
    return_by: datetime.date | None = None,
    days: int | None = None,
) -> Document:
    """A new document in place of `document`, which it voids; its number stays used. A
    corrected order must be served again before its limit runs."""
    reason = require_note(reason)
    checked_note(Step.ISSUE_DOCUMENT, reason)
    locked = _locked_for_kind(document.case, by=by, kind=document.kind)
    old = Document.objects.select_for_update().get(pk=document.pk)
    if old.is_voided:
        raise GuardFailed(ALREADY_VOIDED, number=old.replaced_by.number)
    check_guardian(locked, guardian)
    if old.kind == DocumentKind.RETURN_NOTICE:
        check_return_by(return_by)
    current_order = old.kind == DocumentKind.ORDER and is_current_order(locked, old)
    if old.kind == DocumentKind.ORDER:
        policies.check_order_days(days)
        if not is_newest(locked, old):
            raise GuardFailed(NOT_NEWEST_ORDER)
    new = issue(
        locked,
        by=by,
        kind=old.kind,
        guardian=guardian,
        days=days if old.kind == DocumentKind.ORDER else None,
        return_by=return_by if old.kind == DocumentKind.RETURN_NOTICE else None,
        replaces=old,
        reason=reason,
    )
    if current_order:
        order_unserved(locked, days)
    _record(locked, by=by, document=new)
    return new


def is_newest(case: Case, document: Document) -> bool:
    newest = case.documents.filter(kind=document.kind).order_by("-id").first()
    return newest is not None and newest.pk == document.pk


def is_current_order(case: Case, document: Document) -> bool:
    """Whether `document` is the order the case's enforcement stands on: the newest order of
    the case, and the case still in legal enforcement."""
    return case.stage == Stage.LEGAL_ENFORCEMENT and is_newest(case, document)


def order_unserved(case: Case, days: int) -> None:
    """A new order, not served yet: its limit is `days`, and until service the stage's
    deadline is the limit as if it were served today."""
    case.order_days = days
    case.order_served_on = None
    case.order_ends_on = None
    stage_clock = policies.stage_clock(case, case.stage, calendar_days=days)
    case.deadline, case.remind_at = stage_clock.deadline, stage_clock.remind_at


def _record(case: Case, *, by, document: Document) -> None:
    with translation.override("zh-hans"):
        note = f"{document.get_kind_display()} {document.number}"
    if document.correction_reason:
        note = f"{note}（更正：{document.correction_reason}）"
    record_stage_kept(
        case, by=by, step=Step.ISSUE_DOCUMENT, note=note, previous_owner=case.owner_id
    )
