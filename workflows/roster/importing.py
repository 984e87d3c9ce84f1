"""Check a roster file, then commit it: students upserted by registry number, each change a
history row naming the import and the person; students the new roll no longer lists are kept and
listed to settle, never deleted.

`check` reads and judges every row without writing; `commit` checks the stored file again (the
roll may have changed since the preview) and writes in one transaction: every row, or nothing
when any row is refused (all-or-nothing), or the clean rows only.
"""

import base64
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cases import clock, crypto
from cases.ladder import OPEN_STAGES
from cases.models import (
    Guardian,
    ImportKind,
    ImportMode,
    ImportStatus,
    RosterDeparture,
    RosterImport,
    Settlement,
    Student,
    Unit,
    UnitKind,
)

from . import cells, copying, departures, household, listing, staff
from .checking import DUPLICATE_ID_IN_FILE, DUPLICATE_IN_FILE, Entry, Places, Refusal, check_row
from .columns import FIELDS, REQUIRED

ID_ON_ANOTHER_STUDENT = _(
    "This identity number belongs to another student on the roll (another registry number)."
)
REFUSED_ROWS_LEFT = _(
    "%(count)s rows are refused: nothing was imported. Correct them, or import the clean rows only."
)
NOT_PREVIEWED = _("This import was already committed or discarded.")
ON_ANOTHER_ROLL = _(
    "This student is on the roll of a school outside your reach: the school they leave, or the "
    "county, records the transfer first."
)
STUDENT_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "address",
    "left_behind",
    "migrant",
    "disability",
    "poor_household",
    "struggling_learner",
)


class Checked(listing.Checked):
    """A roll's check: the student fields the file has columns for are the ones it writes."""

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(field for field in STUDENT_FIELDS if field in self.present)


def places_under(units, *, own_townships: bool = False) -> Places:
    """The schools under `units` and the townships of their counties (a student may live in
    any); with `own_townships`, only the townships under `units` (a township's 户籍 list)."""
    paths = [unit.path for unit in units]
    counties = paths if own_townships else {path.split("/")[0] + "/" for path in paths}
    schools = [
        unit
        for unit in Unit.objects.filter(kind=UnitKind.SCHOOL).order_by("path")
        if any(unit.path.startswith(path) for path in paths)
    ]
    townships = [
        unit
        for unit in Unit.objects.filter(kind=UnitKind.TOWNSHIP)
        if any(unit.path.startswith(county) for county in counties)
    ]
    return Places(schools, townships)


def check(data: bytes, places: Places, *, encoding: str | None = None, on_row=None) -> Checked:
    """Read and judge every row, writing nothing; `on_row(count)` after each row read."""
    seen_numbers: dict[str, int] = {}
    seen_ids: dict[str, int] = {}

    def judge(number, row, columns):
        entry, refusals = check_row(number, row, columns, places)
        if entry is not None:
            refusals = _duplicates(entry, seen_numbers, seen_ids)
        return entry, refusals

    checked = listing.read(
        data,
        encoding=encoding,
        required=REQUIRED,
        fields=FIELDS,
        judge=judge,
        on_row=on_row,
        into=Checked,
    )
    _plan(checked, places)
    return checked


def _duplicates(entry: Entry, seen_numbers: dict, seen_ids: dict) -> list[Refusal]:
    if entry.student_no in seen_numbers:
        reason = DUPLICATE_IN_FILE % {"row": seen_numbers[entry.student_no]}
        return [Refusal(entry.row, "student_no", str(reason))]
    if entry.id_number and entry.id_number in seen_ids:
        reason = DUPLICATE_ID_IN_FILE % {"row": seen_ids[entry.id_number]}
        return [Refusal(entry.row, "id_number", str(reason))]
    seen_numbers[entry.student_no] = entry.row
    if entry.id_number:
        seen_ids[entry.id_number] = entry.row
    return []


