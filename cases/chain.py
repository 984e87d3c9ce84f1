"""The hash chain over each case's events.

Each event's hash is an HMAC (key AUDIT_CHAIN_KEY, kept outside the database) over its own fields
and the hash of the case's previous event, so editing, deleting or reordering any event by hand
breaks every link after it, and someone with only database access cannot forge a new chain. The
last event must also agree with the case row (stage, owner and deadline), and the row's version
must equal the number of its events (each save by the services writes one) and its chain head
the newest event's hash, so removing the newest event shows too, and so does a deadline edited
in the case row. `verify_audit` recomputes the
chains and names the first event that no longer matches. Someone who removes the newest events
and rewinds the case row to match, or removes a case with its events, is caught by the signed
checkpoint of every chain's head (cases/checkpoint.py). Contacts form a chain of their own
per case (`seal_contact`), checked the same way. Each document and proof of service carries an
HMAC of its own fields (`seal_document`, `seal_service`); its issue or service is also an event
of the case's chain, whose note names the document's number.
"""

import dataclasses
import datetime
import hashlib
import hmac
import json

from django.conf import settings
from django.db.models import Count, Max, Min

from .models import Case, CaseEvent, Contact, Document, DocumentCounter, Service


def _utc(moment: datetime.datetime) -> str:
    """The same instant reads back from the database in UTC whatever zone it was written in."""
    return moment.astimezone(datetime.UTC).isoformat()


