"""A county with N open cases for benchmarks/scale.py, written in bulk by SQL: a template
student and case are saved through the models (encryption, digests, defaults), then copied N
times by `INSERT … SELECT … FROM generate_series`, each copy with its own registry digest,
class, township, owner and deadline (1 % of them already past)."""

import datetime

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from cases import clock
from cases.models import Case, Gender, Role, SchoolType, StaffRole, Stage, Student, Unit, UnitKind
from workflows import policies, services

SCHOOLS = 12
TOWNSHIPS = 5


def _unit(kind, name, code, parent=None, **extra) -> Unit:
    unit = Unit(kind=kind, name=name, code=code, parent=parent, **extra)
    unit.save()
    return unit


def _person(username: str, role: str, unit: Unit):
    user = get_user_model().objects.create(username=username, first_name=username)
    services.staff_role_save(staff_role=StaffRole(user=user, role=role, unit=unit))
    return user


@transaction.atomic
def seed(size: int) -> dict:
    county = _unit(UnitKind.COUNTY, "规模县", "S")
    district = _unit(UnitKind.DISTRICT, "规模学区", "S-D", county)
    policies.ensure_default_policies(county)
    townships = [_unit(UnitKind.TOWNSHIP, f"镇{t}", f"S-T{t}", county) for t in range(TOWNSHIPS)]
    classes, teachers = [], []
    for number in range(SCHOOLS):
        school = _unit(
            UnitKind.SCHOOL,
            f"第{number}小学",
            f"S-D-S{number}",
            district,
            school_type=SchoolType.PRIMARY,
        )
        grade = _unit(UnitKind.GRADE, "五年级", f"S-D-S{number}-G5", school)
        klass = _unit(UnitKind.CLASS, "五年级(1)班", f"S-D-S{number}-G5-C1", grade)
        classes.append(klass)
        teachers.append(_person(f"teacher{number}", Role.HOMEROOM_TEACHER, klass))
        _person(f"officer{number}", Role.SCHOOL_OFFICER, school)
    for number, township in enumerate(townships):
        _person(f"official{number}", Role.TOWNSHIP_OFFICIAL, township)
    supervisor = _person("county", Role.COUNTY_SUPERVISOR, county)

    now = clock.now()
    template = Student(
        name="模板",
        gender=Gender.MALE,
        birth_date=datetime.date(2014, 3, 7),
        student_no="G340422201403070015",
        id_number="340422201403070015",
        klass=classes[0],
        residence_township=townships[0],
    )
    template.save()
    template_case = Case(
        student=template,
        stage=Stage.CLOSED,
        county=county,
        school=template.school,
        klass=classes[0],
        township=townships[0],
        reasons=["weary"],
        whereabouts="在家",
        stage_started_at=now,
        opened_at=now,
        opened_by=teachers[0],
        closed_at=now,
    )
    template_case.save()
    class_ids = [klass.pk for klass in classes]
    school_ids = [klass.parent.parent_id for klass in classes]
    teacher_ids = [teacher.pk for teacher in teachers]
    township_ids = [township.pk for township in townships]
    _copy(
        Student,
        template.pk,
        size,
        {
            "student_no_digest": "md5('no' || g)",
            "id_number_digest": "md5('id' || g)",
            "name": "'学生' || g",
            "klass_id": f"(ARRAY{class_ids})[g % {SCHOOLS} + 1]",
            "school_id": f"(ARRAY{school_ids})[g % {SCHOOLS} + 1]",
            "residence_township_id": f"(ARRAY{township_ids})[g % {TOWNSHIPS} + 1]",
        },
    )
    _copy(
        Case,
        template_case.pk,
        size,
        {
            "student_id": f"{template.pk} + g",
            "stage": f"'{Stage.HOME_VISIT}'",
            "klass_id": f"(ARRAY{class_ids})[g % {SCHOOLS} + 1]",
            "school_id": f"(ARRAY{school_ids})[g % {SCHOOLS} + 1]",
            "township_id": f"(ARRAY{township_ids})[g % {TOWNSHIPS} + 1]",
            "owner_id": f"(ARRAY{teacher_ids})[g % {SCHOOLS} + 1]",
            "deadline": "CASE WHEN g % 100 = 0 THEN now() - interval '1 day' "
            "ELSE now() + interval '10 days' END",
            "closed_at": "NULL",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"county_supervisor": supervisor, "teacher": teachers[0]}


def _copy(model, template_pk: int, count: int, overrides: dict[str, str]) -> None:
    """`count` copies of one row of `model`, the columns in `overrides` computed from g."""
    table = model._meta.db_table
    columns = [field.column for field in model._meta.concrete_fields if field.column != "id"]
    values = [
        overrides.get(column, f'(SELECT "{column}" FROM {table} WHERE id = {template_pk})')  # noqa: S608
        for column in columns
    ]
    names = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {', '.join(values)} "  # noqa: S608 - our own columns
            f"FROM generate_series(1, {int(count)}) AS g"
        )
