"""Validation and normalisation of identity numbers, registry numbers and phone numbers.

Error messages are module constants so that tests and forms reuse the very same text.
Never put the rejected value in a message: it may be a child's identity number.
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from . import clock

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# GB/T 2260 province-level codes (first two digits of an identity number).
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
)

ID_LENGTH = _("An identity number has 18 characters: 17 digits and a final digit or X.")
ID_CHARACTERS = _("An identity number may hold only digits and a final X.")
ID_SCIENTIFIC = _(
    "This identity number was turned into a number by Excel (for example 3.40102E+17) and has "
    "lost digits. Format the column as text and enter it again."
)
ID_PROVINCE = _("The identity number does not start with a valid province code.")
ID_BIRTH_DATE = _("The birth date inside the identity number is not a real date.")
ID_BIRTH_FUTURE = _("The birth date inside the identity number is in the future.")
ID_CHECK_DIGIT = _("The identity number's check digit is wrong: please check every digit.")
PHONE_INVALID = _(
    "Enter a mainland mobile number (11 digits starting with 1) or a landline with its area "
    "code, such as 0554-1234567."
)
STUDENT_NO_INVALID = _(
    "A student registry number is G followed by the 18-character identity number, L followed "
    "by 18 characters (temporary), or J followed by 18 characters."
)

_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_STUDENT_NO = re.compile(r"^(G\d{17}[\dX]|L\d{14}[0-9A-Z]{4}|J[0-9A-Z]{18})$")


def _halfwidth(value: str) -> str:
    """Full-width digits and letters (１２３Ｘ) as typed by Chinese input methods become ASCII."""
    return unicodedata.normalize("NFKC", value).strip()


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def normalize_id_number(value: str, *, today: datetime.date | None = None) -> str:
    """Return the canonical 18-character identity number or raise ValidationError.

    Accepts full-width digits, a lowercase x and surrounding spaces.
    """
    number = _halfwidth(value).upper().replace(" ", "")
    if _SCIENTIFIC.match(number):
        raise ValidationError(ID_SCIENTIFIC, code="id_scientific")
    if len(number) != 18:
        raise ValidationError(ID_LENGTH, code="id_length")
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise ValidationError(ID_CHARACTERS, code="id_characters")
    if int(number[:2]) not in PROVINCE_CODES:
        raise ValidationError(ID_PROVINCE, code="id_province")
    birth = id_birth_date(number)
    if birth > (today or clock.today()):
        raise ValidationError(ID_BIRTH_FUTURE, code="id_birth_future")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(ID_CHECK_DIGIT, code="id_check_digit")
    return number


def id_birth_date(number: str) -> datetime.date:
    """The birth date encoded in positions 7-14 of an identity number."""
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(ID_BIRTH_DATE, code="id_birth_date") from None


def normalize_phone(value: str) -> str:
    """Return a mobile number as 11 digits or a landline as AREA-NUMBER, or raise."""
    phone = _halfwidth(value).replace(" ", "").replace("－", "-")
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    digits_only = phone.replace("-", "")
    if _MOBILE.match(digits_only):
        return digits_only
    if _LANDLINE.match(phone):
        if "-" in phone:
            return phone
        # Without a dash the split is ambiguous only for 3- vs 4-digit area codes; big cities
        # (010, 02x) use 3 digits.
        area_length = 3 if phone[1] in "12" else 4
        return f"{phone[:area_length]}-{phone[area_length:]}"
    raise ValidationError(PHONE_INVALID, code="phone_invalid")


def normalize_student_no(value: str) -> str:
    number = _halfwidth(value).upper().replace(" ", "")
    if not _STUDENT_NO.match(number):
        raise ValidationError(STUDENT_NO_INVALID, code="student_no_invalid")
    return number


_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|1[3-9]\d{9})(?![0-9A-Za-z])")
NUMBER_IN_TEXT = _("Do not write an identity or phone number here.")


# Free text: a line (a place, a school, whereabouts) and a note (a result, a step's reason).
LINE_MAX_LENGTH = 200
NOTE_MAX_LENGTH = 2000


def refuse_numbers_in_text(text: str) -> None:
    """Free text that goes to logs or audit rows must not carry an identity or phone number."""
    if _NUMBER_IN_TEXT.search(_halfwidth(text)):
        raise ValidationError(NUMBER_IN_TEXT, code="number_in_text")


def free_text(max_length: int) -> list:
    """The validators of a free-text field: its length, and no identity or phone number (which
    would go around encryption, masking and the access log)."""
    return [MaxLengthValidator(max_length), refuse_numbers_in_text]
