"""One cell to one value, by the rules of the 学籍 system and of how Excel mangles them. Each
parser returns the value or raises ValidationError with a message naming what is wrong (never
the value itself: it may be a child's identity number)."""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases import validators
from cases.models import Disability, Gender, PoorHousehold, Relation

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year quirk)
SERIAL_RANGE = (20_000, 60_000)  # 1954 to 2064: a birth date stored as Excel's day number

ID_WAS_NUMBER = _(
    "Excel stored this identity number as a number and kept only 15 digits. Format the column "
    "as text, enter the number again and import the file again."
)
ID_TRAILING_ZERO = _(
    "This identity number ends in .0: Excel stored it as a number and it has lost digits. Format "
    "the column as text and enter it again."
)
ID_LOST_DIGITS = _(
    "This identity number ends in 000 and its check digit is wrong: Excel probably rounded away "
    "its last digits. Format the column as text and enter it again."
)
REQUIRED_EMPTY = _("This column is required and empty.")
GENDER_INVALID = _("Gender is 1 or 男 (male), 2 or 女 (female).")
DATE_INVALID = _(
    "Not a date: write it as 2012-03-05, 2012/3/5, 20120305 or 2012年3月5日, or as an Excel date."
)
YES_NO_INVALID = _("Write 是 or 否 (or 1 / 0).")
GRADE_INVALID = _("Not a grade of compulsory education: write 1 to 9, 三年级 or 初一.")
CLASS_INVALID = _("The class needs its number, such as (2)班 or 2.")

CHINESE_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
JUNIOR = {"初一": 7, "初二": 8, "初三": 9, "七": 7, "八": 8, "九": 9}


def text(value) -> str:
    """A cell as plain text: full-width forms folded, control and invisible format characters
    (a NUL, a zero-width space) dropped, spaces around dropped. A whole number from Excel loses
    its ".0" (a class number, a code); anything else keeps its digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    folded = unicodedata.normalize("NFKC", str(value))
    if folded.isprintable():  # the common case: no control or format character to drop
        return folded.strip()
    return "".join(
        char for char in folded if unicodedata.category(char) not in ("Cc", "Cf")
    ).strip()


def required(value) -> str:
    result = text(value)
    if not result:
        raise ValidationError(REQUIRED_EMPTY)
    return result


def id_number(value) -> str:
    """The 18-character identity number, or "" when the cell is empty."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValidationError(ID_WAS_NUMBER)
    raw = text(value).replace(" ", "")
    if not raw:
        return ""
    if raw.endswith(".0"):
        raise ValidationError(ID_TRAILING_ZERO)
    try:
        return validators.normalize_id_number(raw)
    except ValidationError as error:
        if error.code == "id_check_digit" and raw.endswith("000"):
            raise ValidationError(ID_LOST_DIGITS) from error
        raise


def student_no(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValidationError(validators.STUDENT_NO_INVALID)
    return validators.normalize_student_no(required(value))


def gender(value) -> str:
    code = text(value)
    if code in ("1", "男"):
        return Gender.MALE
    if code in ("2", "女"):
        return Gender.FEMALE
    raise ValidationError(GENDER_INVALID)


_DATE_FORMS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1] and float(value).is_integer():
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        value = text(value)  # 20120305 typed into a number cell
    raw = text(value).split(" ")[0]  # "2012-03-05 00:00:00" from a text export
    for form in _DATE_FORMS:
        match = form.match(raw)
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise ValidationError(DATE_INVALID)


YES = {"是", "1", "y", "yes", "true", "有", "√"}
NO = {"否", "0", "n", "no", "false", "无", "非", ""}


def yes_no(value) -> bool:
    answer = text(value).lower()
    if answer in YES:
        return True
    if answer in NO:
        return False
    raise ValidationError(YES_NO_INVALID)


def left_behind(value) -> bool:
    """留守儿童: the registry's 0 非, 1 单亲外出, 2 双亲外出, or 是/否."""
    answer = text(value)
    if answer in ("2", "单亲外出", "双亲外出"):
        return True
    return yes_no(answer)


def disability(value) -> str:
    answer = text(value)
    if "送教" in answer:
        return Disability.HOME_TEACHING
    if not answer or answer in NO:
        return Disability.NONE
    return Disability.IN_CLASS  # 随班就读, or a disability named without the placement


def poor_household(value) -> str:
    answer = text(value)
    if "低保" in answer:
        return PoorHousehold.SUBSISTENCE
    if "特困" in answer:
        return PoorHousehold.DESTITUTE
    if not answer or answer.lower() in NO:
        return PoorHousehold.NONE
    return PoorHousehold.REGISTERED_POOR  # 是, 脱贫户, 建档立卡, 监测户 …


RELATIONS = {
    Relation.FATHER: ("父亲", "父", "爸爸"),
    Relation.MOTHER: ("母亲", "母", "妈妈"),
    Relation.GRANDFATHER: ("祖父", "爷爷"),
    Relation.GRANDMOTHER: ("祖母", "奶奶"),
    Relation.MATERNAL_GRANDFATHER: ("外祖父", "外公", "姥爷"),
    Relation.MATERNAL_GRANDMOTHER: ("外祖母", "外婆", "姥姥"),
}
_RELATION_OF = {word: relation for relation, words in RELATIONS.items() for word in words}


def relation(value) -> str:
    return _RELATION_OF.get(text(value), Relation.OTHER)


def phone(value) -> str:
    raw = text(value)
    return validators.normalize_phone(raw) if raw else ""


def grade_level(value) -> int:
    """1 to 9 from "5", "五年级", "5年级", "初一", "七年级"."""
    raw = text(value).replace("年级", "").replace("级", "")
    if raw.isdigit() and 1 <= int(raw) <= 9:
        return int(raw)
    if raw in JUNIOR:
        return JUNIOR[raw]
    if raw in CHINESE_NUMBERS:
        return CHINESE_NUMBERS[raw]
    raise ValidationError(GRADE_INVALID)


_CLASS_NUMBER = re.compile(r"(\d+)\)?\s*班?$")


def class_number(value) -> int:
    """The class's number within its grade: "五年级(2)班", "(2)班", "2班", "2" all give 2."""
    match = _CLASS_NUMBER.search(text(value))
    if not match:
        raise ValidationError(CLASS_INVALID)
    return int(match.group(1))
