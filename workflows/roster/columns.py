"""The roster's columns, found by their names (aliases of the 学籍 system, WPS and hand-made
lists), never by position; and the header row, found under any merged title rows."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Canonical field: the headers it goes by (compared without spaces, asterisks or brackets' case).
ALIASES: dict[str, tuple[str, ...]] = {
    "student_no": ("学籍号", "全国学籍号", "个人标识码", "学籍辅号", "学生学籍号"),
    "name": ("姓名", "学生姓名"),
    "gender": ("性别", "性别码"),
    "birth_date": ("出生日期", "出生年月日"),
    "id_type": ("身份证件类型", "证件类型"),
    "id_number": (
        "身份证件号",
        "身份证号",
        "身份证号码",
        "证件号码",
        "身份证件号码",
        "证件号",
        "公民身份号码",
    ),
    "school": ("学校", "学校名称", "就读学校", "所在学校"),
    "grade": ("年级", "年级名称", "所在年级"),
    "klass": ("班级", "班级名称", "班号", "所在班级"),
    "township": ("户籍乡镇", "户籍所在乡镇", "乡镇", "乡(镇)", "居住乡镇", "乡镇(街道)"),
    "village": ("村", "户籍村", "村(社区)", "居住村", "村(居)"),
    "address": ("家庭住址", "现住址", "家庭地址", "户籍地址"),
    "left_behind": ("是否留守儿童", "留守儿童"),
    "migrant": ("是否随迁子女", "随迁子女", "是否进城务工人员随迁子女"),
    "disability": ("残疾类型", "是否残疾", "残疾", "残疾情况"),
    "poor_household": ("是否脱贫户", "脱贫户", "家庭经济困难类型", "困难类型", "是否建档立卡"),
    "struggling_learner": ("是否学困生", "学困生"),
    "guardian_name": ("监护人姓名", "监护人", "家长姓名", "监护人1姓名"),
    "guardian_relation": ("监护人关系", "与学生关系", "关系", "监护人1关系"),
    "guardian_phone": ("联系电话", "监护人电话", "监护人联系电话", "手机号码", "监护人1电话"),
}
REQUIRED = ("student_no", "name", "gender", "birth_date", "school", "grade", "klass", "township")
LABELS = {
    "student_no": _("Student registry number"),
    "name": _("Name"),
    "gender": _("Gender"),
    "birth_date": _("Birth date"),
    "id_type": _("Identity document type"),
    "id_number": _("Identity number"),
    "school": _("School"),
    "grade": _("Grade"),
    "klass": _("Class"),
    "township": _("Township"),
    "village": _("Village"),
    "address": _("Home address"),
    "left_behind": _("Left-behind child"),
    "migrant": _("Migrant worker's child"),
    "disability": _("Disability"),
    "poor_household": _("Poor household"),
    "struggling_learner": _("Struggling learner"),
    "guardian_name": _("Guardian"),
    "guardian_relation": _("Relation"),
    "guardian_phone": _("Phone"),
    # A staff list's own columns (staff.py)
    "username": _("Account"),
    "role": _("Post"),
    "unit": _("Unit"),
    "mobile": _("Mobile number"),
    # An attendance file's own columns (attendance/upload.py)
    "date": _("Date"),
    "status": _("Attendance"),
    "note": _("Reason"),
    "contacted": _("Who was contacted"),
}
HEADER_SEARCH_ROWS = 15  # title rows, notes and blank rows above the header
MISSING_COLUMNS = _(
    "No header row with the roster's columns was found in the first %(rows)s rows. Columns "
    "needed: %(columns)s."
)
MISSING_SOME = _("The header row lacks these columns: %(columns)s.")


def _key(header) -> str:
    text = unicodedata.normalize("NFKC", str(header or ""))
    return "".join(text.split()).replace("*", "").replace("（", "(").replace("）", ")")


def fields_by_header(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_key(alias): field for field, names in aliases.items() for alias in names}


FIELDS = fields_by_header(ALIASES)


def columns_of(row: list, fields: dict[str, str] = FIELDS) -> dict[str, int]:
    """{field: column index} for the headers of `row` that name a field (the first wins)."""
    found: dict[str, int] = {}
    for index, header in enumerate(row):
        field = fields.get(_key(header))
        if field is not None and field not in found:
            found[field] = index
    return found


def cell_of(row: list, columns: dict[str, int], field: str):
    """The row's cell under `field`'s column; None when the file has no such column."""
    index = columns.get(field)
    return row[index] if index is not None and index < len(row) else None


def find_header(
    rows, required=REQUIRED, fields: dict[str, str] = FIELDS
) -> tuple[int, dict[str, int], list]:
    """(row number of the header, counted from 1; its columns; the header cells), reading at
    most HEADER_SEARCH_ROWS rows of `rows` (an iterator, left just after the header). The
    header is the first row naming every `required` column; `fields` maps a list's headers to
    its fields (the roll's by default)."""
    best: tuple[int, dict[str, int], list] | None = None
    for number, row in enumerate(rows, start=1):
        columns = columns_of(row, fields)
        if best is None or len(columns) > len(best[1]):
            best = (number, columns, row)
        if all(field in columns for field in required):
            return number, columns, row
        if number >= HEADER_SEARCH_ROWS:
            break
    if best is None or len(best[1]) < min(3, len(required)):
        names = "、".join(str(LABELS[field]) for field in required)
        raise ValidationError(
            MISSING_COLUMNS, params={"rows": HEADER_SEARCH_ROWS, "columns": names}
        )
    missing = [str(LABELS[field]) for field in required if field not in best[1]]
    raise ValidationError(MISSING_SOME, params={"columns": "、".join(missing)})
