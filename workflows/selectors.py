"""Reads that pages share. Each runs a fixed number of queries, whatever the case's size."""

import dataclasses
import datetime
import itertools

from django.db.models import OuterRef, QuerySet, Subquery

from cases import clock, selectors
from cases.models import Case, CaseEvent, Contact, DropoutReason, RiskFlag
from cases.staff import name_of

from .models import AlertKind, DeadlineAlert


def days_left(case: Case) -> int | None:
    """Whole days until the deadline (negative: overdue), counted in Asia/Shanghai dates."""
    if case.deadline is None:
        return None
    return (case.deadline.astimezone(clock.TZ).date() - clock.today()).days


def overdue_with_alerts(user) -> QuerySet[Case]:
    """The overdue queue: open cases in a supervisor's reach past their deadline, each with
    `alerted_at`, when the sweep told the owner and the supervisors (None until it has)."""
    return selectors.overdue_cases(user).annotate(
        alerted_at=Subquery(
            DeadlineAlert.objects.filter(
                case=OuterRef("pk"),
                stage_started_at=OuterRef("stage_started_at"),
                kind=AlertKind.OVERDUE,
            ).values("created_at")[:1]
        )
    )


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


class _Display:
    """Field values as people read them: choice labels, names for people and places. Related
    rows are read in one query per model, whatever the number of changes."""

    _CODE_LISTS = {"reasons": DropoutReason, "risk_flags": RiskFlag}

    def __init__(self, changes) -> None:
        ids: dict[type, set] = {}
        for change in changes:
            field = Case._meta.get_field(change.field)
            if field.is_relation:
                ids.setdefault(field.related_model, set()).update(
                    value for value in (change.old, change.new) if value
                )
        self.rows = {model: model.objects.in_bulk(list(pks)) for model, pks in ids.items()}

    def __call__(self, name: str, value) -> str:
        if value in (None, "", []):
            return "—"
        field = Case._meta.get_field(name)
        if name in self._CODE_LISTS:
            labels = dict(self._CODE_LISTS[name].choices)
            return "、".join(str(labels.get(code, code)) for code in value)
        if field.choices:
            return str(dict(field.choices).get(value, value))
        if field.is_relation:
            row = self.rows.get(field.related_model, {}).get(value)
            if row is None:
                return "—"
            if hasattr(row, "get_full_name"):
                return name_of(row)
            return str(row)
        return str(value)


def case_timeline(case: Case) -> list[TimelineEntry]:
    """Every event, contact and field change of a case, oldest first, in a fixed number of
    queries (events, contacts with participants, history, one per related model shown)."""
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
    diffs = [
        (
            record,
            [c for c in record.diff_against(previous).changes if c.field not in _STEP_BOOKKEEPING],
        )
        for previous, record in itertools.pairwise(records)
    ]
    shown = _Display([change for _, changes in diffs for change in changes])
    entries += [
        TimelineEntry(
            at=record.history_date,
            kind="change",
            actor=record.history_user,
            item=record,
            changes=tuple(
                FieldChange(
                    field=str(Case._meta.get_field(change.field).verbose_name),
                    old=shown(change.field, change.old),
                    new=shown(change.field, change.new),
                )
                for change in changes
            ),
        )
        for record, changes in diffs
        if changes
    ]
    # Within the same instant an event comes before the field changes it caused.
    order = {"event": 0, "change": 1, "contact": 2}
    entries.sort(key=lambda entry: (entry.at, order[entry.kind]))
    return entries
