"""Identity numbers (GB 11643), phone numbers and registry numbers: normalised or refused with
the specific message."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from cases import validators as v

VALID_ID = "11010519491231002X"  # the standard's own example


def refusal(function, value):
    with pytest.raises(ValidationError) as refused:
        function(value)
    return refused.value.messages[0]


def test_standard_example_is_valid():
    assert v.normalize_id_number(VALID_ID) == VALID_ID


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002x",  # lowercase x
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width from a Chinese input method
        " 110105 19491231 002X ",  # spaces
    ],
)
def test_id_number_is_normalised(typed):
    assert v.normalize_id_number(typed) == VALID_ID


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("110105194912310021", v.ID_CHECK_DIGIT),  # wrong check digit
        ("11010519491331002X", v.ID_BIRTH_DATE),  # month 13
        ("11010519490230002X", v.ID_BIRTH_DATE),  # 30 February
        ("11010519491231002", v.ID_LENGTH),  # 17 digits
        ("1101051949123100AX", v.ID_CHARACTERS),  # letters
        ("99010519491231002X", v.ID_PROVINCE),  # no province 99
        ("3.40102E+17", v.ID_SCIENTIFIC),  # Excel turned it into a number
        ("110105" + "20991231" + "0011", v.ID_BIRTH_FUTURE),  # born in 2099
    ],
)
def test_bad_id_number_is_refused_with_its_reason(typed, message):
    assert refusal(v.normalize_id_number, typed) == message


def test_refusal_never_repeats_the_number():
    message = refusal(v.normalize_id_number, "110105194912310021")
    assert "110105" not in message


@given(
    birth=st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2025, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
)
def test_any_generated_number_passes_and_any_other_check_digit_fails(birth, sequence):
    first17 = f"340422{birth:%Y%m%d}{sequence:03d}"
    number = first17 + v.id_check_char(first17)
    assert v.normalize_id_number(number) == number
    for wrong in set("0123456789X") - {number[-1]}:
        with pytest.raises(ValidationError):
            v.normalize_id_number(first17 + wrong)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0554-1234567", "0554-1234567"),
        ("05541234567", "0554-1234567"),
        ("010-12345678", "010-12345678"),
    ],
)
def test_phone_is_normalised(typed, normalised):
    assert v.normalize_phone(typed) == normalised


@pytest.mark.parametrize(
    "typed", ["1381234567", "23812345678", "12812345678", "138123456789", "phone", "0554-12", ""]
)
def test_bad_phone_is_refused(typed):
    assert refusal(v.normalize_phone, typed) == v.PHONE_INVALID


@pytest.mark.parametrize("typed", [f"G{VALID_ID}", "L34042220140307AB12", "J0000000000000000AB"])
def test_student_registry_number_shapes(typed):
    assert v.normalize_student_no(typed.lower()) == typed.upper()


@pytest.mark.parametrize("typed", [VALID_ID, "G123", "X11010519491231002X"])
def test_bad_student_registry_number(typed):
    assert refusal(v.normalize_student_no, typed) == v.STUDENT_NO_INVALID
