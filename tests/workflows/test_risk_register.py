"""易辍学生 and 一人一案: a level from the roster's flags, the last four weeks' roll and the
student's cases, always with its reasons; the plan written by the homeroom teacher or the
school's officer, with its history, shown on the student's case; plans due for their monthly
review; the register's cost does not grow with its rows."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import clock
from cases.models import Absence, Role, Stage, SupportPlan
from workflows.attendance import plans, risk

from .. import factories

TODAY = datetime.date(2025, 10, 24)
REGISTER = reverse("work:risk:index")


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(datetime.datetime(2025, 10, 24, 16, tzinfo=clock.TZ)):
        yield


def away(student, teacher, *days, part=False):
    for day in days:
        Absence.objects.create(
            student=student,
            date=datetime.date(2025, 10, day),
            kind="unexcused",
            part_of_day=part,
            recorded_by=teacher,
            recorded_at=clock.now(),
        )


def levels(world):
    from cases.models import Student

    return {
        row.student.name: (row.level, row.reasons)
        for row in risk.register(Student.objects.all(), TODAY, levels=("high", "medium", "low"))
    }


def test_levels_come_with_their_reasons(world):
    teacher = world[Role.HOMEROOM_TEACHER]
    calm = world.student(name="平稳")
    flagged = world.student(name="留守", left_behind=True)
    away(world.student(name="缺勤", left_behind=True), teacher, 20, 21)
    away(world.student(name="迟到"), teacher, 14, 16, 20, part=True)
    factories.CaseFactory(student=world.student(name="在案"), stage=Stage.HOME_VISIT)
    both = world.student(name="两项", left_behind=True, struggling_learner=True)

    found = levels(world)

    assert calm.name not in found  # no reason: not on the register
    assert found[flagged.name] == ("low", ["留守儿童"])
    assert found["缺勤"] == ("high", ["近四周无故缺勤 2 天", "留守儿童"])
    assert found["迟到"][0] == "medium"
    assert "部分时间" in found["迟到"][1][0]
    assert found["在案"] == ("high", ["正在劝返"])
    assert found[both.name][0] == "medium"


def test_the_plan_is_written_reviewed_and_shown_on_the_case(world):
    teacher = world[Role.HOMEROOM_TEACHER]
    student = world.student(name="缺勤", left_behind=True)
    away(student, teacher, 20, 21)
    case = factories.CaseFactory(student=student, stage=Stage.HOME_VISIT)
    client = Client()
    client.force_login(teacher)
    page = reverse("work:support_plan", args=[student.pk])

    response = client.post(
        page,
        {
            "measures": "每周家访一次；安排同桌结对",
            "responsible": "班主任、村干部",
            "mentor": world[Role.SUBJECT_TEACHER].pk,
            "subsidies": ["nutrition", "two_exemptions"],
            "reviewed_on": "2025-10-24",
        },
    )

    assert response.status_code == 302
    plan = SupportPlan.objects.get(student=student)
    assert plan.mentor == world[Role.SUBJECT_TEACHER]
    assert plan.history.get().history_user == teacher
    shown = client.get(reverse("work:case_detail", args=[case.pk])).content.decode()
    assert "每周家访一次" in shown
    assert "营养午餐" in shown
    (row,) = risk.register(student.__class__.objects.all(), TODAY)
    assert not row.review_due
    # a month on, it is due again
    later = TODAY + datetime.timedelta(days=40)
    (row,) = risk.register(student.__class__.objects.all(), later)
    assert row.review_due


def test_a_mentor_from_another_school_and_a_stranger_are_refused(world, elsewhere):
    student = world.student()
    with pytest.raises(plans.ValidationError):
        plans.plan_save(
            student=student,
            by=world[Role.HOMEROOM_TEACHER],
            measures="x",
            responsible="y",
            mentor=elsewhere[Role.SUBJECT_TEACHER],
        )
    stranger = Client()
    stranger.force_login(elsewhere[Role.HOMEROOM_TEACHER])
    assert stranger.get(reverse("work:support_plan", args=[student.pk])).status_code == 404
    township = Client()
    township.force_login(world[Role.TOWNSHIP_OFFICIAL])  # sees the student, writes no plan
    assert township.get(reverse("work:support_plan", args=[student.pk])).status_code == 403
    assert not SupportPlan.objects.exists()


def test_the_register_page_costs_the_same_for_more_students(world):
    teacher = world[Role.HOMEROOM_TEACHER]
    client = Client()
    client.force_login(world[Role.SCHOOL_OFFICER])
    away(world.student(left_behind=True), teacher, 20, 21)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(REGISTER).status_code == 200
        return len(queries)

    count()
    before = count()
    for _ in range(5):
        student = world.student(left_behind=True)
        away(student, teacher, 20, 21)
        SupportPlan.objects.create(
            student=student, measures="m", responsible="r", reviewed_on=TODAY, updated_by=teacher
        )
    assert count() == before
    assert client.get(REGISTER).content.decode().count("data-risk=") == 6
