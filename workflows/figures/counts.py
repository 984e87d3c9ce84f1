"""What the figures count, for the schools of a unit over a span of school years, seen from a
day: the enrolment at each year's start, the movements recorded by hand or imported, what the
roll shows and what the cases' events show up to that day. A closed case's reason is fixed when
it closes, events are never changed and a settled departure stays settled, so the same day
always gives the same answer. Everything is read in one query per kind of record, whatever the
number of schools and years (`gather`); `Gathered.until` sees the same records from an earlier
day without reading again (the monthly trend). The recorded counts are read as their history
says they stood on a day (`records_on`).

School years are the county's (`years.SchoolYears`): from its autumn term's first day.

From the cases, in the school year of the event and up to the day:
- closed as a transfer or a move out of the jurisdiction: 转出; as a suspension: 休学; as a
  death: 死亡;
- confirmed as a dropout (home visits started, or started again after a relapse) and, at the
  end of that school year (or on the day, if sooner), still out of school (home visits, the
  township, legal enforcement): 辍学 of that year (a transfer closed in a later year is that
  year's 转出);
- confirmed, and back in class by then: returned (the return rate's numerator).

From the roll: a student a new roll no longer lists whose departure a person settled as a
transfer to another school: 转出, on the day it was settled. One child's transfer out of one
school counts once: the case's closure or the departure's settlement, whichever came first.
"""

import dataclasses
import datetime
from bisect import bisect_right
from collections import defaultdict

