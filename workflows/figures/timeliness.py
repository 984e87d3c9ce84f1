"""Timeliness: the share of stages finished by their deadline, per school, township and owner.

A stage runs from the step that enters it to the step that leaves it; its deadline and owner
are the last the case's events gave it while it ran (a reassignment, an order's service). It is
counted when its deadline fell within the school year and by the day the figures are seen
from: on time if it was left by then, late if it was left after or is still running.
"""

import dataclasses
import datetime
from collections import defaultdict

from cases import clock
from cases.models import CaseEvent, Stage

from . import years
from .rates import Rate


@dataclasses.dataclass(frozen=True)
class Span:
    case_id: int
    stage: str
    owner_id: int | None
    school_id: int
    township_id: int
    deadline: datetime.datetime
    on_time: bool


def spans(schools, year: int, as_of: datetime.date) -> list[Span]:
    start = clock.end_of_day(years.first_day(year) - datetime.timedelta(days=1))
    end = clock.end_of_day(min(as_of, years.last_day(year)))
    events = (
        CaseEvent.objects.filter(case__school__in=schools, at__lte=end)
        .order_by("case_id", "at", "id")
        .values_list(
            "case_id", "to_stage", "at", "deadline", "owner_id", "case__school_id",
            "case__township_id",
        )
    )  # fmt: skip
    found, rows = [], []
    for row in events.iterator(chunk_size=2000):
        if rows and row[0] != rows[0][0]:
            found.extend(_case_spans(rows, start, end))
            rows = []
        rows.append(row)
    if rows:
        found.extend(_case_spans(rows, start, end))
    return found


def _case_spans(rows: list, start, end) -> list[Span]:
    spans_of_case = []
    running = None  # the last event of the stage that runs
    for row in rows:
        if running is not None and running[1] != row[1]:
            spans_of_case.append((running, row[2]))  # left when the next stage began
        running = row
    if running is not None:
        spans_of_case.append((running, None))
    found = []
    for (case_id, stage, _, deadline, owner, school, township), left_at in spans_of_case:
        if stage == Stage.CLOSED or deadline is None or not start < deadline <= end:
            continue
        on_time = left_at is not None and left_at <= deadline
        found.append(Span(case_id, stage, owner, school, township, deadline, on_time))
    return found


def by(found: list[Span], key: str) -> dict:
    """{school / township / owner id: Rate(on time, due)}."""
    totals: dict = defaultdict(lambda: [0, 0])
    for span in found:
        total = totals[getattr(span, key)]
        total[0] += span.on_time
        total[1] += 1
    return {value: Rate(on_time, due) for value, (on_time, due) in totals.items()}
