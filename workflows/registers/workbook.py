"""A register as officials expect it in Excel: a title row naming the register, jurisdiction and
dates; the header frozen under it; columns wide enough to read; dates as dates."""

import datetime
import io

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

DATE_FORMAT = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 6, 40


def _width(value) -> int:
    if isinstance(value, datetime.date):
        return 11
    text = str(value if value is not None else "")
    # A Chinese character takes about two columns of Excel's width unit.
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text) + 2


def build(title: str, header: list[str], rows) -> tuple[bytes, int]:
    """The .xlsx file and the number of rows written."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit for a sheet's name
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [_width(name) for name in header]
    count = 0
    for row in rows:
        count += 1
        sheet.append(row)
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _width(value))
            cell = sheet.cell(row=count + 2, column=index + 1)
            if isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
            elif cell.data_type == "f":
                # Text someone typed ("=HYPERLINK(…)", "-1") stays text, never a formula.
                cell.data_type = "s"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(
            MIN_WIDTH, min(MAX_WIDTH, width)
        )
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), count
