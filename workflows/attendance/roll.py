"""Taking the roll (到校日报告): a class's absences for a school day, by its homeroom teacher or
the school's officer, today or in the last few school days; a change is recorded as a change.
Bulk rows (an upload, the API) go through `absences_record` with the same rules."""

import dataclasses
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_update_with_history

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
from .any_of import AnyOf
from .calendar import SchoolCalendar, last_school_days

CORRECTION_SCHOOL_DAYS = 5  # how far back a roll may be taken or corrected
CORRECTION_CALENDAR_DAYS = 10  # and never from before a holiday longer than that
EDITS_A_STATEMENT = 500  # changed absences a bulk UPDATE sets (its CASE grows with them)
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
    # everyone the marks leave out is present (None: their note, if any, is kept)
    wanted = {(pk, date): marks.get(pk) for pk in students}
    changed = _write(wanted, students, by=by, source=AttendanceSource.ROLL)
    roll = roll or RollCall(klass=klass, date=date)
    absent = sum(1 for mark in marks.values() if mark.kind != AbsenceKind.PRESENT)
    roll.taken_by, roll.taken_at, roll.absent = by, clock.now(), absent
    roll._history_user, roll._history_date = by, roll.taken_at  # the engine's clock
    roll.save()
    rules.review(changed, today=today)
    return roll


FIELDS = ("kind", "part_of_day", "contacted", "note")  # what a mark says of a day


def _write(wanted: dict, students: dict, *, by, source: str) -> list[Student]:
    """Upsert absences; the students whose days changed. `wanted`: (student id, date) -> the
    day's Mark, or None for a student the roll leaves unmarked (present; a note is kept).
    What is recorded is read in one query as plain rows (no model object for a day that does
    not change); new rows go together with their history rows (by COPY on PostgreSQL), changed
    ones in one bulk update with a history row each."""
    recorded = {
        (student_id, day): (pk, before)
        for pk, student_id, day, *before in Absence.objects.filter(
            AnyOf("student_id", {pk for pk, _day in wanted}),
            AnyOf("date", {day for _pk, day in wanted}),
        )
        .order_by()
        .values_list("pk", "student_id", "date", *FIELDS)
    }
    now, changed, fresh, edits = clock.now(), {}, [], []
    for (student_id, day), mark in wanted.items():
        pk, before = recorded.get((student_id, day), (None, None))
        if mark is None:
            if before is None or before[0] == AbsenceKind.PRESENT:
                continue
            values = [AbsenceKind.PRESENT.value, False, "", before[3]]
        else:
            values = [str(mark.kind), mark.part_of_day, mark.contacted[:100], mark.note[:200]]
        if values == before:
            continue  # the database says this already: idempotent
        if before is None and values[0] == AbsenceKind.PRESENT:
            continue  # present, and never marked otherwise: nothing to record
        row = dict(zip(FIELDS, values, strict=True), student_id=student_id, date=day)
        row.update(source=source, recorded_by_id=by.pk, recorded_at=now)
        if pk is None:
            fresh.append(row)
        else:
            edits.append(Absence(pk=pk, **row))
        changed[student_id] = students[student_id]
    copying.create_rows_with_history(Absence, fresh, by=by, reason=None)
    if edits:
        bulk_update_with_history(
            edits,
            Absence,
            [*FIELDS, "source", "recorded_by", "recorded_at"],
            batch_size=EDITS_A_STATEMENT,
            default_user=by,
            default_date=now,
        )
    return list(changed.values())


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
    any row is not the user's to write, is still to come or is not a school day. The number of
    statements does not grow with the rows (a bulk batch is thousands of them), but for one
    more update for each EDITS_A_STATEMENT changed days."""
    today = today or clock.today()
    _check_rows(rows, by=by, today=today)
    latest = {(row.student.pk, row.date): row for row in rows}  # a later row wins
    # A bulk row says each student's whole day: present rows are marks too.
    wanted = {key: row.mark for key, row in latest.items()}
    students = {row.student.pk: row.student for row in latest.values()}
    changed = _write(wanted, students, by=by, source=source)
    _covered(latest.values(), by=by)
    rules.review(changed, today=today)
    return changed


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
    """Each row's free text (each distinct text once), date, class and school day, in the rows'
    order: the first row found wrong refuses them all."""
    classes, schools, texts = {}, {}, set()
    for row in rows:
        text = (row.mark.contacted, row.mark.note)
        if text not in texts:
            _checked_text(row.mark)
            texts.add(text)
        if row.date > today:
            raise ValidationError(IN_THE_FUTURE)
        student = row.student
        if student.klass_id not in classes:
            classes[student.klass_id] = student.klass
            schools[student.school_id] = student.school
    if any(not may_record_for(by, klass) for klass in classes.values()):
        raise PermissionDenied(NOT_YOURS)
    # The classes locked, in one order: a roll taken on the page meanwhile waits for this.
    list(
        Unit.objects.select_for_update()
        .filter(AnyOf("pk", classes))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not rows:
        return
    days = {row.date for row in rows}
    calendars = SchoolCalendar.for_schools(schools.values(), min(days), max(days))
    school_days = {pk: {d for d in days if c.is_school_day(d)} for pk, c in calendars.items()}
    for row in rows:
        if row.date not in school_days[row.student.school_id]:
            raise ValidationError(NOT_A_SCHOOL_DAY, params={"date": f"{row.date:%Y-%m-%d}"})


def _covered(rows, *, by) -> None:
    """A roll call for each class and day the rows cover that has none yet, with the count of
    absent students its rows give."""
    absent: dict[tuple, int] = {}
    for row in rows:
        key = (row.student.klass_id, row.date)
        absent[key] = absent.get(key, 0) + (row.mark.kind != AbsenceKind.PRESENT)
    taken = set(
        RollCall.objects.filter(
            AnyOf("klass_id", {klass for klass, _day in absent}),
            AnyOf("date", {day for _klass, day in absent}),
        )
        .order_by()
        .values_list("klass_id", "date")
    )
    now = clock.now()
    new = [
        {"klass_id": klass_id, "date": day, "taken_by_id": by.pk, "taken_at": now, "absent": count}
        for (klass_id, day), count in sorted(absent.items())
        if (klass_id, day) not in taken
    ]
    copying.create_rows_with_history(RollCall, new, by=by, reason=None)
