"""What the rolls say per school, for those who supervise them: which classes have reported
today, the share of class-days reported and the unexcused-absence rate over the last four
weeks, and the integrity flags: reports made late (上报不过夜), classes without a roll for days,
students absent for weeks with no case (名在人不在). Each in a fixed number of queries."""

import dataclasses
import datetime

from django.db.models import Count, Q

from cases import clock
from cases.models import (
    Absence,
    AbsenceKind,
    Case,
    Proposal,
    Role,
    RollCall,
    StaffRole,
    Stage,
    Student,
    Unit,
    UnitKind,
)

from .calendar import school_days_of

WEEKS = 4
SILENT_DAYS = 3  # school days in a row without a roll: flagged
ABSENT_FOR_WEEKS = 10  # unexcused school days in the window with no case: 名在人不在
LATE_AFTER = 1  # school days between the first unexcused absence and the case


@dataclasses.dataclass
class SchoolLine:
    school: Unit
    classes: int = 0
    reported_today: int = 0
    absent_today: int = 0
    students: int = 0
    class_days: int = 0  # over the window: classes × school days
    reported_days: int = 0
    unexcused_days: int = 0
    school_days: int = 0
    is_school_day: bool = True

    @property
    def reported_share(self) -> float | None:
        return self.reported_days / self.class_days if self.class_days else None

    @property
    def unexcused_rate(self) -> float | None:
        pupil_days = self.students * self.school_days
        return self.unexcused_days / pupil_days if pupil_days else None

    @property
    def reported_percent(self) -> float | None:
        share = self.reported_share
        return None if share is None else share * 100

    @property
    def unexcused_percent(self) -> float | None:
        rate = self.unexcused_rate
        return None if rate is None else rate * 100


def schools_under(units) -> list[Unit]:
    under = Q(pk__in=[])
    for unit in units:
        under |= Q(path__startswith=unit.path)
    return list(Unit.objects.filter(under, kind=UnitKind.SCHOOL).order_by("path"))


def window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return today - datetime.timedelta(weeks=WEEKS) + datetime.timedelta(days=1), today


def per_school(schools, today: datetime.date) -> list[SchoolLine]:
    start, end = window(today)
    days = {pk: set(found) for pk, found in school_days_of(schools, start, end).items()}
    lines = {school.pk: SchoolLine(school) for school in schools}
    classes = (
        Unit.objects.filter(kind=UnitKind.CLASS, parent__parent__in=schools)
        .values("parent__parent")
        .annotate(n=Count("pk"))
    )
    for row in classes:
        lines[row["parent__parent"]].classes = row["n"]
    for row in (
        Student.objects.on_roll()
        .filter(school__in=schools)
        .values("school")
        .annotate(n=Count("pk"))
    ):
        lines[row["school"]].students = row["n"]
    rolls = RollCall.objects.filter(klass__parent__parent__in=schools, date__range=(start, end))
    for school_id, day in rolls.values_list("klass__parent__parent", "date"):
        line = lines[school_id]
        if day in days[school_id]:
            line.reported_days += 1
        if day == today:
            line.reported_today += 1
    absences = Absence.objects.filter(
        student__school__in=schools,
        date__range=(start, end),
        kind=AbsenceKind.UNEXCUSED,
        part_of_day=False,
    )
    for school_id, day in absences.values_list("student__school", "date"):
        line = lines[school_id]
        if day in days[school_id]:
            line.unexcused_days += 1
        if day == today:
            line.absent_today += 1
    for school_id, line in lines.items():
        line.school_days = len(days[school_id])
        line.class_days = line.classes * line.school_days
        line.is_school_day = today in days[school_id]
    return list(lines.values())


def unreported_classes(schools, today: datetime.date) -> list[tuple[Unit, list]]:
    """The classes of the schools that have a school day today and no roll yet, with their
    homeroom teachers."""
    days = school_days_of(schools, today, today)
    open_schools = [s for s in schools if days[s.pk]]
    classes = list(
        Unit.objects.filter(kind=UnitKind.CLASS, parent__parent__in=open_schools)
        .exclude(roll_calls__date=today)
        .select_related("parent__parent")
        .order_by("path")
    )
    teachers: dict[int, list] = {}
    for held in StaffRole.objects.filter(
        role=Role.HOMEROOM_TEACHER, unit__in=classes, user__is_active=True
    ).select_related("user"):
        teachers.setdefault(held.unit_id, []).append(held.user)
    return [(klass, teachers.get(klass.pk, [])) for klass in classes]


