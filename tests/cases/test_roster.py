"""The roster refuses bad rows with field-specific messages and keeps the tree consistent."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases import validators
from cases.models import Guardian, Role, StaffRole, Student, UnitKind
from cases.models.roster import BIRTH_DATE_MISMATCH, VILLAGE_NOT_IN_TOWNSHIP
from cases.models.units import PARENT_KIND_WRONG, ROLE_UNIT_WRONG

from .. import factories


def field_errors(instance) -> dict:
    with pytest.raises(ValidationError) as refused:
        instance.full_clean()
    return refused.value.message_dict


def test_student_is_normalised_and_school_follows_class(world):
    student = Student(
        student_no="g11010520111231018x",
        name="王小明",
        gender="1",
        birth_date=datetime.date(2011, 12, 31),
        id_number="11010520111231018x",
        klass=world.klass,
        residence_township=world.township,
        residence_village=world.village,
    )
    student.full_clean()
    student.save()
    assert (student.id_number, student.student_no) == ("11010520111231018X", "G11010520111231018X")
    assert student.school == world.school


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        ("110105194912310021", validators.ID_CHECK_DIGIT),
        ("11010519491331002X", validators.ID_BIRTH_DATE),
        ("11010519491231002", validators.ID_LENGTH),
        ("ABCDEFGHIJKLMNOPQR", validators.ID_CHARACTERS),
    ],
)
def test_student_with_bad_id_number_writes_nothing(world, id_number, message):
    student = factories.StudentFactory.build(
        klass=world.klass,
        residence_township=world.township,
        residence_village=world.village,
        id_number=id_number,
        student_no="G11010519491231002X",
    )
    assert field_errors(student)["id_number"] == [str(message)]
    assert not Student.objects.filter(name=student.name).exists()


def test_birth_date_must_match_id_number(world):
    student = factories.StudentFactory.build(
        klass=world.klass,
        residence_township=world.township,
        residence_village=world.village,
        birth_date=datetime.date(2014, 3, 8),
        id_number=factories.id_number(datetime.date(2014, 3, 7)),
    )
    assert field_errors(student)["birth_date"] == [str(BIRTH_DATE_MISMATCH)]


def test_village_must_be_in_residence_township(world, elsewhere):
    student = factories.StudentFactory.build(
        klass=world.klass, residence_township=world.township, residence_village=elsewhere.village
    )
    assert field_errors(student)["residence_village"] == [str(VILLAGE_NOT_IN_TOWNSHIP)]


def test_identity_number_is_unique_in_the_database(world):
    first = world.student()
    with pytest.raises(IntegrityError), transaction.atomic():
        world.student(id_number=first.id_number, student_no="J" + "0" * 18)


@pytest.mark.parametrize("phone", ["1381234567", "138-1234-567x", "110"])
def test_guardian_with_bad_phone_writes_nothing(student, phone):
    before = Guardian.objects.count()
    guardian = Guardian(student=student, name="李桂兰", relation="mother", phone=phone)
    assert field_errors(guardian)["phone"] == [str(validators.PHONE_INVALID)]
    assert Guardian.objects.count() == before


def test_unit_must_sit_under_the_right_kind(world):
    misplaced = factories.ClassFactory.build(parent=world.school)  # a class straight under a school
    errors = field_errors(misplaced)["parent"]
    assert errors == [
        str(PARENT_KIND_WRONG) % {"kind": UnitKind.CLASS.label, "parent": UnitKind.GRADE.label}
    ]


def test_staff_role_must_serve_a_unit_of_its_kind(world):
    role = StaffRole(
        user=world[Role.HOMEROOM_TEACHER], role=Role.TOWNSHIP_OFFICIAL, unit=world.klass
    )
    message = field_errors(role)["unit"][0]
    assert message == str(ROLE_UNIT_WRONG) % {
        "role": Role.TOWNSHIP_OFFICIAL.label,
        "kinds": UnitKind.TOWNSHIP.label,
    }


def test_unit_path_makes_subtrees(world, elsewhere):
    assert world.county.contains(world.klass)
    assert world.district.contains(world.school)
    assert not world.district.contains(world.township)
    assert not world.county.contains(elsewhere.klass)
