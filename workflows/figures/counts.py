"""What the figures count, for the schools of a unit over a span of school years, seen from a
day: the enrolment at each year's start, the movements recorded by hand or imported, and what
the cases' events show up to that day. A closed case's reason is fixed when it closes and
events are never changed, so the same day always gives the same answer. Everything is read in
one query per kind of record, whatever the number of schools and years (`Gathered`); the
recorded counts as their history says they stood on a day (`records_on`).

From the cases, in the school year of the event and up to the day:
- closed as a transfer or a move out of the jurisdiction: 转出; as a suspension: 休学; as a
  death: 死亡;
- confirmed as a dropout (home visits started, or started again after a relapse) and, at the
  end of that school year (or on the day, if sooner), still out of school (home visits, the
  township, legal enforcement): 辍学 of that year (a transfer closed in a later year is that
  year's 转出);
- confirmed, and back in class by then: returned (the return rate's numerator).
"""

import dataclasses
import datetime
from collections import defaultdict

from cases import clock
from cases.ladder import ACTIVE_STAGES
from cases.models import (
    CaseEvent,
    ClosureReason,
    Enrolment,
    Movement,
    MovementKind,
    Stage,
    Step,
    Unit,
    UnitKind,
)

from . import years

CLOSED_AS = {
    ClosureReason.TRANSFERRED: MovementKind.TRANSFERRED_OUT,
    ClosureReason.MOVED_OUT: MovementKind.TRANSFERRED_OUT,
    ClosureReason.SUSPENDED: MovementKind.SUSPENDED,
    ClosureReason.DECEASED: MovementKind.DECEASED,
}
OUT_OF_SCHOOL = frozenset(ACTIVE_STAGES) - {Stage.IDENTIFIED, Stage.REPORTED}
RETURNED = "returned"  # confirmed and back in class: not a movement, the return rate's count


@dataclasses.dataclass(frozen=True)
class CaseMovement:
    case_id: int
    school_id: int
    township_id: int  # where the child lives (the case's township now)
    grade_level: int
    kind: str  # a MovementKind, or RETURNED
    on: datetime.date

    @property
    def year(self) -> int:
        return years.school_year_of(self.on)


@dataclasses.dataclass(frozen=True)
class Gathered:
    """The records behind the figures of some schools for school years `first`…`last`."""

    first: int
    last: int
    as_of: datetime.date
    schools: tuple  # (id, name) in name order
    from_cases: tuple  # CaseMovement
    recorded: dict  # (school id, kind, grade, year) -> students
    enrolled: dict  # (school id, grade, year) -> students


def schools_under(unit: Unit):
    """The schools in `unit`'s subtree (the unit itself if it is one)."""
    return Unit.objects.filter(kind=UnitKind.SCHOOL, path__startswith=unit.path)


def gather(unit: Unit, first: int, last: int, as_of: datetime.date, records_on=None) -> Gathered:
    """`as_of`: the day whose events count; `records_on`: the day whose state of the recorded
    counts is read (today's by default: a count entered or corrected since is the better one;
    `as_of` itself to see what the figures said that day)."""
    schools = schools_under(unit)
    end = min(as_of, years.last_day(last))
    records_on = records_on or clock.today()
    return Gathered(
        first=first,
        last=last,
        as_of=as_of,
        schools=tuple(schools.order_by("name").values_list("id", "name")),
        from_cases=tuple(_case_movements(schools, first, end)),
        recorded=_recorded(schools, first, end, records_on),
        enrolled=_enrolled(schools, first, last, records_on),
    )


def _case_movements(schools, first: int, end: datetime.date):
    start = years.first_day(first)
    if end < start:
        return
    # only the cases with an event in the span: a case that did nothing since cannot move
    active = CaseEvent.objects.filter(
        at__gt=clock.end_of_day(start - datetime.timedelta(days=1)),
        at__lte=clock.end_of_day(end),
    ).values("case_id")
    events = (
        CaseEvent.objects.filter(
            case__school__in=schools, case_id__in=active, at__lte=clock.end_of_day(end)
        )
        .order_by("case_id", "at", "id")
        .values_list(
            "case_id",
            "step",
            "to_stage",
            "at",
            "case__school_id",
            "case__klass__parent__grade_level",
            "case__closure_reason",
            "case__township_id",
        )
    )
    rows: list = []
    for row in events.iterator(chunk_size=2000):
        if rows and row[0] != rows[0][0]:
            yield from _moved(rows, start, end)
            rows = []
        rows.append(row)
    if rows:
        yield from _moved(rows, start, end)


def _moved(rows: list, start: datetime.date, end: datetime.date):
    case_id, _, _, _, school_id, grade, reason, township_id = rows[0]

    def moved(kind, on):
        return CaseMovement(case_id, school_id, township_id, grade, kind, on)

    if rows[-1][2] == Stage.CLOSED and reason in CLOSED_AS:
        closed_on = _local(rows[-1][3])
        if closed_on >= start:
            yield moved(CLOSED_AS[reason], closed_on)
    # each entry into home visits (the confirmation, and again after a relapse) in its own
    # school year: the first of the year counts, judged by where the case stood at the year's
    # end (or on the day, if sooner)
    entries: dict = {}
    for before, row in zip([None, *rows], rows, strict=False):
        if row[2] == Stage.HOME_VISIT and (before is None or before[2] != Stage.HOME_VISIT):
            day = _local(row[3])
            entries.setdefault(years.school_year_of(day), (day, row[3]))
    for year, (day, at) in sorted(entries.items()):
        if day < start:
            continue
        year_end = clock.end_of_day(min(end, years.last_day(year)))
        seen = [row for row in rows if row[3] <= year_end]
        if seen[-1][2] in OUT_OF_SCHOOL:
            yield moved(MovementKind.DROPPED_OUT, day)
        elif any(row[1] == Step.MARK_RETURNED and at <= row[3] for row in seen):
            yield moved(RETURNED, day)


def _recorded(schools, first: int, end: datetime.date, as_of: datetime.date) -> dict:
    totals: dict = defaultdict(int)
    rows = (
        Movement.history.as_of(clock.end_of_day(as_of))
        .filter(school__in=schools, on__range=(years.first_day(first), end))
        .values_list("school_id", "kind", "grade_level", "on", "count")
    )
    for school_id, kind, grade, on, count in rows:
        totals[school_id, kind, grade, years.school_year_of(on)] += count
    return dict(totals)


def _enrolled(schools, first: int, last: int, as_of: datetime.date) -> dict:
    rows = (
        Enrolment.history.as_of(clock.end_of_day(as_of))
        .filter(school__in=schools, school_year__range=(first, last))
        .values_list("school_id", "grade_level", "school_year", "count")
    )
    return {(school_id, grade, year): count for school_id, grade, year, count in rows}


def _local(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(clock.TZ).date()
