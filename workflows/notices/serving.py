"""Proof of service (送达回证): how, when and by whom a notice reached the guardian. Serving the
case's current order starts its limit: calendar days from the day after service, its last day
moved to the next working day (policies.order_ends_on); from then the limit is the stage's
deadline. Each record is an event of the case's chain."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases import chain, clock
from cases.access import unit_roles_on
from cases.ladder import DOCUMENT_ROLES
from cases.models import Document, DocumentKind, Service, ServiceMethod, Stage, Step

from .. import errors, policies
from ..errors import GuardFailed, StepForbidden
from ..services.core import record_stage_kept
from . import issuing, receipts

NOT_SERVED_KIND = _("This document goes to the township and the county; it is not served.")
VOIDED = _("This document was corrected by %(number)s; serve the correction instead.")
SERVED_ALREADY = _("This document's service is already recorded.")
SERVED_FUTURE = _("The date of service cannot be in the future.")
SERVED_BEFORE_ISSUE = _("The date of service cannot be before the document was issued.")
SERVED_TOO_LATE = _(
    "The notice asked for the child back by a date that has passed: correct it with a new date "
    "and serve the correction."
)
PUBLIC_NOTICE_DAYS = 30


def may_record_service(user, document: Document) -> bool:
    roles = DOCUMENT_ROLES[document.kind][1]
    return bool(roles) and bool(unit_roles_on(user, document.case) & roles)


@transaction.atomic
def service_record(
    *,
    document: Document,
    by,
    method: str,
    served_on: datetime.date,
    served_by=None,
    receipt=None,
    **details,
) -> Service:
    """Record the service of `document`; `details` are the receipt's other fields (place, who
    signed and their relation, the refusal and witness, the tracking number, a note)."""
    if not document.needs_service:
        raise GuardFailed(NOT_SERVED_KIND)
    locked = issuing.locked_case(document.case_id, by=by, step=Step.RECORD_SERVICE)
    if not may_record_service(by, document):
        raise StepForbidden(errors.FORBIDDEN, step=Step.RECORD_SERVICE.label)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.is_voided:
        raise GuardFailed(VOIDED, number=document.replaced_by.number)
    if document.is_served:
        raise GuardFailed(SERVED_ALREADY)
    if served_on > clock.today():
        raise GuardFailed(SERVED_FUTURE)
    if served_on < document.issued_on:
        raise GuardFailed(SERVED_BEFORE_ISSUE)
    if document.kind == DocumentKind.RETURN_NOTICE and served_on > document.return_by:
        raise GuardFailed(SERVED_TOO_LATE)
    service = Service(
        document=document,
        method=method,
        served_on=served_on,
        served_by=served_by or by,
        recorded_by=by,
        recorded_at=clock.now(),
        **details,
    )
    try:
        service.full_clean(exclude=["document", "served_by", "recorded_by", "receipt"])
    except ValidationError as error:
        raise GuardFailed(error.messages[0]) from None
    if document.kind == DocumentKind.ORDER:
        effective = effective_on(service)
        service.ends_on = policies.order_ends_on(effective, document.limit_days, locked.county_id)
        if issuing.is_current_order(locked, document):
            _start_limit(locked, effective, document.limit_days, service.ends_on)
    if receipt is not None:
        photo = receipts.cleaned(receipt)
        service.receipt.save(photo.name, photo, save=False)
    chain.seal_service(service)
    service.save()
    with translation.override("zh-hans"):
        note = f"{document.number} {service.get_method_display()} {served_on:%Y-%m-%d}"
    record_stage_kept(
        locked, by=by, step=Step.RECORD_SERVICE, note=note, previous_owner=locked.owner_id
    )
    return service


def effective_on(service: Service) -> datetime.date:
    """The day the document counts as served: for a public announcement, 30 days after it was
    posted (民事诉讼法 第九十五条, to which 行政处罚法 第六十一条 refers); else the day itself."""
    if service.method == ServiceMethod.PUBLIC:
        return service.served_on + datetime.timedelta(days=PUBLIC_NOTICE_DAYS)
    return service.served_on


def _start_limit(case, served_on: datetime.date, days: int, ends_on: datetime.date) -> None:
    case.order_served_on = served_on
    case.order_ends_on = ends_on
    stage_clock = policies.stage_clock(
        case, Stage.LEGAL_ENFORCEMENT, calendar_days=days, served_on=served_on
    )
    case.deadline, case.remind_at = stage_clock.deadline, stage_clock.remind_at
