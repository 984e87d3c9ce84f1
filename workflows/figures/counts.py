"""What the figures count, for the schools of a unit, a school year and a day it is seen from:
the enrolment at the year's start, the movements recorded by hand or imported, and what the
cases' events show up to that day (a closed case's reason is fixed when it closes, and events
are never changed, so the same day always gives the same answer).

From the cases, within the year and up to the day:
- closed as a transfer or a move out of the jurisdiction: 转出; as a suspension: 休学; as a
  death: 死亡;
- confirmed as a dropout (home visits started) and, on the day, still out of school (home
  visits, the township, legal enforcement) and not closed as one of the above: 辍学;
- confirmed, and back in class by the day: returned (the return rate's numerator).
"""

import dataclasses
import datetime
from collections import defaultdict

from django.db.models import Sum

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


@dataclasses.dataclass(frozen=True)
class CaseMovement:
    case_id: int
    school_id: int
    grade_level: int
    kind: str  # a MovementKind, or RETURNED
    on: datetime.date


RETURNED = "returned"  # confirmed and back in class: not a movement, the return rate's count


def schools_under(unit: Unit):
    """The schools in `unit`'s subtree (the unit itself if it is one)."""
    return Unit.objects.filter(kind=UnitKind.SCHOOL, path__startswith=unit.path)


def cutoff(year: int, as_of: datetime.date) -> datetime.date:
    return min(as_of, years.last_day(year))


def case_movements(schools, year: int, as_of: datetime.date) -> list[CaseMovement]:
    """What the cases of `schools` show for `year`, seen on `as_of` (from their events)."""
    start, end = years.first_day(year), cutoff(year, as_of)
    if end < start:
        return []
    events = (
        CaseEvent.objects.filter(case__school__in=schools, at__lte=clock.end_of_day(end))
        .order_by("case_id", "at", "id")
        .values_list(
            "case_id",
            "step",
            "to_stage",
            "at",
            "case__school_id",
            "case__klass__parent__grade_level",
            "case__closure_reason",
        )
    )
    found = []
    for case_id, rows in _by_case(events).items():
        moved = _moved(case_id, rows, start)
        if moved is not None:
            found.append(moved)
    return found


def _by_case(events) -> dict:
    grouped = defaultdict(list)
    for row in events.iterator(chunk_size=2000):
        grouped[row[0]].append(row)
    return grouped


def _moved(case_id: int, rows: list, start: datetime.date) -> CaseMovement | None:
    _, _, _, _, school_id, grade, reason = rows[0]
    confirmed = next((_local(r[3]) for r in rows if r[2] == Stage.HOME_VISIT), None)
    last_stage = rows[-1][2]
    closed_on = _local(rows[-1][3]) if last_stage == Stage.CLOSED else None

    def moved(kind, on):
        return CaseMovement(case_id, school_id, grade, kind, on)

    if closed_on and closed_on >= start and reason in CLOSED_AS:
        return moved(CLOSED_AS[reason], closed_on)
    if confirmed is None or confirmed < start:
        return None
    if last_stage in OUT_OF_SCHOOL:
        return moved(MovementKind.DROPPED_OUT, confirmed)
    returned = any(r[1] == Step.MARK_RETURNED for r in rows)
    return moved(RETURNED, confirmed) if returned else None


def recorded_movements(schools, year: int, as_of: datetime.date) -> dict[tuple, int]:
    """(kind, grade) -> students, of the movements recorded by hand or imported."""
    start, end = years.first_day(year), cutoff(year, as_of)
    rows = (
        Movement.objects.filter(school__in=schools, on__range=(start, end))
        .values_list("kind", "grade_level")
        .annotate(total=Sum("count"))
    )
    return {(kind, grade): total for kind, grade, total in rows}


def enrolment(schools, year: int) -> dict[int, int]:
    """grade -> students at the start of `year`."""
    rows = (
        Enrolment.objects.filter(school__in=schools, school_year=year)
        .values_list("grade_level")
        .annotate(total=Sum("count"))
    )
    return dict(rows)


def _local(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(clock.TZ).date()
