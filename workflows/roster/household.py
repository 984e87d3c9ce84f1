"""户籍 lists: the school-age children living in each township, read with the roster's machinery
(any encoding, headers by alias, Excel's damage refused) and kept, by identity number, to compare
with the roll (四查三比对)."""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases import clock, crypto
from cases.models import Gender, HouseholdChild, Unit
from cases.validators import id_birth_date

from . import cells, listing
from .checking import (
    DUPLICATE_ID_IN_FILE,
    LIMITS,
    TOO_LONG,
    TOWNSHIP_UNKNOWN,
    VILLAGE_UNKNOWN,
    Places,
    Refusal,
)
from .columns import FIELDS as FIELDS_BY_HEADER
from .columns import cell_of

REQUIRED = ("name", "id_number", "township")
LISTED_ELSEWHERE = _(
    "This child is on the 户籍 list of a township outside your reach: that township or the "
    "county changes it."
)
FIELDS = ("name", "gender", "birth_date", "township", "village", "address")


@dataclasses.dataclass
class Child:
    row: int
    name: str
    id_number: str
    gender: str
    birth_date: datetime.date
    township: Unit
    village: Unit | None
    address: str
    cells: list = dataclasses.field(default_factory=list, repr=False)


def check(data: bytes, places: Places, *, encoding: str | None = None, on_row=None):
    seen: dict[str, int] = {}

    def judge(number, row, columns):
        child, refusals = _check_row(number, row, columns, places)
        if child is not None and child.id_number in seen:
            reason = DUPLICATE_ID_IN_FILE % {"row": seen[child.id_number]}
            return None, [Refusal(number, "id_number", str(reason))]
        if child is not None:
            seen[child.id_number] = number
        return child, refusals

    checked = listing.read(
        data,
        encoding=encoding,
        required=REQUIRED,
        fields=FIELDS_BY_HEADER,
        judge=judge,
        on_row=on_row,
    )
    _plan(checked, places)
    return checked


def _check_row(number: int, row: list, columns: dict[str, int], places: Places):
    def cell(field: str):
        return cell_of(row, columns, field)

    refusals, values = [], {}
    for field, parser in (("name", cells.required), ("id_number", cells.id_number)):
        try:
            values[field] = parser(cell(field))
        except ValidationError as error:
            refusals.append(Refusal(number, field, " ".join(error.messages)))
    if "id_number" in values and not values["id_number"]:
        refusals.append(Refusal(number, "id_number", str(cells.REQUIRED_EMPTY)))
    for field in ("name", "address"):
        if len(cells.text(cell(field))) > LIMITS[field]:
            refusals.append(Refusal(number, field, str(TOO_LONG % {"limit": LIMITS[field]})))
    township = places.townships.get(cells.text(cell("township")))
    if township is None:
        refusals.append(Refusal(number, "township", str(TOWNSHIP_UNKNOWN)))
    village = None
    village_name = cells.text(cell("village"))
    if village_name and township is not None:
        village = places.villages.get((township.pk, village_name))
        if village is None:
            refusals.append(Refusal(number, "village", str(VILLAGE_UNKNOWN)))
    if refusals:
        return None, refusals
    number_ = values["id_number"]
    gender = Gender.MALE if int(number_[16]) % 2 else Gender.FEMALE
    child = Child(
        row=number,
        name=values["name"],
        id_number=number_,
        gender=gender,
        birth_date=id_birth_date(number_),
        township=township,
        village=village,
        address=cells.text(cell("address")),
    )
    return child, []


def _plan(checked, places: Places) -> None:
    """New, changed or unchanged; a child listed by a township outside reach is refused (it
    is that township's to change); the children of the file's townships it no longer names
    are the ones leaving the list."""
    digests = {crypto.digest(child.id_number): child for child in checked.entries}
    existing = {
        child.id_number_digest: child
        for child in HouseholdChild.objects.filter(id_number_digest__in=list(digests))
    }
    reachable = {township.pk for township in places.townships.values()}
    kept = []
    for digest, child in digests.items():
        known = existing.get(digest)
        if known is not None and known.township_id not in reachable:
            checked.refuse(child, "id_number", LISTED_ELSEWHERE)
            continue
        kept.append(child)
        if known is None:
            checked.plans[child.row] = ("new", None)
        elif _differs(known, child):
            checked.plans[child.row] = ("changed", known)
        else:
            checked.plans[child.row] = ("unchanged", known)
    checked.entries = kept
    checked.refusals.sort(key=lambda refusal: refusal.row)
    townships = {child.township.pk for child in kept}
    checked.leaving = list(
        HouseholdChild.objects.filter(township_id__in=townships, delisted_at__isnull=True)
        .exclude(id_number_digest__in=list(digests))
        .order_by("name")
    )


def _differs(known: HouseholdChild, child: Child) -> bool:
    return known.delisted_at is not None or (
        known.name,
        known.township_id,
        known.village_id,
        known.address,
    ) != (child.name, child.township.pk, child.village.pk if child.village else None, child.address)


def write(checked, *, by, roster_import, on_row) -> None:
    for done, child in enumerate(checked.entries, start=1):
        on_row(done)
        plan, known = checked.plans[child.row]
        if plan == "unchanged":
            continue
        record = known or HouseholdChild(id_number=child.id_number)
        for field in FIELDS:
            setattr(record, field, getattr(child, field))
        record.listed_by = roster_import
        record.delisted_at = None
        record._history_user = by
        record._change_reason = roster_import.change_reason
        record.save()
    now = clock.now()
    for record in checked.leaving:  # kept, marked: the list no longer names them
        record.delisted_at = now
        record._history_user = by
        record._change_reason = roster_import.change_reason
        record.save(update_fields=["delisted_at"])