def silent_classes(schools, today: datetime.date) -> list[tuple[Unit, int]]:
    """Classes whose last SILENT_DAYS school days (or more) have no roll: (class, days)."""
    start = today - datetime.timedelta(weeks=WEEKS)
    days = school_days_of(schools, start, today)
    taken: dict[int, set] = {}
    for klass_id, day in RollCall.objects.filter(
        klass__parent__parent__in=schools, date__range=(start, today)
    ).values_list("klass", "date"):
        taken.setdefault(klass_id, set()).add(day)
    found = []
    for klass in (
        Unit.objects.filter(kind=UnitKind.CLASS, parent__parent__in=schools)
        .select_related("parent__parent")
        .order_by("path")
    ):
        school_days = days[klass.parent.parent_id]
        silent = 0
        for day in reversed(school_days):
            if day in taken.get(klass.pk, set()):
                break
            silent += 1
        if silent >= SILENT_DAYS:
            found.append((klass, silent))
    return found


def absent_without_case(students, today: datetime.date):
    """名在人不在: students of `students` (a queryset in reach) with ABSENT_FOR_WEEKS or more
    unexcused days in the last four weeks and no open case, most absent first."""
    start, end = window(today)
    return (
        students.on_roll()
        .filter(
            absences__date__range=(start, end),
            absences__kind=AbsenceKind.UNEXCUSED,
            absences__part_of_day=False,
        )
        .exclude(cases__stage__in=[s for s in Stage.values if s != Stage.CLOSED])
        .annotate(unexcused=Count("absences", distinct=True))
        .filter(unexcused__gte=ABSENT_FOR_WEEKS)
        .order_by("-unexcused", "name")
    )


@dataclasses.dataclass(frozen=True)
class LateReport:
    case: Case
    first_absent_on: datetime.date
    school_days_late: int


def late_reports(cases, today: datetime.date) -> list[LateReport]:
    """Cases (a queryset in reach) opened in the last four weeks more than LATE_AFTER school
    days after the first unexcused absence of the run that led to them."""
    start, _end = window(today)
    opened = list(cases.filter(opened_at__date__gte=start).select_related("school", "student"))
    if not opened:
        return []
    # A case opened from a proposal is late from the day the rules proposed it, not before.
    proposed = {
        case_id: at.astimezone(clock.TZ).date()
        for case_id, at in Proposal.objects.filter(case__in=opened).values_list(
            "case_id", "proposed_at"
        )
    }
    earliest = start - datetime.timedelta(weeks=WEEKS)
    days = school_days_of({c.school for c in opened}, earliest, today)
    marks: dict[int, set] = {}
    for student_id, day in Absence.objects.filter(
        student__in=[c.student_id for c in opened],
        date__range=(earliest, today),
        kind=AbsenceKind.UNEXCUSED,
        part_of_day=False,
    ).values_list("student", "date"):
        marks.setdefault(student_id, set()).add(day)
    found = []
    for case in opened:
        opened_on = case.opened_at.astimezone(clock.TZ).date()
        school_days = [d for d in days[case.school_id] if d <= opened_on]
        absent = marks.get(case.student_id, set())
        run = []
        for day in reversed(school_days):
            if day in absent:
                run.insert(0, day)
            elif day != opened_on:  # the opening day itself may have no mark yet
                break
        if not run:
            continue
        since = max(run[0], proposed.get(case.pk, run[0]))
        late = len([d for d in school_days if since < d <= opened_on])
        if late > LATE_AFTER:
            found.append(LateReport(case, run[0], late))
    return found


@dataclasses.dataclass
class DayLine:
    day: datetime.date
    classes: int  # classes of the schools with a school day then
    reported: int
    students: int
    unexcused: int

    @property
    def reported_percent(self) -> float | None:
        return self.reported / self.classes * 100 if self.classes else None

    @property
    def unexcused_percent(self) -> float | None:
        return self.unexcused / self.students * 100 if self.students else None


def per_day(lines: list[SchoolLine], schools, today: datetime.date) -> list[DayLine]:
    """The schools together, one row per school day of the last four weeks, newest first:
    the share of classes that reported and the unexcused-absence rate of the day."""
    start, end = window(today)
    days = school_days_of(schools, start, end)
    by_school = {line.school.pk: line for line in lines}
    reported = dict(
        RollCall.objects.filter(klass__parent__parent__in=schools, date__range=(start, end))
        .values("date")
        .annotate(n=Count("pk"))
        .values_list("date", "n")
    )
    unexcused = dict(
        Absence.objects.filter(
            student__school__in=schools,
            date__range=(start, end),
            kind=AbsenceKind.UNEXCUSED,
            part_of_day=False,
        )
        .values("date")
        .annotate(n=Count("pk"))
        .values_list("date", "n")
    )
    found = {}
    for school_id, school_days in days.items():
        line = by_school[school_id]
        for day in school_days:
            row = found.setdefault(day, DayLine(day, 0, reported.get(day, 0), 0, 0))
            row.classes += line.classes
            row.students += line.students
    for day, row in found.items():
        row.unexcused = unexcused.get(day, 0)
    return sorted(found.values(), key=lambda row: row.day, reverse=True)
