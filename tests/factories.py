"""factory_boy factories. SubFactory chains build a whole tree by default; the `world` fixture
passes shared units so that related rows share one school."""

import datetime
import itertools

import factory
from django.contrib.auth import get_user_model

from cases import clock, grants
from cases.models import (
    Case,
    Gender,
    Guardian,
    Relation,
    Role,
    SchoolType,
    StaffRole,
    Stage,
    Student,
    Unit,
    UnitKind,
)
from cases.validators import id_check_char

_serial = itertools.count(1)


def id_number(birth: datetime.date, *, area: str = "340422", female: bool = False) -> str:
    """A valid identity number for a birth date; the sequence makes each one unique."""
    sequence = next(_serial) % 500 * 2 + (0 if female else 1)
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"教师{n}")
    password = factory.django.Password("pass-Word-123")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    kind = UnitKind.COUNTY
    name = factory.Sequence(lambda n: f"单位{n}")
    code = factory.Sequence(lambda n: f"U{n:05d}")


class CountyFactory(UnitFactory):
    kind = UnitKind.COUNTY
    name = factory.Sequence(lambda n: f"测试县{n}")


class DistrictFactory(UnitFactory):
    kind = UnitKind.DISTRICT
    parent = factory.SubFactory(CountyFactory)


class TownshipFactory(UnitFactory):
    kind = UnitKind.TOWNSHIP
    name = factory.Sequence(lambda n: f"测试镇{n}")
    parent = factory.SubFactory(CountyFactory)


class VillageFactory(UnitFactory):
    kind = UnitKind.VILLAGE
    name = factory.Sequence(lambda n: f"测试村{n}")
    parent = factory.SubFactory(TownshipFactory)


class SchoolFactory(UnitFactory):
    kind = UnitKind.SCHOOL
    name = factory.Sequence(lambda n: f"测试小学{n}")
    school_type = SchoolType.PRIMARY
    parent = factory.SubFactory(DistrictFactory)


class GradeFactory(UnitFactory):
    kind = UnitKind.GRADE
    grade_level = 5
    name = "五年级"
    parent = factory.SubFactory(SchoolFactory)


class ClassFactory(UnitFactory):
    kind = UnitKind.CLASS
    name = factory.Sequence(lambda n: f"五年级({n})班")
    parent = factory.SubFactory(GradeFactory)


class StaffRoleFactory(factory.django.DjangoModelFactory):
    """Through the service, as the admin and the roster do: the grant comes with the role."""

    class Meta:
        model = StaffRole

    user = factory.SubFactory(UserFactory)
    role = Role.HOMEROOM_TEACHER
    unit = factory.SubFactory(ClassFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from workflows.services import staff_role_save

        return staff_role_save(staff_role=model_class(*args, **kwargs))


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    name = factory.Sequence(lambda n: f"学生{n}")
    gender = Gender.MALE
    birth_date = datetime.date(2014, 3, 7)
    id_number = factory.LazyAttribute(lambda o: id_number(o.birth_date))
    student_no = factory.LazyAttribute(lambda o: f"G{o.id_number}")
    klass = factory.SubFactory(ClassFactory)
    residence_township = factory.SubFactory(TownshipFactory)
    residence_village = factory.SubFactory(
        VillageFactory, parent=factory.SelfAttribute("..residence_township")
    )


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    student = factory.SubFactory(StudentFactory)
    name = factory.Sequence(lambda n: f"家长{n}")
    relation = Relation.MOTHER
    phone = "13812345678"


class CaseFactory(factory.django.DjangoModelFactory):
    """A case put straight into a stage, for tests of a single step. Real cases are opened
    and moved by the services only."""

    class Meta:
        model = Case
        skip_postgeneration_save = True  # the grant hook changes no field of the case

    student = factory.SubFactory(StudentFactory)
    stage = Stage.IDENTIFIED
    county = factory.LazyAttribute(lambda o: o.student.school.ancestor(UnitKind.COUNTY))
    school = factory.LazyAttribute(lambda o: o.student.school)
    klass = factory.LazyAttribute(lambda o: o.student.klass)
    township = factory.LazyAttribute(lambda o: o.student.residence_township)
    village = factory.LazyAttribute(lambda o: o.student.residence_village)
    reasons = factory.LazyFunction(lambda: ["weary"])
    whereabouts = "在家"
    last_seen_on = factory.LazyFunction(lambda: clock.today() - datetime.timedelta(days=5))
    opened_at = factory.LazyFunction(clock.now)
    stage_started_at = factory.LazyFunction(clock.now)
    opened_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def owner_grant(self, create, extracted, **kwargs):
        """The services grant the owner the case; a case built here gets the same grant."""
        if create:
            grants.owner_changed(self)