def event_hash(event: CaseEvent, previous_hash: str) -> str:
    payload = json.dumps(
        [
            event.case_id,
            event.step,
            event.from_stage,
            event.to_stage,
            event.actor_id,
            _utc(event.at),
            event.note,
            event.owner_id,
            _utc(event.deadline) if event.deadline else None,
            previous_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    key = settings.AUDIT_CHAIN_KEY.encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _digest(fields: list) -> str:
    # Keys sorted: PostgreSQL's jsonb gives a document's facts back in an order of its own.
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hmac.new(settings.AUDIT_CHAIN_KEY.encode(), payload.encode(), hashlib.sha256).hexdigest()


def contact_hash(contact, previous_hash: str) -> str:
    """The HMAC of a contact's own fields and the hash of the case's previous contact (who took
    part is a many-to-many row of its own, not covered)."""
    return _digest(
        [
            "contact",
            contact.case_id,
            contact.stage,
            contact.kind,
            contact.occurred_on.isoformat(),
            contact.place,
            contact.other_participants,
            contact.guardian_attitude,
            contact.result,
            contact.next_step,
            contact.recorded_by_id,
            _utc(contact.recorded_at),
            previous_hash,
        ]
    )


def seal_contact(contact) -> None:
    """Link a new (unsaved) contact to the case's last one; the caller holds the case's lock."""
    last = Contact.objects.filter(case_id=contact.case_id).order_by("-id").values("hash").first()
    contact.previous_hash = last["hash"] if last else ""
    contact.hash = contact_hash(contact, contact.previous_hash)


def broken_contacts(case_ids=None) -> list["BrokenLink"]:
    """The first contact of each case whose chain does not hold."""
    contacts = Contact.objects.order_by("case_id", "id")
    if case_ids is not None:
        contacts = contacts.filter(case_id__in=list(case_ids))
    broken, current, previous, failed = [], None, "", False
    for contact in contacts.iterator(chunk_size=2000):
        if contact.case_id != current:
            current, previous, failed = contact.case_id, "", False
        if failed:
            continue
        if contact.previous_hash != previous or contact.hash != contact_hash(contact, previous):
            broken.append(BrokenLink(contact.case_id, None, contact.pk))
            failed = True
        previous = contact.hash
    return broken


def document_hash(document) -> str:
    return _digest(
        [
            "document",
            document.case_id,
            document.kind,
            document.issuer_id,
            document.year,
            document.serial,
            document.number,
            document.guardian_id,
            document.addressee,
            document.signer,
            document.issued_on.isoformat(),
            _utc(document.issued_at),
            document.issued_by_id,
            document.limit_days,
            document.return_by.isoformat() if document.return_by else None,
            document.facts,
            document.wording_id,
            document.body,
            document.replaces_id,
            document.correction_reason,
        ]
    )


def service_hash(service) -> str:
    return _digest(
        [
            "service",
            service.document_id,
            service.method,
            service.served_on.isoformat(),
            service.place,
            service.served_by_id,
            service.received_by,
            service.relation,
            service.refusal,
            service.witness,
            service.tracking_number,
            service.note,
            service.receipt.name or "",
            service.ends_on.isoformat() if service.ends_on else None,
            service.recorded_by_id,
            _utc(service.recorded_at),
        ]
    )


def seal_document(document) -> None:
    document.hash = document_hash(document)


def seal_service(service) -> None:
    service.hash = service_hash(service)


def broken_papers(case_ids=None) -> list["BrokenLink"]:
    """Documents and proofs of service whose fields no longer match their HMAC."""
    documents = Document.objects.order_by("id")
    services = Service.objects.select_related("document").order_by("id")
    if case_ids is not None:
        documents = documents.filter(case_id__in=list(case_ids))
        services = services.filter(document__case_id__in=list(case_ids))
    broken = [
        BrokenLink(document.case_id, None, document_id=document.pk)
        for document in documents.iterator(chunk_size=2000)
        if document.hash != document_hash(document)
    ]
    broken.extend(
        BrokenLink(service.document.case_id, None, document_id=service.document_id)
        for service in services.iterator(chunk_size=2000)
        if service.hash != service_hash(service)
    )
    broken.extend(_missing_papers(case_ids))
    return broken


def _missing_papers(case_ids=None) -> list["BrokenLink"]:
    """Papers deleted: an issuing body's series for a year (one holding a number of these
    cases) with fewer documents than numbers given, or a case with fewer proofs of service than
    its chain records."""
    documents = Document.objects.all()
    if case_ids is not None:
        series = documents.filter(case_id__in=list(case_ids)).values("issuer_id", "year")
        documents = documents.filter(
            issuer_id__in=series.values("issuer_id"), year__in=series.values("year")
        )
    series = documents.values("issuer_id", "year").annotate(
        count=Count("id"), top=Max("serial"), case_id=Min("case_id")
    )
    given = {
        (counter.issuer_id, counter.year): counter.last
        for counter in DocumentCounter.objects.filter(
            issuer_id__in={row["issuer_id"] for row in series}
        )
    }
    broken = [
        BrokenLink(row["case_id"], None, papers_missing=True)
        for row in series
        if row["count"] < max(row["top"], given.get((row["issuer_id"], row["year"]), 0))
    ]
    events = CaseEvent.objects.filter(step="record_service")
    if case_ids is not None:
        events = events.filter(case_id__in=list(case_ids))
    recorded = dict(events.values_list("case_id").annotate(count=Count("id")))
    kept = dict(
        Service.objects.filter(document__case_id__in=events.values("case_id"))
        .values_list("document__case_id")
        .annotate(count=Count("id"))
    )
    broken.extend(
        BrokenLink(case_id, None, papers_missing=True)
        for case_id, count in recorded.items()
        if kept.get(case_id, 0) < count
    )
    return broken


def seal(event: CaseEvent, case: Case) -> None:
    """Link a new (unsaved) event to the case's last one, whose hash the locked case row holds
    (no other event of the case can slip in between), and make it the row's new head."""
    event.previous_hash = case.chain_head
    event.hash = event_hash(event, event.previous_hash)
    case.chain_head = event.hash


@dataclasses.dataclass(frozen=True)
class BrokenLink:
    case_id: int
    event_id: int | None  # None: the case has no events left at all (or: a contact's link)
    contact_id: int | None = None  # a contact whose chain breaks here
    document_id: int | None = None  # a document, or its proof of service, edited
    papers_missing: bool = False  # a document or a proof of service deleted


def verify(cases=None) -> list[BrokenLink]:
    """The first broken event of every case whose chain does not hold (all cases by default)."""
    case_rows = Case.objects.all()
    if cases is not None:
        case_rows = case_rows.filter(pk__in=[getattr(case, "pk", case) for case in cases])
    heads = {
        pk: (stage, owner, deadline, version, head)
        for pk, stage, owner, deadline, version, head in case_rows.values_list(
            "pk", "stage", "owner", "deadline", "version", "chain_head"
        )
    }
    events = CaseEvent.objects.filter(case__in=list(heads)).order_by("case_id", "id")
    broken, last_seen, counts = [], {}, {}
    current, previous, failed = None, "", False
    for event in events.iterator(chunk_size=2000):
        if event.case_id != current:
            current, previous, failed = event.case_id, "", False
        last_seen[event.case_id] = event
        counts[event.case_id] = counts.get(event.case_id, 0) + 1
        if failed:
            continue
        if event.previous_hash != previous or event.hash != event_hash(event, previous):
            broken.append(BrokenLink(event.case_id, event.pk))
            failed = True
        previous = event.hash
    named = {link.case_id for link in broken}
    for case_id, (stage, owner_id, deadline, version, head) in heads.items():
        last = last_seen.get(case_id)
        if last is None:
            broken.append(BrokenLink(case_id, None))
        elif case_id not in named and (
            (last.to_stage, last.owner_id, last.deadline) != (stage, owner_id, deadline)
            # every save of a case by the services is one event: the version counts them
            or counts[case_id] != version
            or last.hash != head
        ):
            broken.append(BrokenLink(case_id, last.pk))
    broken.extend(broken_contacts(heads))
    broken.extend(broken_papers(heads))
    return broken