def _plan(checked: Checked, places: Places) -> None:
    """For each clean entry: new, changed or unchanged; and who of the schools in the file is
    no longer on it. A student on the roll of a school outside the importer's reach is never
    written here (their school records the transfer)."""
    digests = {crypto.digest(entry.student_no): entry for entry in checked.entries}
    existing = {
        student.student_no_digest: student
        for student in Student.objects.filter(student_no_digest__in=list(digests))
        .select_related("klass__parent")
        .prefetch_related("guardians")
    }
    id_digests = {
        crypto.digest(entry.id_number): entry for entry in checked.entries if entry.id_number
    }
    owners = dict(
        Student.objects.filter(id_number_digest__in=list(id_digests)).values_list(
            "id_number_digest", "student_no_digest"
        )
    )
    reachable = {school.pk for school in places.schools.values()}
    classes = Classes(entry.school for entry in checked.entries)
    kept = []
    for digest, entry in digests.items():
        owner = owners.get(crypto.digest(entry.id_number)) if entry.id_number else None
        student = existing.get(digest)
        refusal = None
        if owner is not None and owner != digest:
            refusal = Refusal(entry.row, "id_number", str(ID_ON_ANOTHER_STUDENT))
        elif student is not None and student.school_id not in reachable:
            refusal = Refusal(entry.row, "student_no", str(ON_ANOTHER_ROLL))
        if refusal is not None:
            checked.refuse(entry, refusal.field, refusal.reason)
            continue
        kept.append(entry)
        if student is None:
            checked.plans[entry.row] = ("new", None)
        elif _differs(student, entry, classes, checked):
            checked.plans[entry.row] = ("changed", student)
        else:
            checked.plans[entry.row] = ("unchanged", student)
    checked.entries = kept
    checked.refusals.sort(key=lambda refusal: refusal.row)
    schools = {entry.school.pk for entry in kept}
    on_roll = set(digests) | {crypto.digest(number) for number in _numbers_of_refused(checked)}
    checked.leaving = list(
        Student.objects.filter(school_id__in=schools)
        .exclude(student_no_digest__in=list(on_roll))
        # Already listed, recorded as moved away (and not back since), or already a case:
        # nothing new. A child who came back and is gone again is listed again.
        .on_roll()
        .exclude(
            pk__in=RosterDeparture.objects.filter(settled_at__isnull=True).values("student_id")
        )
        .exclude(cases__stage__in=OPEN_STAGES)
        .distinct()
        .order_by("school", "name")
    )


def _numbers_of_refused(checked: Checked) -> list[str]:
    """Registry numbers on refused rows that still read as numbers: those students are on the
    new roll, only their row needs correcting."""
    numbers = []
    for row in checked.refused_cells.values():
        for value in row:
            try:
                numbers.append(cells.student_no(value))
                break
            except ValidationError:
                continue
    return numbers


class Classes:
    """The grades and classes of the schools in a file, found by grade level and class number;
    the missing ones are made on commit (a new school year brings new classes)."""

    def __init__(self, schools) -> None:
        self.grades = {}
        self.classes = {}
        school_ids = {school.pk for school in schools}
        for grade in Unit.objects.filter(kind=UnitKind.GRADE, parent_id__in=school_ids):
            self.grades[(grade.parent_id, grade.grade_level)] = grade
        for klass in Unit.objects.filter(
            kind=UnitKind.CLASS, parent__in=list(self.grades.values())
        ):
            try:
                self.classes[(klass.parent_id, cells.class_number(klass.name))] = klass
            except ValidationError:
                continue  # a class named without a number is never matched by a file

    def find(self, entry: Entry) -> Unit | None:
        grade = self.grades.get((entry.school.pk, entry.grade_level))
        return self.classes.get((grade.pk, entry.class_number)) if grade else None

    def find_or_make(self, entry: Entry) -> Unit:
        klass = self.find(entry)
        if klass is not None:
            return klass
        grade = self.grades.get((entry.school.pk, entry.grade_level))
        if grade is None:
            grade = Unit(
                kind=UnitKind.GRADE,
                parent=entry.school,
                code=f"{entry.school.code}-{entry.grade_level}",
                name=entry.grade_name or f"{entry.grade_level}",
                grade_level=entry.grade_level,
            )
            grade.full_clean()
            grade.save()
            self.grades[(entry.school.pk, entry.grade_level)] = grade
        name = entry.class_name  # as the file names it, when it says the grade too
        if not name.startswith(grade.name):
            name = f"{grade.name}({entry.class_number})班"
        klass = Unit(
            kind=UnitKind.CLASS,
            parent=grade,
            code=f"{grade.code}-{entry.class_number}",
            name=name,
        )
        klass.full_clean()
        klass.save()
        self.classes[(grade.pk, entry.class_number)] = klass
        return klass


