"""A row of the roster checked against the rules and the county's units: a clean `Entry`, or
the row's refusals, one per column at fault, each with its reason in the user's language."""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.models import Unit, UnitKind
from cases.models.roster import BIRTH_DATE_MISMATCH, validate_birth_year
from cases.validators import id_birth_date

from . import cells
from .columns import LABELS, cell_of

SCHOOL_UNKNOWN = _("No school of this name in your reach: check the name, or ask the county.")
TOWNSHIP_UNKNOWN = _("No township of this name in your reach.")
VILLAGE_UNKNOWN = _("No village of this name in the township.")
DUPLICATE_IN_FILE = _("This registry number is on an earlier row of the file too (row %(row)s).")
DUPLICATE_ID_IN_FILE = _("This identity number is on an earlier row of the file too (row %(row)s).")
TOO_LONG = _("At most %(limit)s characters.")
# The columns' limits in the database: a longer value is refused here, not at the commit.
LIMITS = {"name": 50, "address": 200, "guardian_name": 50, "grade": 100, "klass": 100}
ID_REQUIRED = _("The identity number is required unless the document type is Z (其他).")


@dataclasses.dataclass(frozen=True)
class Refusal:
    row: int  # the row's number in the file, counted from 1 as Excel shows it
    field: str  # a key of columns.LABELS, or "" for the whole row
    reason: str

    @property
    def column(self) -> str:
        return str(LABELS.get(self.field, "")) if self.field else ""


@dataclasses.dataclass
class Entry:
    """A clean row: the student as the roll has them, their class by school, grade and number."""

    row: int
    student_no: str
    name: str
    gender: str
    birth_date: datetime.date
    id_number: str
    school: Unit
    grade_level: int
    grade_name: str
    class_number: int
    class_name: str
    township: Unit
    village: Unit | None
    address: str
    left_behind: bool
    migrant: bool
    disability: str
    poor_household: str
    struggling_learner: bool
    guardian_name: str
    guardian_relation: str
    guardian_phone: str
    cells: list = dataclasses.field(default_factory=list, repr=False)  # the row as in the file


class Places:
    """The units rows name, read once per import: schools in reach, the county's townships and
    their villages, by name."""

    def __init__(self, schools, townships) -> None:
        self.schools = {unit.name: unit for unit in schools}
        self.townships = {unit.name: unit for unit in townships}
        self.villages = {
            (unit.parent_id, unit.name): unit
            for unit in Unit.objects.filter(
                kind=UnitKind.VILLAGE, parent__in=list(self.townships.values())
            )
        }


PARSERS = {
    "student_no": cells.student_no,
    "name": cells.required,
    "gender": cells.gender,
    "birth_date": cells.date,
    "grade_level": cells.grade_level,
    "class_number": cells.class_number,
    "address": cells.text,
    "left_behind": cells.left_behind,
    "migrant": cells.yes_no,
    "disability": cells.disability,
    "poor_household": cells.poor_household,
    "struggling_learner": cells.yes_no,
    "guardian_name": cells.text,
    "guardian_relation": cells.relation,
    "guardian_phone": cells.phone,
}
# The value a parsed field reads from: its own column, except grade and class numbers.
SOURCE = {"grade_level": "grade", "class_number": "klass"}


def check_row(number: int, row: list, columns: dict[str, int], places: Places):
    """(Entry, []) for a clean row, (None, refusals) for a row with faults."""

    def cell(field: str):
        return cell_of(row, columns, field)

    values, refusals = {}, []

    def parse(field: str, parser) -> None:
        # A missing optional column reads as an empty cell (the header check requires the rest).
        source = SOURCE.get(field, field)
        try:
            values[field] = parser(cell(source))
        except ValidationError as error:
            refusals.append(Refusal(number, source, " ".join(error.messages)))

    for field, parser in PARSERS.items():
        parse(field, parser)
    for field, limit in LIMITS.items():
        if len(cells.text(cell(field))) > limit:
            refusals.append(Refusal(number, field, str(TOO_LONG % {"limit": limit})))
    _check_identity(number, cell, values, refusals)
    _place(number, cell, values, refusals, places)
    if refusals:
        return None, refusals
    values["grade_name"] = cells.text(cell("grade"))
    values["class_name"] = cells.text(cell("klass"))
    return Entry(row=number, **values), []


def _check_identity(number, cell, values, refusals) -> None:
    id_type = cells.text(cell("id_type")).upper()
    try:
        values["id_number"] = cells.id_number(cell("id_number"))
    except ValidationError as error:
        refusals.append(Refusal(number, "id_number", " ".join(error.messages)))
        return
    if not values["id_number"] and id_type not in ("Z", "其他"):
        refusals.append(Refusal(number, "id_number", str(ID_REQUIRED)))
        return
    birth = values.get("birth_date")
    if birth is None:
        return
    try:
        validate_birth_year(birth)
    except ValidationError as error:
        refusals.append(Refusal(number, "birth_date", " ".join(error.messages)))
        return
    if values["id_number"] and id_birth_date(values["id_number"]) != birth:
        refusals.append(Refusal(number, "birth_date", str(BIRTH_DATE_MISMATCH)))


def _place(number, cell, values, refusals, places: Places) -> None:
    school = places.schools.get(cells.text(cell("school")))
    if school is None:
        refusals.append(Refusal(number, "school", str(SCHOOL_UNKNOWN)))
    values["school"] = school
    township = places.townships.get(cells.text(cell("township")))
    if township is None:
        refusals.append(Refusal(number, "township", str(TOWNSHIP_UNKNOWN)))
    values["township"] = township
    village_name = cells.text(cell("village"))
    values["village"] = None
    if village_name and township is not None:
        village = places.villages.get((township.pk, village_name))
        if village is None:
            refusals.append(Refusal(number, "village", str(VILLAGE_UNKNOWN)))
        values["village"] = village
