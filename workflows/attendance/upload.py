"""Attendance from a school's electronic system: rows of (学籍号, date, status, reason) read with
the roster's machinery (any encoding, headers by alias, refused rows with their reasons),
idempotent by student and day, written through the roll's own service."""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases import clock, crypto
from cases.models import Absence, AbsenceKind, AttendanceSource, Student
from cases.validators import free_text

from ..roster import cells, listing
from ..roster.checking import Refusal
from ..roster.columns import cell_of, fields_by_header
from . import roll
from .calendar import SchoolCalendar

ALIASES = {
    "student_no": ("学籍号", "全国学籍号", "个人标识码", "学籍辅号", "学生学籍号"),
    "date": ("日期", "考勤日期", "出勤日期"),
    "status": ("出勤情况", "出勤状态", "考勤状态", "状态", "考勤结果"),
    "note": ("原因", "缺勤原因", "备注", "说明"),
    "contacted": ("联系人", "已联系", "联系情况"),
}
FIELDS = fields_by_header(ALIASES)
REQUIRED = ("student_no", "date", "status")
# What electronic systems write, to (kind, part of the day).
STATUS = {
    "出勤": (AbsenceKind.PRESENT, False),
    "到校": (AbsenceKind.PRESENT, False),
    "正常": (AbsenceKind.PRESENT, False),
    "在校": (AbsenceKind.PRESENT, False),
    "病假": (AbsenceKind.SICK, False),
    "事假": (AbsenceKind.PERSONAL, False),
    "旷课": (AbsenceKind.UNEXCUSED, False),
    "缺勤": (AbsenceKind.UNEXCUSED, False),
    "无故缺勤": (AbsenceKind.UNEXCUSED, False),
    "无故": (AbsenceKind.UNEXCUSED, False),
    "不明": (AbsenceKind.UNEXCUSED, False),
    "迟到": (AbsenceKind.UNEXCUSED, True),
    "早退": (AbsenceKind.UNEXCUSED, True),
    "半天缺勤": (AbsenceKind.UNEXCUSED, True),
}
STATUS_UNKNOWN = _("Not an attendance status: write one of %(statuses)s.")
NOT_ON_ROLL = _("No student with this registry number in your schools.")
TRANSFERRED_AWAY = _("This student transferred to another school: their days are not kept here.")
NOT_SCHOOL_DAY = _("Not a school day of the student's school.")
FUTURE = _("A day still to come.")
TWICE = _("This student and day are on an earlier row too (row %(row)s).")


@dataclasses.dataclass
class Line:
    row: int
    student_no: str
    date: datetime.date
    kind: str
    part_of_day: bool
    note: str
    contacted: str
    student: Student | None = None
    cells: list = dataclasses.field(default_factory=list, repr=False)


def check(data: bytes, places, *, encoding: str | None = None, on_row=None):
    checked = listing.read(
        data, encoding=encoding, required=REQUIRED, fields=FIELDS, judge=_judge(), on_row=on_row
    )
    _plan(checked, places)
    return checked


def check_rows(rows: list[dict], places):
    """Rows an electronic system sends through the API, each a mapping of the file's fields
    (student_no, date, status, note, contacted), numbered from 1 as they come; checked as a
    file's rows are."""
    columns = {field: index for index, field in enumerate(ALIASES)}
    checked = listing.Checked(header=list(ALIASES), present=frozenset(columns))
    judge = _judge()
    for number, values in enumerate(rows, start=1):
        row = [values.get(field) for field in ALIASES]
        checked.rows += 1
        entry, refusals = judge(number, row, columns)
        if refusals:
            checked.refusals.extend(refusals)
            checked.refused_cells[number] = row
        else:
            entry.cells = row
            checked.entries.append(entry)
    _plan(checked, places)
    return checked


def _judge():
    """Each row on its own, then refused if an earlier row named the same student and day."""
    seen: dict[tuple, int] = {}
    today = clock.today()

    def judge(number, row, columns):
        line, refusals = _check_row(number, row, columns, today)
        if line is not None:
            key = (line.student_no, line.date)
            if key in seen:
                return None, [Refusal(number, "date", str(TWICE % {"row": seen[key]}))]
            seen[key] = number
        return line, refusals

    return judge


