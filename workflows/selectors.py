"""Reads that pages share. Each runs a fixed number of queries, whatever the case's size."""

import dataclasses
import datetime
import itertools

from cases.models import Case, CaseEvent, Contact

# Fields whose changes the timeline does not list on their own: they move with every step and
# the step's event already says so.
_STEP_BOOKKEEPING = {
    "stage_started_at",
    "deadline",
    "remind_at",
    "policy_version",
    "owner",
    "stage",
    "closed_at",
    "version",
}


@dataclasses.dataclass(frozen=True)
class FieldChange:
    field: str  # verbose name
    old: object
    new: object


@dataclasses.dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str  # "event" | "contact" | "change"
    actor: object  # a user, or None when unknown
    item: object  # the CaseEvent, the Contact, or the historical record
    changes: tuple[FieldChange, ...] = ()


def case_timeline(case: Case) -> list[TimelineEntry]:
    """Every event, contact and field change of a case, oldest first (three queries + one)."""
    entries = [
        TimelineEntry(at=event.at, kind="event", actor=event.actor, item=event)
        for event in CaseEvent.objects.filter(case=case).select_related("actor", "owner")
    ]
    entries += [
        TimelineEntry(
            at=contact.recorded_at, kind="contact", actor=contact.recorded_by, item=contact
        )
        for contact in Contact.objects.filter(case=case)
        .select_related("recorded_by")
        .prefetch_related("participants")
    ]
    records = list(
        case.history.order_by("history_date", "history_id").select_related("history_user")
    )
    for previous, record in itertools.pairwise(records):
        changes = tuple(
            FieldChange(
                field=str(Case._meta.get_field(change.field).verbose_name),
                old=change.old,
                new=change.new,
            )
            for change in record.diff_against(previous).changes
            if change.field not in _STEP_BOOKKEEPING
        )
        if changes:
            entries.append(
                TimelineEntry(
                    at=record.history_date,
                    kind="change",
                    actor=record.history_user,
                    item=record,
                    changes=changes,
                )
            )
    # Within the same instant an event comes before the field changes it caused.
    order = {"event": 0, "change": 1, "contact": 2}
    entries.sort(key=lambda entry: (entry.at, order[entry.kind]))
    return entries
