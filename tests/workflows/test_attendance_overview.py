"""The overview of the rolls for those who supervise schools, over the four weeks to Friday 24
October 2025 (the National Day holiday and its two make-up days inside): 16 school days. The
figures are counted here by hand from the rows the test writes; the flags name the late report,
the silent class and the student absent for weeks with no case."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import clock
from cases.models import Absence, Case, Role, RollCall, Stage, Student, Term
from workflows.attendance import overview

from .. import factories

D = datetime.date
TODAY = D(2025, 10, 24)
# 28 September (a Sunday) and 11 October (a Saturday) are the holiday's make-up days.
SCHOOL_DAYS = [D(2025, 9, 28), D(2025, 9, 29), D(2025, 9, 30)] + [
    D(2025, 10, day) for day in (9, 10, 11, 13, 14, 15, 16, 17, 20, 21, 22, 23, 24)
]
PAGE = reverse("work:attendance:index")


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(datetime.datetime(2025, 10, 24, 16, tzinfo=clock.TZ)):
        yield


@pytest.fixture
def county(world):
    """Class A takes every roll; its student 甲 is away without reason for the last two weeks.
    Class B has not taken a roll for its last three school days; its student 乙 was away 13 to
    15 October and the case was opened on the 16th."""
    Term.objects.create(
        county=world.county, name="2025秋", starts_on=D(2025, 9, 1), ends_on=D(2026, 1, 16)
    )
    teacher = world[Role.HOMEROOM_TEACHER]
    now = clock.now()
    klass_b = factories.ClassFactory(parent=world.klass.parent, name="五年级(2)班")
    jia = world.student(name="甲")
    yi = factories.StudentFactory(klass=klass_b, name="乙")
    for day in SCHOOL_DAYS:
        RollCall.objects.create(klass=world.klass, date=day, taken_by=teacher, taken_at=now)
        if day < D(2025, 10, 22):
            RollCall.objects.create(klass=klass_b, date=day, taken_by=teacher, taken_at=now)

    def away(student, day):
        Absence.objects.create(
            student=student, date=day, kind="unexcused", recorded_by=teacher, recorded_at=now
        )

    for day in SCHOOL_DAYS[-10:]:
        away(jia, day)
    for day in (D(2025, 10, 13), D(2025, 10, 14), D(2025, 10, 15)):
        away(yi, day)
    opened = datetime.datetime(2025, 10, 16, 10, tzinfo=clock.TZ)
    case = factories.CaseFactory(student=yi, stage=Stage.IDENTIFIED, opened_at=opened)
    return {"A": world.klass, "B": klass_b, "甲": jia, "乙": yi, "case": case}


def test_the_figures_per_school_are_counted_over_the_school_days(world, county):
    (line,) = overview.per_school([world.school], TODAY)

    assert line.school_days == 16
    assert (line.classes, line.students) == (2, 2)
    assert (line.reported_today, line.absent_today) == (1, 1)
    assert (line.reported_days, line.class_days) == (16 + 13, 32)
    assert line.unexcused_days == 10 + 3
    assert line.unexcused_rate == pytest.approx(13 / (2 * 16))


def test_the_flags_name_the_late_report_the_silent_class_and_the_absent_student(world, county):
    late = overview.late_reports(Case.objects.all(), TODAY)
    assert [(item.case, item.first_absent_on, item.school_days_late) for item in late] == [
        (county["case"], D(2025, 10, 13), 3)
    ]
    assert overview.silent_classes([world.school], TODAY) == [(county["B"], 3)]
    assert [klass for klass, _t in overview.unreported_classes([world.school], TODAY)] == [
        county["B"]
    ]
    absent = overview.absent_without_case(Student.objects.all(), TODAY)
    assert [(s, s.unexcused) for s in absent] == [(county["甲"], 10)]  # 乙 has a case


def test_the_page_for_supervisors_only_and_its_cost_does_not_grow(world, county, elsewhere):
    officer = Client()
    officer.force_login(world[Role.SCHOOL_OFFICER])
    page = officer.get(PAGE).content.decode()
    assert 'data-reported="1/2"' in page
    assert f'data-silent="{county["B"].pk}"' in page
    assert f'data-absent="{county["甲"].pk}"' in page
    assert f'data-late="{county["case"].pk}"' in page
    teacher = Client()
    teacher.force_login(world[Role.HOMEROOM_TEACHER])
    assert teacher.get(PAGE).status_code == 403

    supervisor = Client()
    supervisor.force_login(world[Role.COUNTY_SUPERVISOR])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert supervisor.get(PAGE).status_code == 200
        return len(queries)

    count()
    before = count()
    for n in range(3):
        school = factories.SchoolFactory(parent=world.district, name=f"新校{n}")
        klass = factories.ClassFactory(parent=factories.GradeFactory(parent=school))
        factories.StudentFactory(klass=klass)
    assert count() == before


def test_day_by_day_the_classes_reported_and_the_unexcused_rate(world, county):
    lines = overview.per_school([world.school], TODAY)

    days = overview.per_day(lines, [world.school], TODAY)

    assert [row.day for row in days] == sorted(SCHOOL_DAYS, reverse=True)
    by_day = {row.day: row for row in days}
    assert (by_day[TODAY].reported, by_day[TODAY].classes) == (1, 2)  # class B is silent
    assert (by_day[D(2025, 10, 13)].unexcused, by_day[D(2025, 10, 13)].students) == (2, 2)
    assert by_day[D(2025, 9, 28)].unexcused == 0