def _differs(student: Student, entry: Entry, classes: Classes, checked: Checked) -> bool:
    if any(getattr(student, field) != getattr(entry, field) for field in checked.fields):
        return True
    if classes.find(entry) != student.klass:
        return True
    if student.residence_township_id != entry.township.pk:
        return True
    village = entry.village.pk if entry.village else None
    if "village" in checked.present and student.residence_village_id != village:
        return True
    if not entry.guardian_name:
        return False
    guardian = next((g for g in student.guardians.all() if g.name == entry.guardian_name), None)
    return guardian is None or _guardian_differs(guardian, entry, checked)


def _guardian_differs(guardian: Guardian, entry: Entry, checked: Checked) -> bool:
    """Whether the file says something else of the guardian's relation or phone (a column it
    lacks says nothing)."""
    if "guardian_relation" in checked.present and guardian.relation != entry.guardian_relation:
        return True
    return "guardian_phone" in checked.present and guardian.phone != entry.guardian_phone


# Import records --------------------------------------------------------------------------------


def _checker(kind: str):
    from ..attendance import upload  # (lazily: attendance reads the roster's machinery)

    checkers = {
        ImportKind.HOUSEHOLD: household.check,
        ImportKind.STAFF: staff.check,
        ImportKind.ATTENDANCE: upload.check,
    }
    return checkers.get(kind, check)


def start(
    *,
    data: bytes,
    file_name: str,
    by,
    places: Places,
    encoding: str | None = None,
    kind: str = ImportKind.ROSTER,
):
    """Check a file and keep it, encrypted, for its commit: (RosterImport, Checked). A file
    that cannot be read at all raises ValidationError and keeps nothing."""
    checked = _checker(kind)(data, places, encoding=encoding)
    roster_import = RosterImport.objects.create(
        kind=kind,
        uploaded_by=by,
        uploaded_at=clock.now(),
        file_name=file_name[:200],
        file_sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding or "",
        content=base64.b64encode(data).decode("ascii"),
        **_counts(checked),
    )
    return roster_import, checked


def _counts(checked: Checked) -> dict:
    return {
        "rows": checked.rows,
        "new": checked.count("new"),
        "changed": checked.count("changed"),
        "unchanged": checked.count("unchanged"),
        "refused": len({refusal.row for refusal in checked.refusals}),
        "left_roll": len(checked.leaving),
    }


def stored_file(roster_import: RosterImport) -> bytes:
    return base64.b64decode(roster_import.content)


def recheck(roster_import: RosterImport, places: Places, *, on_row=None) -> Checked:
    encoding = roster_import.encoding or None
    checker = _checker(roster_import.kind)
    return checker(stored_file(roster_import), places, encoding=encoding, on_row=on_row)


def _writer(kind: str):
    from ..attendance import upload

    writers = {
        ImportKind.HOUSEHOLD: household.write,
        ImportKind.STAFF: staff.write,
        ImportKind.ATTENDANCE: upload.write,
    }
    return writers.get(kind, _write_roll)


def commit(roster_import: RosterImport, *, by, places: Places, mode: str, progress=None) -> Checked:
    """Write the import (see the module's docstring). Raises ValidationError, writing nothing,
    when all-or-nothing meets a refused row or the import is no longer waiting (previewed, or
    taken by the background job). `progress(phase, done, total)` hears how far it has come."""
    progress = progress or (lambda phase, done, total: None)
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
        if locked.status not in (ImportStatus.PREVIEWED, ImportStatus.COMMITTING):
            raise ValidationError(NOT_PREVIEWED)
        checked = recheck(locked, places, on_row=lambda n: progress("checking", n, locked.rows))
        refused = len({refusal.row for refusal in checked.refusals})
        if refused and mode == ImportMode.ALL_OR_NOTHING:
            raise ValidationError(REFUSED_ROWS_LEFT, params={"count": refused})
        total = len(checked.entries)
        _writer(locked.kind)(
            checked,
            by=by,
            roster_import=locked,
            on_row=lambda n: progress("writing", n, total),
        )
        for field, value in _counts(checked).items():
            setattr(locked, field, value)
        locked.status = ImportStatus.COMMITTED
        locked.mode = mode
        locked.committed_at = clock.now()
        locked.failure = ""
        locked.content = ""  # the file's numbers are now on the roll, encrypted field by field
        locked.save()
    roster_import.refresh_from_db()
    return checked


