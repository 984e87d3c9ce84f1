"""Timeliness: the share of stages finished by their deadline, per school, township and owner.

A stage runs from the step that enters it to the step that leaves it; its deadline and owner
are the last the case's events gave it while it ran (a reassignment, an order's service). It is
counted when its deadline fell within the school year and by the day the figures are seen
from: on time if it was left by then, late if it was left after or is still running.

Its township is the one the case's history gave it when the stage was due, or when it was left
if that came first: a hand-over later (the family moved) does not move the stages the first
township ran, nor their lateness.
"""

import dataclasses
import datetime
from bisect import bisect_right
from collections import defaultdict

from cases import clock
from cases.models import Case, CaseEvent, Stage

from .rates import Rate


@dataclasses.dataclass(frozen=True)
class Span:
    case_id: int
    stage: str
    owner_id: int | None
    school_id: int
    township_id: int | None  # the residence township while the stage ran
    deadline: datetime.datetime
    on_time: bool


def spans(schools, year: int, as_of: datetime.date, calendar) -> list[Span]:
    """`calendar`: the county's school years (`years.of_unit`)."""
    start = clock.end_of_day(calendar.first_day(year) - datetime.timedelta(days=1))
    end = clock.end_of_day(min(as_of, calendar.last_day(year)))
    cases = Case.objects.filter(school__in=schools).values("pk")
    events = (
        CaseEvent.objects.filter(case__in=cases, at__lte=end)
        .order_by("case_id", "at", "id")
        .values_list("case_id", "to_stage", "at", "deadline", "owner_id", "case__school_id")
    )
    townships = _townships(cases, end)
    found, rows = [], []
    for row in events.iterator(chunk_size=2000):
        if rows and row[0] != rows[0][0]:
            found.extend(_case_spans(rows, start, end, townships))
            rows = []
        rows.append(row)
    if rows:
        found.extend(_case_spans(rows, start, end, townships))
    return found


def _townships(cases, end) -> dict:
    """{case id: ([moments], [township ids])}: each version of the case's residence township
    from its history, in order (one query)."""
    found: dict = defaultdict(lambda: ([], []))
    rows = (
        Case.history.filter(id__in=cases, history_date__lte=end)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "history_date", "township_id")
    )
    for case_id, moment, township_id in rows.iterator(chunk_size=2000):
        moments, townships = found[case_id]
        if not townships or townships[-1] != township_id:
            moments.append(moment)
            townships.append(township_id)
    return found


def township_at(versions: tuple, moment: datetime.datetime) -> int | None:
    """The township of the last version saved before `moment` (a step's event is stamped just
    before the case's history row it writes, so leaving a stage reads the township it ran in)."""
    moments, townships = versions
    if not townships:
        return None
    index = bisect_right(moments, moment) - 1
    return townships[max(index, 0)]


def _case_spans(rows: list, start, end, townships: dict) -> list[Span]:
    spans_of_case = []
    running = None  # the last event of the stage that runs
    for row in rows:
        if running is not None and running[1] != row[1]:
            spans_of_case.append((running, row[2]))  # left when the next stage began
        running = row
    if running is not None:
        spans_of_case.append((running, None))
    found = []
    for (case_id, stage, _, deadline, owner, school), left_at in spans_of_case:
        if stage == Stage.CLOSED or deadline is None or not start < deadline <= end:
            continue
        on_time = left_at is not None and left_at <= deadline
        due = deadline if left_at is None else min(deadline, left_at)
        township = township_at(townships.get(case_id, ((), ())), due)
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
