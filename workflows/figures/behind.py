"""What lies behind one count of the figures page, for its list (work:figure_cases): the cases
that count, the students the roll counts (the enrolment counted from it, the transfers out its
departures show), and the counts entered by hand or imported, which have no list: who entered
each, when, and from where.

The schools a count covers: one school (`school`), the schools standing in one township
(`township`, 0 for those with none entered), or all the unit's; the cases of the children
living in one township (`residence`) for the residence table's counts."""

import dataclasses

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models import CountSource, Enrolment, Movement
from cases.staff import name_of

from . import counts, rates, years

ENROLMENT = "enrolment"  # the enrolment at the year's start, not a movement
NOT_SET = 0  # the `township` / `residence` of rows with none entered
NO_LIST_KEPT = _("Counted from the roll before the students counted were kept: no list.")


@dataclasses.dataclass(frozen=True)
class Scope:
    """Which part of a count's row: its schools, and for the residence table a township."""

    school_ids: frozenset
    residence: int | None = None  # a township id, NOT_SET, or None for any
    grades: range = years.BANDS["all"]


def scope_of(gathered: counts.Gathered, band: str, params) -> Scope:
    """The scope the query asks for; a school or township outside the unit gives no school."""
    everything = {school_id: township for school_id, _name, township in gathered.schools}
    school_ids = frozenset(everything)
    school = _number(params.get("school"))
    if school is not None:
        school_ids = frozenset({school}) & school_ids
    township = _number(params.get("township"))
    if township is not None:
        school_ids = frozenset(
            school_id for school_id in school_ids if (everything[school_id] or NOT_SET) == township
        )
    return Scope(school_ids, _number(params.get("residence")), years.BANDS[band])


def case_ids(total: rates.Figures, kind: str, scope: Scope, residence: dict) -> list[int]:
    found = []
    for movement in total.cases:
        if movement.kind != kind or movement.school_id not in scope.school_ids:
            continue
        lives = residence.get(movement.case_id) or NOT_SET
        if scope.residence is not None and lives != scope.residence:
            continue
        found.append(movement.case_id)
    return found


def roll_student_ids(
    total: rates.Figures, kind: str, scope: Scope, year: int, records_on
) -> list[int]:
    """The students the roll counts: those of the enrolment counted from it (as its rows stood
    on `records_on`, or today), or those whose departure was settled as a transfer."""
    if scope.residence is not None:
        return []  # the residence table counts cases only
    if kind == ENROLMENT:
        rows = (
            Enrolment.history.as_of(clock.end_of_day(records_on or clock.today()))
            .filter(
                school_id__in=scope.school_ids,
                grade_level__in=list(scope.grades),
                school_year=year,
                source=CountSource.SNAPSHOT,
            )
            .values_list("student_ids", flat=True)
        )
        return sorted({student for students in rows for student in students})
    return [
        movement.student_id
        for movement in total.from_roll
        if movement.kind == kind and movement.school_id in scope.school_ids
    ]


def by_hand(
    gathered: counts.Gathered, kind: str, scope: Scope, year: int, records_on
) -> list[dict]:
    """The counts entered by hand or imported behind the count, as they stood on `records_on`
    (today by default): each with its school, grade, day, students, source, who entered it
    and when. They have no list of students."""
    if scope.residence is not None:
        return []
    moment = clock.end_of_day(records_on or clock.today())
    fields = ["school__name", "grade_level", "count", "source", "recorded_by_id", "history_date"]
    if kind == ENROLMENT:
        # with the counts from the roll taken before they kept their students (migration
        # 0033 left those with an empty list): they have no list either
        rows = (
            Enrolment.history.as_of(moment)
            .filter(school_id__in=scope.school_ids, grade_level__in=list(scope.grades))
            .filter(school_year=year)
            .filter(~Q(source=CountSource.SNAPSHOT) | Q(student_ids=[], count__gt=0))
            .order_by("school__name", "grade_level")
            .values_list(*fields, "taken_on", "history_user_id")
        )
        found = [(*row[:6], row[6], _no_list(row[3]), row[7]) for row in rows]
    else:
        calendar = gathered.calendar
        first, last = calendar.first_day(year), min(calendar.last_day(year), gathered.as_of)
        rows = (
            Movement.history.as_of(moment)
            .filter(school_id__in=scope.school_ids, grade_level__in=list(scope.grades))
            .filter(kind=kind, on__range=(first, last))
            .order_by("on", "school__name", "grade_level")
            .values_list(*fields, "on", "note", "history_user_id")
        )
        found = list(rows)
    people = {
        user.pk: user
        for user in User.objects.filter(
            pk__in={row[4] or row[8] for row in found if row[4] or row[8]}
        )
    }
    return [
        {
            "school": school,
            "grade": grade,
            "count": count,
            "source": CountSource(source).label,
            "by": name_of(people.get(recorded_by or entered_by)),
            "entered_at": entered_at.astimezone(clock.TZ),
            "on": on,
            "note": note,
        }
        for school, grade, count, source, recorded_by, entered_at, on, note, entered_by in found
    ]


def _no_list(source: str) -> str:
    return str(NO_LIST_KEPT) if source == CountSource.SNAPSHOT else ""


def _number(value) -> int | None:
    """A number asked for; -1 (matching nothing) for anything else, None when not asked."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return -1
