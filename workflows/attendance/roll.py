"""Taking the roll (到校日报告): a class's absences for a school day, by its homeroom teacher or
the school's officer, today or in the last few school days; a change is recorded as a change.
Bulk rows (an upload, the API) go through `absences_record` with the same rules."""

import dataclasses
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.access import grants_of
from cases.models import (
    Absence,
    AbsenceKind,
    AttendanceSource,
    Role,
    RollCall,
    Student,
    Unit,
)

from . import rules
from .calendar import SchoolCalendar, last_school_days

CORRECTION_SCHOOL_DAYS = 5  # how far back a roll may be taken or corrected
NOT_A_SCHOOL_DAY = _("%(date)s is not a school day of this school: no roll is taken.")
IN_THE_FUTURE = _("A roll cannot be taken for a day still to come.")
TOO_OLD = _(
    "Rolls older than %(days)s school days are corrected by the school's dropout officer "
    "through an upload, with a note."
)
NOT_IN_CLASS = _("A student in the marks is not in this class.")
MAY_NOT = _("Only the class's homeroom teacher or the school's dropout officer takes its roll.")


@dataclasses.dataclass(frozen=True)
class Mark:
    """One student's day when not simply present."""

    kind: str = AbsenceKind.UNEXCUSED
    part_of_day: bool = False
    contacted: str = ""
    note: str = ""


def may_take_roll(user, klass: Unit) -> bool:
    for grant in grants_of(user):
        if grant.role == Role.HOMEROOM_TEACHER and grant.unit.pk == klass.pk:
            return True
        if grant.role == Role.SCHOOL_OFFICER and grant.unit.contains(klass):
            return True
    return False


def days_open(school: Unit, today: datetime.date) -> list[datetime.date]:
    """The school days a roll may be taken or corrected for, newest first."""
    return list(reversed(last_school_days(school, today, CORRECTION_SCHOOL_DAYS)))


@transaction.atomic
def roll_take(*, klass: Unit, date: datetime.date, by, marks: dict[int, Mark]) -> RollCall:
    """Record a class's roll: `marks` by student id, everyone else present. Taken again, the
    roll call and every changed absence get a history row; a student now present keeps their
    row, marked `present`."""
    if not may_take_roll(by, klass):
        raise PermissionDenied(MAY_NOT)
    school = klass.parent.parent
    today = clock.today()
    if date > today:
        raise ValidationError(IN_THE_FUTURE)
    if not SchoolCalendar(school, date, date).is_school_day(date):
        raise ValidationError(NOT_A_SCHOOL_DAY, params={"date": f"{date:%Y-%m-%d}"})
    if date not in days_open(school, today):
        raise ValidationError(TOO_OLD, params={"days": CORRECTION_SCHOOL_DAYS})
    students = {s.pk: s for s in Student.objects.filter(klass=klass)}
    if not set(marks) <= set(students):
        raise ValidationError(NOT_IN_CLASS)
    changed = _write(students.values(), date, marks, by=by, source=AttendanceSource.ROLL)
    roll = RollCall.objects.filter(klass=klass, date=date).first() or RollCall(
        klass=klass, date=date
    )
    absent = sum(1 for mark in marks.values() if mark.kind != AbsenceKind.PRESENT)
    roll.taken_by, roll.taken_at, roll.absent = by, clock.now(), absent
    roll._history_user = by
    roll.save()
    rules.review(changed, today=today)
    return roll


def _write(students, date, marks: dict[int, Mark], *, by, source: str) -> list[Student]:
    """Upsert the day's absences of `students`; the students whose day changed."""
    existing = {a.student_id: a for a in Absence.objects.filter(student__in=students, date=date)}
    now, changed = clock.now(), []
    for student in students:
        mark = marks.get(student.pk)
        absence = existing.get(student.pk)
        if mark is None:
            if absence is None or absence.kind == AbsenceKind.PRESENT:
                continue
            mark = Mark(kind=AbsenceKind.PRESENT, note=absence.note)
        values = {
            "kind": mark.kind,
            "part_of_day": mark.part_of_day,
            "contacted": mark.contacted[:100],
            "note": mark.note[:200],
        }
        if absence is not None and all(getattr(absence, k) == v for k, v in values.items()):
            continue
        if absence is None:
            if mark.kind == AbsenceKind.PRESENT:
                continue  # present, and never marked otherwise: nothing to record
            absence = Absence(student=student, date=date)
        for field, value in values.items():
            setattr(absence, field, value)
        absence.source, absence.recorded_by, absence.recorded_at = source, by, now
        absence._history_user = by
        absence.save()
        changed.append(student)
    return changed


@dataclasses.dataclass(frozen=True)
class Row:
    """A bulk row: a student's status on a day (PRESENT for a day in school)."""

    student: Student
    date: datetime.date
    mark: Mark


@transaction.atomic
def absences_record(rows: list[Row], *, by, source: str, today=None) -> list[Student]:
    """Bulk rows, idempotent by (student, date): a row the database already says changes
    nothing. The rules then look at every student whose days changed."""
    today = today or clock.today()
    by_day: dict[datetime.date, dict[int, Mark]] = {}
    students: dict[datetime.date, list[Student]] = {}
    for row in rows:
        by_day.setdefault(row.date, {})[row.student.pk] = row.mark
        students.setdefault(row.date, []).append(row.student)
    changed: dict[int, Student] = {}
    for date, marks in by_day.items():
        # A bulk row says each student's whole day: present rows are marks too.
        for student in _write(students[date], date, marks, by=by, source=source):
            changed[student.pk] = student
    rules.review(list(changed.values()), today=today)
    return list(changed.values())
