"""The hash chain over each case's events.

Each event's hash covers its own fields and the hash of the case's previous event, so editing,
deleting or reordering any event by hand breaks every link after it. `verify_audit` recomputes
the chains and names the first event that no longer matches.
"""

import dataclasses
import datetime
import hashlib
import json

from .models import CaseEvent


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
    return hashlib.sha256(payload.encode()).hexdigest()


def seal(event: CaseEvent) -> None:
    """Link a new (unsaved) event to the case's last one. The case row is locked by the caller,
    so no other event of the case can slip in between."""
    last = CaseEvent.objects.filter(case_id=event.case_id).order_by("-id").values("hash").first()
    event.previous_hash = last["hash"] if last else ""
    event.hash = event_hash(event, event.previous_hash)


@dataclasses.dataclass(frozen=True)
class BrokenLink:
    case_id: int
    event_id: int


def verify(cases=None) -> list[BrokenLink]:
    """The first broken event of every case whose chain does not hold (all cases by default)."""
    events = CaseEvent.objects.order_by("case_id", "id")
    if cases is not None:
        events = events.filter(case__in=cases)
    broken, current_case, previous, failed = [], None, "", False
    for event in events.iterator(chunk_size=2000):
        if event.case_id != current_case:
            current_case, previous, failed = event.case_id, "", False
        if failed:
            continue
        if event.previous_hash != previous or event.hash != event_hash(event, previous):
            broken.append(BrokenLink(event.case_id, event.pk))
            failed = True
        previous = event.hash
    return broken