def _check_row(number, row, columns, today):
    def cell(field):
        return cell_of(row, columns, field)

    refusals, values = [], {}
    for field, parse in (("student_no", cells.student_no), ("date", cells.date)):
        try:
            values[field] = parse(cell(field))
        except ValidationError as error:
            refusals.append(Refusal(number, field, " ".join(error.messages)))
    status = STATUS.get(cells.text(cell("status")).replace(" ", ""))
    if status is None:
        statuses = "、".join(STATUS)
        refusals.append(Refusal(number, "status", str(STATUS_UNKNOWN % {"statuses": statuses})))
    if "date" in values and values["date"] > today:
        refusals.append(Refusal(number, "date", str(FUTURE)))
    for field, limit in (("note", 200), ("contacted", 100)):
        try:
            for validator in free_text(limit):
                validator(cells.text(cell(field)))
        except ValidationError as error:
            refusals.append(Refusal(number, field, " ".join(error.messages)))
    if refusals:
        return None, refusals
    kind, part = status
    line = Line(
        row=number,
        student_no=values["student_no"],
        date=values["date"],
        kind=kind,
        part_of_day=part,
        note=cells.text(cell("note")),
        contacted=cells.text(cell("contacted")),
    )
    return line, []


def _plan(checked, places) -> None:
    """Each clean row's student (in the importer's schools) and day (a school day), then new,
    changed or unchanged against what is recorded."""
    schools = {school.pk for school in places.schools.values()}
    digests = {crypto.digest(line.student_no) for line in checked.entries}
    students = {
        s.student_no_digest: s
        for s in Student.objects.filter(
            student_no_digest__in=digests, school_id__in=schools
        ).select_related("school", "klass")
    }
    gone = set(
        Student.objects.filter(pk__in=[s.pk for s in students.values()])
        .transferred_away()
        .values_list("pk", flat=True)
    )
    lines = []
    for line in checked.entries:
        line.student = students.get(crypto.digest(line.student_no))
        if line.student is None:
            checked.refuse(line, "student_no", NOT_ON_ROLL)
        elif line.student.pk in gone:
            checked.refuse(line, "student_no", TRANSFERRED_AWAY)
        else:
            lines.append(line)
    calendars = _calendars(lines)
    recorded = {
        (a.student_id, a.date): a
        for a in Absence.objects.filter(
            student__in=[line.student for line in lines],
            date__in={line.date for line in lines},
        )
    }
    kept = []
    for line in lines:
        if not calendars[line.student.school_id].is_school_day(line.date):
            checked.refuse(line, "date", NOT_SCHOOL_DAY)
            continue
        kept.append(line)
        absence = recorded.get((line.student.pk, line.date))
        if absence is not None:  # an empty cell keeps what the day already says
            line.note = line.note or absence.note
            line.contacted = line.contacted or absence.contacted
        checked.plans[line.row] = (_plan_of(line, absence), None)
    checked.entries = kept
    checked.refusals.sort(key=lambda refusal: refusal.row)


def _calendars(lines) -> dict:
    spans: dict[int, list] = {}
    schools = {}
    for line in lines:
        schools[line.student.school_id] = line.student.school
        spans.setdefault(line.student.school_id, []).append(line.date)
    return {pk: SchoolCalendar(schools[pk], min(days), max(days)) for pk, days in spans.items()}


def _plan_of(line: Line, absence) -> str:
    if absence is None:
        return "unchanged" if line.kind == AbsenceKind.PRESENT else "new"
    before = (absence.kind, absence.part_of_day, absence.note, absence.contacted)
    after = (line.kind, line.part_of_day, line.note, line.contacted)
    return "unchanged" if before == after else "changed"


def write(checked, *, by, roster_import, on_row, source=AttendanceSource.UPLOAD) -> None:
    """Every clean row goes to the roll's service, the unchanged ones too: it writes only what
    differs (under the classes' lock, so a row another request recorded meanwhile is not written
    twice), and each class and day the rows cover counts as reported, a day everyone was
    present included."""
    rows = [
        roll.Row(
            student=line.student,
            date=line.date,
            mark=roll.Mark(
                kind=line.kind,
                part_of_day=line.part_of_day,
                contacted=line.contacted,
                note=line.note,
            ),
        )
        for line in checked.entries
    ]
    roll.absences_record(rows, by=by, source=source)
    on_row(len(checked.entries))
