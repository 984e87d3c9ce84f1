"""What every list's check shares: the file read in any encoding, the header found by alias, each
row judged or refused (with its cells kept to hand back), and the result the preview and the
commit read."""

import csv
import dataclasses

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import cells, reading
from .checking import Refusal
from .columns import find_header

UNREADABLE_ROW = _(
    "The file cannot be read from row %(row)s on: a quotation mark is probably never closed. "
    "Save the file again from Excel and retry."
)


@dataclasses.dataclass
class Checked:
    """What a check found: the header, clean entries with their plan, refusals, leavers."""

    header: list
    rows: int = 0
    entries: list = dataclasses.field(default_factory=list)
    plans: dict[int, tuple[str, object]] = dataclasses.field(default_factory=dict)
    refusals: list[Refusal] = dataclasses.field(default_factory=list)
    refused_cells: dict[int, list] = dataclasses.field(default_factory=dict)
    leaving: list = dataclasses.field(default_factory=list)
    encoding: str = ""
    # The fields the file has columns for: a column the file lacks leaves its field as it is.
    present: frozenset = frozenset()

    def count(self, plan: str) -> int:
        return sum(1 for kind, _record in self.plans.values() if kind == plan)

    def refuse(self, entry, field: str, reason) -> None:
        """Refuse a row found clean on its own (by the plan: what the database holds)."""
        self.refusals.append(Refusal(entry.row, field, str(reason)))
        self.refused_cells[entry.row] = entry.cells


def read(data: bytes, *, encoding, required, fields, judge, on_row=None, into=Checked):
    """Read a list and judge each row: `judge(number, row, columns)` gives (entry, []) or
    (None, refusals). Blank rows are skipped; `on_row(count)` after each row read."""
    rows, used = reading.read_rows(data, encoding)
    header_number, columns, header = find_header(rows, required=required, fields=fields)
    checked = into(header=list(header), encoding=used, present=frozenset(columns))
    for number, row in _numbered(rows, header_number):
        if not any(cells.text(value) for value in row):
            continue  # a blank line, or the empty tail of a sheet
        checked.rows += 1
        if on_row is not None:
            on_row(checked.rows)
        entry, refusals = judge(number, row, columns)
        if refusals:
            checked.refusals.extend(refusals)
            checked.refused_cells[number] = list(row)
        else:
            entry.cells = list(row)
            checked.entries.append(entry)
    return checked


def _numbered(rows, header_number: int):
    """The rows under the header with their numbers; a text file the csv reader cannot follow
    (a quote never closed) is refused with the row where it broke."""
    number = header_number
    while True:
        number += 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            raise ValidationError(UNREADABLE_ROW, params={"row": number}) from error
        yield number, row