def _write_roll(checked: Checked, *, by, roster_import: RosterImport, on_row) -> None:
    """The students of a roll: changed ones one by one, new ones in batches; the students back
    on the roll settled; who left, listed. `on_row(count)` as rows are written."""
    reason = roster_import.change_reason
    classes = Classes(entry.school for entry in checked.entries)
    fresh = []
    done = 0
    for entry in checked.entries:
        plan, student = checked.plans[entry.row]
        if plan == "new":
            fresh.append(entry)
            continue
        if plan == "changed":
            _write(entry, student, classes, checked, by=by, reason=reason)
        done += 1
        on_row(done)
    for written in _create(fresh, classes, checked, by=by, reason=reason):
        on_row(done + written)
    back = [student.pk for _kind, student in checked.plans.values() if student is not None]
    departures.settle_open(back, by=by, settlement=Settlement.BACK_ON_ROLL)
    schools = {entry.school.pk for entry in checked.entries}
    departures.settle_returns(back, schools=schools, by=by, found_by=roster_import)
    RosterDeparture.objects.bulk_create(
        RosterDeparture(student=student, school_id=student.school_id, found_by=roster_import)
        for student in checked.leaving
    )


def discard(roster_import: RosterImport) -> None:
    RosterImport.objects.filter(pk=roster_import.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.DISCARDED, content=""
    )


BATCH = 1000


def _create(entries: list[Entry], classes: Classes, checked: Checked, *, by, reason: str):
    """New students and their guardians, in batches, each with its history row (the same
    rows `_write` would make one by one); yields how many are written after each batch."""
    for start in range(0, len(entries), BATCH):
        batch = entries[start : start + BATCH]
        students = []
        for entry in batch:
            student = Student(student_no=entry.student_no)
            for field in checked.fields:
                setattr(student, field, getattr(entry, field))
            student.klass = classes.find_or_make(entry)
            student.school = entry.school  # Student.save() derives it; bulk_create does not
            student.residence_township = entry.township
            student.residence_village = entry.village
            students.append(student)
        created = copying.create_with_history(students, Student, by=by, reason=reason)
        guardians = [
            Guardian(
                student=student,
                name=entry.guardian_name,
                relation=entry.guardian_relation,
                phone=entry.guardian_phone,
            )
            for student, entry in zip(created, batch, strict=True)
            if entry.guardian_name
        ]
        copying.create_with_history(guardians, Guardian, by=by, reason=reason)
        yield start + len(batch)


def _write(entry: Entry, student, classes: Classes, checked: Checked, *, by, reason: str) -> None:
    student = student or Student(student_no=entry.student_no)
    for field in checked.fields:
        setattr(student, field, getattr(entry, field))
    student.klass = classes.find_or_make(entry)
    student.residence_township = entry.township
    if "village" in checked.present:
        student.residence_village = entry.village
    student._history_user = by
    student._change_reason = reason
    student.save()
    if not entry.guardian_name:
        return
    guardian = student.guardians.filter(name=entry.guardian_name).first() or Guardian(
        student=student, name=entry.guardian_name, relation=entry.guardian_relation
    )
    if guardian.pk and not _guardian_differs(guardian, entry, checked):
        return
    if "guardian_relation" in checked.present:
        guardian.relation = entry.guardian_relation
    if "guardian_phone" in checked.present:
        guardian.phone = entry.guardian_phone
    guardian._history_user = by
    guardian._change_reason = reason
    guardian.save()
