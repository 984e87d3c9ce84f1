"""A roster file as rows of cells, whatever it arrived as: .xlsx or old .xls (python-calamine),
or text exported by Excel or WPS: GBK/GB18030, UTF-8 with or without a BOM, UTF-16 with tabs.

Text: a BOM decides; else strict UTF-8; else GB18030 (a superset of GBK and CP936). Whoever
uploads may name the encoding instead. Cells keep Excel's types (a date, a float) so that the
checks can tell a number Excel mangled from text.
"""

import codecs
import csv
import io
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineWorkbook

ZIP_MAGIC = b"PK\x03\x04"  # .xlsx
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other old Office files)
ENCODINGS = {
    "utf-8": _("UTF-8"),
    "gb18030": _("GBK / GB18030 (Chinese Excel's CSV)"),
    "utf-16": _('UTF-16 (Excel\'s "Unicode text")'),
}

UNREADABLE_EXCEL = _("The Excel file could not be read: save it again as .xlsx and retry.")
UNREADABLE_TEXT = _(
    "The file is not text in %(encoding)s. Choose another encoding, or save it from Excel as "
    '"CSV UTF-8".'
)
EMPTY_FILE = _("The file is empty.")


def is_excel(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC)


def text_encoding(data: bytes) -> str:
    """The encoding a roster text file was most likely written in."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:4000]
    if sample.count(0) * 10 > len(sample):  # UTF-16: a zero byte in most ASCII characters
        return "utf-16-le" if sample[1::2].count(0) >= sample[::2].count(0) else "utf-16-be"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _text_rows(data: bytes, encoding: str) -> Iterator[list]:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise ValidationError(UNREADABLE_TEXT, params={"encoding": encoding}) from error
    text = text.lstrip("\ufeff")
    sample = text[:4000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = "\t" if "\t" in sample else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _excel_rows(data: bytes) -> Iterator[list]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as error:  # calamine raises its own types for every kind of damage
        raise ValidationError(UNREADABLE_EXCEL) from error
    return iter(rows)


def read_rows(data: bytes, encoding: str | None = None) -> tuple[Iterator[list], str]:
    """The file's rows (lists of cells) and the encoding used ("" for Excel)."""
    if not data:
        raise ValidationError(EMPTY_FILE)
    if is_excel(data):
        return _excel_rows(data), ""
    chosen = encoding or text_encoding(data)
    return _text_rows(data, chosen), chosen.removesuffix("-sig").removesuffix("-le").removesuffix(
        "-be"
    )
