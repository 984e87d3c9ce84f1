"""The hash chain over each case's events.

Each event's hash is an HMAC (key AUDIT_CHAIN_KEY, kept outside the database) over its own fields
and the hash of the case's previous event, so editing, deleting or reordering any event by hand
breaks every link after it, and someone with only database access cannot forge a new chain. The
last event must also agree with the case row (stage and owner), so removing the newest event
shows too. `verify_audit` recomputes the chains and names the first event that no longer
matches. (Contacts are not chained; they have no edit path in pages or admin.)
"""

import dataclasses
import datetime
import hashlib
import hmac
import json

from django.conf import settings

from .models import Case, CaseEvent


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


def seal(event: CaseEvent) -> None:
    """Link a new (unsaved) event to the case's last one. The case row is locked by the caller,
    so no other event of the case can slip in between."""
    last = CaseEvent.objects.filter(case_id=event.case_id).order_by("-id").values("hash").first()
    event.previous_hash = last["hash"] if last else ""
    event.hash = event_hash(event, event.previous_hash)


@dataclasses.dataclass(frozen=True)
class BrokenLink:
    case_id: int
    event_id: int | None  # None: the case has no events left at all


def verify(cases=None) -> list[BrokenLink]:
    """The first broken event of every case whose chain does not hold (all cases by default)."""
    case_rows = Case.objects.all()
    if cases is not None:
        case_rows = case_rows.filter(pk__in=[getattr(case, "pk", case) for case in cases])
    heads = {
        pk: (stage, owner) for pk, stage, owner in case_rows.values_list("pk", "stage", "owner")
    }
    events = CaseEvent.objects.filter(case__in=list(heads)).order_by("case_id", "id")
    broken, last_seen = [], {}
    current, previous, failed = None, "", False
    for event in events.iterator(chunk_size=2000):
        if event.case_id != current:
            current, previous, failed = event.case_id, "", False
        last_seen[event.case_id] = event
        if failed:
            continue
        if event.previous_hash != previous or event.hash != event_hash(event, previous):
            broken.append(BrokenLink(event.case_id, event.pk))
            failed = True
        previous = event.hash
    named = {link.case_id for link in broken}
    for case_id, (stage, owner_id) in heads.items():
        last = last_seen.get(case_id)
        if last is None:
            broken.append(BrokenLink(case_id, None))
        elif case_id not in named and (last.to_stage, last.owner_id) != (stage, owner_id):
            broken.append(BrokenLink(case_id, last.pk))
    return broken
