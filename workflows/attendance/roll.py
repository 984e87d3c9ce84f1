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

from ..roster import copying
from . import rules
from .calendar import SchoolCalendar, last_school_days

CORRECTION_SCHOOL_DAYS = 5  # how far back a roll may be taken or corrected
CORRECTION_CALENDAR_DAYS = 10  # and never from before a holiday longer than that
NOT_A_SCHOOL_DAY = _("%(date)s is not a school day of this school: no roll is taken.")
IN_THE_FUTURE = _("A roll cannot be taken for a day still to come.")
TOO_OLD = _(
    "Rolls older than %(days)s school days are corrected by the school's dropout officer "
    "through an upload, with a note."
)
NOT_IN_CLASS = _("A student in the marks is not in this class.")
MAY_NOT = _("Only the class's homeroom teacher or the school's dropout officer takes its roll.")
ROLL_CHANGED = _(
    "Someone else saved this roll meanwhile. Nothing of yours was saved: look at the roll again "
    "and repeat your marks."
)
NOT_YOURS = _("A row names a student whose roll you do not take.")


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


def may_record_for(user, klass: Unit) -> bool:
    """Bulk attendance (an upload, the interface): the roll's takers, and the county."""
    if may_take_roll(user, klass):
        return True
    return any(
        grant.role == Role.COUNTY_SUPERVISOR and grant.unit.contains(klass)
        for grant in grants_of(user)
    )


def days_open(school: Unit, today: datetime.date) -> list[datetime.date]:
    """The school days a roll may be taken or corrected for, newest first: the last few, and
    none from before a holiday (a term's last week stays closed over the break)."""
    oldest = today - datetime.timedelta(days=CORRECTION_CALENDAR_DAYS)
    days = last_school_days(school, today, CORRECTION_SCHOOL_DAYS)
    return [day for day in reversed(days) if day >= oldest]


def version_of(roll: "RollCall | None") -> str:
    """What the roll page sends back to say which state of the roll it was showing."""
    return f"{roll.taken_at.timestamp():.6f}" if roll is not None else ""


@transaction.atomic
def roll_take(
    *, klass: Unit, date: datetime.date, by, marks: dict[int, Mark], version: str | None = None
) -> RollCall:
    """Record a class's roll: `marks` by student id, everyone else present. Taken again, the
    roll call and every changed absence get a history row; a student now present keeps their
    row, marked `present`. With `version` (what the page showed, `version_of`), a roll someone
    else saved meanwhile is not overwritten: ROLL_CHANGED, nothing written."""
    if not may_take_roll(by, klass):
        raise PermissionDenied(MAY_NOT)
    # The class locked: two people sending the same roll queue up, the second sees the first.
    Unit.objects.select_for_update().filter(pk=klass.pk).first()
    for mark in marks.values():
        _checked_text(mark)
    school = klass.parent.parent
    today = clock.today()
    if date > today:
        raise ValidationError(IN_THE_FUTURE)
    if not SchoolCalendar(school, date, date).is_school_day(date):
        raise ValidationError(NOT_A_SCHOOL_DAY, params={"date": f"{date:%Y-%m-%d}"})
    if date not in days_open(school, today):
        raise ValidationError(TOO_OLD, params={"days": CORRECTION_SCHOOL_DAYS})
    students = {s.pk: s for s in Student.objects.on_roll().filter(klass=klass)}
    if not set(marks) <= set(students):
        raise ValidationError(NOT_IN_CLASS)
    roll = RollCall.objects.filter(klass=klass, date=date).first()
    if version is not None and version != version_of(roll):
        raise ValidationError(ROLL_CHANGED)
    changed = _write(students.values(), date, marks, by=by, source=AttendanceSource.ROLL)
    roll = roll or RollCall(klass=klass, date=date)
    absent = sum(1 for mark in marks.values() if mark.kind != AbsenceKind.PRESENT)
    roll.taken_by, roll.taken_at, roll.absent = by, clock.now(), absent
    roll._history_user = by
    roll.save()
    rules.review(changed, today=today)
    return roll


def _write(students, date, marks: dict[int, Mark], *, by, source: str) -> list[Student]:
    """Upsert the day's absences of `students`; the students whose day changed. Changed rows
    are saved one by one, new ones together (by COPY on PostgreSQL), each with its history."""
    existing = {a.student_id: a for a in Absence.objects.filter(student__in=students, date=date)}
    now, changed, fresh = clock.now(), [], []
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
            fresh.append(absence)
        for field, value in values.items():
            setattr(absence, field, value)
        absence.source, absence.recorded_by, absence.recorded_at = source, by, now
        if absence.pk:
            absence._history_user = by
            absence.save()
        changed.append(student)
    copying.create_with_history(fresh, Absence, by=by, reason=None)
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
    nothing; a later row about the same student and day wins. Each class and day the rows
    cover counts as reported (an electronic system sends the whole class). The rules then look
    at every student whose days changed. Refused whole (ValidationError, PermissionDenied) if
    any row is not the user's to write, is still to come or is not a school day."""
    today = today or clock.today()
    _check_rows(rows, by=by, today=today)
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
    _covered(rows, by=by)
    rules.review(list(changed.values()), today=today)
    return list(changed.values())


def _checked_text(mark: Mark) -> None:
    """Who was contacted and the note: free text, so no identity or phone number in it."""
    for field in ("contacted", "note"):
        try:
            for validator in Absence._meta.get_field(field).validators:
                validator(getattr(mark, field))
        except ValidationError as error:
            label = Absence._meta.get_field(field).verbose_name
            raise ValidationError(f"{label}：{' '.join(error.messages)}") from None


def _check_rows(rows: list[Row], *, by, today: datetime.date) -> None:
    classes = {}
    spans: dict[int, list] = {}
    for row in rows:
        _checked_text(row.mark)
        if row.date > today:
            raise ValidationError(IN_THE_FUTURE)
        classes[row.student.klass_id] = row.student.klass
        spans.setdefault(row.student.school_id, []).append((row.date, row.student.school))
    if any(not may_record_for(by, klass) for klass in classes.values()):
        raise PermissionDenied(NOT_YOURS)
    # The classes locked, in one order: a roll taken on the page meanwhile waits for this.
    list(Unit.objects.select_for_update().filter(pk__in=list(classes)).order_by("pk"))
    for dates in spans.values():
        school = dates[0][1]
        days = [day for day, _school in dates]
        calendar = SchoolCalendar(school, min(days), max(days))
        for day in days:
            if not calendar.is_school_day(day):
                raise ValidationError(NOT_A_SCHOOL_DAY, params={"date": f"{day:%Y-%m-%d}"})


def _covered(rows: list[Row], *, by) -> None:
    """A roll call for each class and day the rows cover that has none yet."""
    pairs = {(row.student.klass_id, row.date) for row in rows}
    taken = set(
        RollCall.objects.filter(
            klass_id__in={klass for klass, _day in pairs}, date__in={day for _k, day in pairs}
        ).values_list("klass_id", "date")
    )
    absent: dict[tuple, int] = {}
    for row in rows:
        if row.mark.kind != AbsenceKind.PRESENT:
            key = (row.student.klass_id, row.date)
            absent[key] = absent.get(key, 0) + 1
    now = clock.now()
    rolls = [
        RollCall(
            klass_id=klass_id,
            date=day,
            taken_by=by,
            taken_at=now,
            absent=absent.get((klass_id, day), 0),
        )
        for klass_id, day in sorted(pairs - taken)
    ]
    copying.create_with_history(rolls, RollCall, by=by, reason=None)