from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from cases import clock
from cases.ladder import ACTIVE_STAGES
from cases.models import (
    Case,
    CaseEvent,
    ClosureReason,
    CountSource,
    Enrolment,
    Movement,
    MovementKind,
    RosterDeparture,
    Settlement,
    Stage,
    Step,
    Student,
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
TRANSFER_CLOSURES = (ClosureReason.TRANSFERRED, ClosureReason.MOVED_OUT)
OUT_OF_SCHOOL = frozenset(ACTIVE_STAGES) - {Stage.IDENTIFIED, Stage.REPORTED}
RETURNED = "returned"  # confirmed and back in class: not a movement, the return rate's count


@dataclasses.dataclass(frozen=True)
class CaseMovement:
    case_id: int
    student_id: int
    school_id: int
    grade_level: int
    kind: str  # a MovementKind, or RETURNED
    on: datetime.date
    year: int  # the county's school year of `on`


@dataclasses.dataclass(frozen=True)
class RollMovement:
    """A student the roll no longer lists, settled as a transfer to another school."""

    departure_id: int
    student_id: int
    school_id: int
    grade_level: int | None
    kind: str  # MovementKind.TRANSFERRED_OUT
    on: datetime.date
    year: int


@dataclasses.dataclass(frozen=True)
class Records:
    """The rows read once, for every day up to `end` (`Gathered.until` filters them)."""

    start: datetime.date
    end: datetime.date
    case_rows: tuple  # per case, its event rows up to `end`, in order
    departures: tuple  # (id, student, school, grade, settled at, a case closed it first)
    movements: tuple  # (school, kind, grade, on, count), entered by hand or imported


@dataclasses.dataclass(frozen=True)
class Gathered:
    """The records behind the figures of some schools for school years `first`…`last`."""

    first: int
    last: int
    as_of: datetime.date
    calendar: years.SchoolYears
    schools: tuple  # (id, name, id of the township it stands in or None) in name order
    townships: dict  # id -> name of the townships the schools stand in
    from_cases: tuple  # CaseMovement
    from_roll: tuple  # RollMovement
    recorded: dict  # (school id, kind, grade, year) -> students, entered by hand or imported
    enrolled: dict  # (school id, grade, year) -> students
    counted: frozenset  # the keys of `enrolled` counted from the roll (the others by hand)
    residence: dict  # case id -> the child's residence township on `as_of`
    records: Records = dataclasses.field(repr=False, compare=False)

    def until(self, day: datetime.date) -> "Gathered":
        """The same records seen from an earlier day: the events, settlements and movements
        after it left out. The enrolment and the residences stay those read."""
        end = min(day, self.records.end)
        return dataclasses.replace(
            self,
            as_of=day,
            from_cases=tuple(_case_movements(self.records, self.calendar, end)),
            from_roll=tuple(_roll_movements(self.records, self.calendar, end)),
            recorded=_recorded(self.records, self.calendar, end),
        )


def schools_under(unit: Unit):
    """The schools in `unit`'s subtree (the unit itself if it is one)."""
    return Unit.objects.filter(kind=UnitKind.SCHOOL, path__startswith=unit.path)


def gather(
    unit: Unit,
    first: int,
    last: int,
    as_of: datetime.date,
    records_on=None,
    *,
    calendar: years.SchoolYears | None = None,
) -> Gathered:
    """`as_of`: the day whose events count; `records_on`: the day whose state of the recorded
    counts is read (today's by default: a count entered or corrected since is the better one;
    `as_of` itself to see what the figures said that day)."""
    calendar = calendar or years.of_unit(unit)
    schools = schools_under(unit)
    start = calendar.first_day(first)
    end = min(as_of, calendar.last_day(last))
    records_on = records_on or clock.today()
    school_rows = list(
        schools.order_by("name").values_list("id", "name", "township_id", "township__name")
    )
    records = Records(
        start=start,
        end=end,
        case_rows=tuple(_case_rows(schools, start, end)),
        departures=tuple(_departure_rows(schools, end)),
        movements=tuple(_movement_rows(schools, start, end, records_on)),
    )
    enrolled = _enrolled(schools, first, last, records_on)
    from_cases = tuple(_case_movements(records, calendar, end))
    return Gathered(
        first=first,
        last=last,
        as_of=as_of,
        calendar=calendar,
        schools=tuple((pk, name, township) for pk, name, township, _ in school_rows),
        townships={township: name for _, _, township, name in school_rows if township},
        from_cases=from_cases,
        from_roll=tuple(_roll_movements(records, calendar, end)),
        recorded=_recorded(records, calendar, end),
        enrolled={key: count for key, (count, _source) in enrolled.items()},
        counted=frozenset(key for key, (_count, source) in enrolled.items() if source),
        residence=residences({m.case_id for m in from_cases}, end),
        records=records,
    )


def residences(case_ids, day: datetime.date) -> dict:
    """{case id: the residence township its history gave it on `day`} (a hand-over moves a
    case to another township from that step on, not before); one query."""
    if not case_ids:
        return {}
    found = {}
    rows = (
        Case.history.filter(id__in=list(case_ids), history_date__lte=clock.end_of_day(day))
        .order_by("id", "history_date", "history_id")
        .values_list("id", "township_id")
    )
    for case_id, township_id in rows:
        found[case_id] = township_id
    return found


def _case_rows(schools, start: datetime.date, end: datetime.date):
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
            "case__student_id",
        )
    )
    rows: list = []
    for row in events.iterator(chunk_size=2000):
        if rows and row[0] != rows[0][0]:
            yield tuple(rows)
            rows = []
        rows.append(row)
    if rows:
        yield tuple(rows)


def _departure_rows(schools, end: datetime.date):
    """The departures settled as transfers by `end`, each with the grade the child left and
    whether a case of the child at that school had closed as a transfer or a move out before
    (that case counts it)."""
    closed_first = Case.objects.filter(
        student=OuterRef("student"),
        school=OuterRef("school"),
        stage=Stage.CLOSED,
        closure_reason__in=TRANSFER_CLOSURES,
        closed_at__lte=OuterRef("settled_at"),
    )
    # The grade is the class the child was in at the school they left, from the student's
    # history: a later roll listing them elsewhere (another school, a higher grade) changes
    # the student's class today, not the grade a past year's transfer was counted in.
    at_school = Student.history.filter(
        id=OuterRef("student_id"), school_id=OuterRef("school_id")
    ).order_by("-history_date", "-history_id")
    left_from = at_school.filter(history_date__lte=OuterRef("settled_at"))
    grade = Coalesce(
        Subquery(left_from.values("klass__parent__grade_level")[:1]),
        Subquery(at_school.values("klass__parent__grade_level")[:1]),
        F("student__klass__parent__grade_level"),  # a student with no history row
    )
    return (
        RosterDeparture.objects.filter(
            school__in=schools,
            settlement=Settlement.TRANSFERRED,
            settled_at__lte=clock.end_of_day(end),
        )
        .annotate(case_first=Exists(closed_first), grade=grade)
        .order_by("settled_at", "id")
        .values_list("id", "student_id", "school_id", "grade", "settled_at", "case_first")
    )


def _movement_rows(schools, start: datetime.date, end: datetime.date, as_of: datetime.date):
    return (
        Movement.history.as_of(clock.end_of_day(as_of))
        .filter(school__in=schools, on__range=(start, end))
        .values_list("school_id", "kind", "grade_level", "on", "count")
    )


def _case_movements(records: Records, calendar, end: datetime.date):
    cutoff = clock.end_of_day(end)
    # a child's transfer counted by the roll before the case closed is not counted again
    settled = {}
    for _id, student, school, _grade, at, _first in records.departures:
        if at <= cutoff:
            settled.setdefault((student, school), at)
    for rows in records.case_rows:
        seen = rows[: bisect_right([row[3] for row in rows], cutoff)]
        if seen:
            yield from _moved(seen, records.start, end, calendar, settled)


def _moved(rows: tuple, start: datetime.date, end: datetime.date, calendar, settled: dict):
    case_id, _, _, _, school_id, grade, reason, student_id = rows[0]

    def moved(kind, on):
        return CaseMovement(case_id, student_id, school_id, grade, kind, on, calendar.year_of(on))

    if rows[-1][2] == Stage.CLOSED and reason in CLOSED_AS:
        closed_at = rows[-1][3]
        closed_on = _local(closed_at)
        earlier = settled.get((student_id, school_id))
        counted_by_roll = (
            reason in TRANSFER_CLOSURES and earlier is not None and earlier < closed_at
        )
        if closed_on >= start and not counted_by_roll:
            yield moved(CLOSED_AS[reason], closed_on)
    # each entry into home visits (the confirmation, and again after a relapse) in its own
    # school year: the first of the year counts, judged by where the case stood at the year's
    # end (or on the day, if sooner)
    entries: dict = {}
    for before, row in zip([None, *rows], rows, strict=False):
        if row[2] == Stage.HOME_VISIT and (before is None or before[2] != Stage.HOME_VISIT):
            day = _local(row[3])
            entries.setdefault(calendar.year_of(day), (day, row[3]))
    for year, (day, at) in sorted(entries.items()):
        if day < start:
            continue
        year_end = clock.end_of_day(min(end, calendar.last_day(year)))
        seen = [row for row in rows if row[3] <= year_end]
        if seen[-1][2] in OUT_OF_SCHOOL:
            yield moved(MovementKind.DROPPED_OUT, day)
        elif any(row[1] == Step.MARK_RETURNED and at <= row[3] for row in seen):
            yield moved(RETURNED, day)


def _roll_movements(records: Records, calendar, end: datetime.date):
    cutoff = clock.end_of_day(end)
    for departure_id, student, school, grade, at, case_first in records.departures:
        day = _local(at)
        if at <= cutoff and day >= records.start and not case_first:
            yield RollMovement(
                departure_id,
                student,
                school,
                grade,
                MovementKind.TRANSFERRED_OUT,
                day,
                calendar.year_of(day),
            )


def _recorded(records: Records, calendar, end: datetime.date) -> dict:
    totals: dict = defaultdict(int)
    for school_id, kind, grade, on, count in records.movements:
        if on <= end:
            totals[school_id, kind, grade, calendar.year_of(on)] += count
    return dict(totals)


def _enrolled(schools, first: int, last: int, as_of: datetime.date) -> dict:
    """{(school, grade, year): (students, whether counted from the roll)}."""
    rows = (
        Enrolment.history.as_of(clock.end_of_day(as_of))
        .filter(school__in=schools, school_year__range=(first, last))
        .values_list("school_id", "grade_level", "school_year", "count", "source")
    )
    return {
        (school_id, grade, year): (count, source == CountSource.SNAPSHOT)
        for school_id, grade, year, count, source in rows
    }


def _local(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(clock.TZ).date()
