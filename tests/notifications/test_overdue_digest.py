"""The townships' morning digest of overdue cases, against a fake DingTalk robot per group:
counts per stage and per school and the case numbers linked, never a child's name or a number;
once per township and day; only on the county's working days."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import translation

from cases import clock
from cases.models import Case, Stage
from notifications.models import Channel, DingTalkRobot, Message, Status
from workflows import digest, tasks
from workflows.models import CalendarDay

from .. import factories
from ..builders import case_in_stage
from . import fakes

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 11, 16, 8, 30, tzinfo=clock.TZ)
SATURDAY = datetime.datetime(2026, 11, 21, 8, 30, tzinfo=clock.TZ)
MAKE_UP_SUNDAY = datetime.datetime(2026, 9, 20, 8, 30, tzinfo=clock.TZ)  # 调休: a working day


@pytest.fixture
def groups(settings):
    """The world township's robot and its county's, each a fake checking its own signature."""
    cache.clear()
    settings.SITE_URL = "https://kcbx.example.cn"
    with (
        fakes.FakeDingTalk("township-token", "SECtownship-secret") as township,
        fakes.FakeDingTalk("county-token", "SECcounty-secret") as county,
    ):
        yield {"township": township, "county": county}


def robot_of(unit, fake) -> DingTalkRobot:
    return DingTalkRobot.objects.create(
        unit=unit, name="控辍群", webhook_url=fake.url, secret=fake.SECRET
    )


def overdue(world, stage, *, student=None, days=2) -> Case:
    case = case_in_stage(world, stage, student=student)
    case.deadline = MONDAY - datetime.timedelta(days=days)
    case.save(update_fields=["deadline"])
    return case


@pytest.fixture
def township_cases(world):
    """Three overdue cases of the world township in two schools and two stages, and the cases
    that must not be counted: one not due yet, one closed, one of another township."""
    other_school = factories.SchoolFactory(parent=world.district, name="w二小")
    other_class = factories.ClassFactory(parent=factories.GradeFactory(parent=other_school))
    cases = [
        overdue(world, Stage.HOME_VISIT),
        overdue(world, Stage.HOME_VISIT, days=5),
        overdue(world, Stage.TOWNSHIP_PERSUASION, student=world.student(klass=other_class)),
    ]
    not_due = case_in_stage(world, Stage.HOME_VISIT)
    not_due.deadline = MONDAY + datetime.timedelta(days=1)
    not_due.save(update_fields=["deadline"])
    elsewhere = factories.TownshipFactory(parent=world.county, name="别的镇")
    outside = overdue(world, Stage.HOME_VISIT, student=world.student(residence_township=elsewhere))
    outside.township = elsewhere
    outside.save(update_fields=["township"])
    overdue(world, Stage.CLOSED)  # closed with its last deadline left behind: not overdue
    return cases


def run(moment, capture):
    with clock.frozen(moment), capture(execute=True):
        return digest.send_overdue_digests()


def test_each_township_group_gets_its_overdue_cases_without_names_or_numbers(
    world, groups, township_cases, django_capture_on_commit_callbacks
):
    robot_of(world.township, groups["township"])
    robot_of(world.county, groups["county"])
    assert run(MONDAY, django_capture_on_commit_callbacks) == [world.township.name]
    [row] = Message.objects.filter(channel=Channel.DINGTALK)
    assert (row.status, row.robot.unit) == (Status.SENT, world.township)
    assert groups["county"].requests == []  # the digest is the township's, not the county's
    [request] = groups["township"].requests
    assert groups["township"].refused == []
    markdown = request["body"]["markdown"]
    assert world.township.name in markdown["title"]
    assert "3" in markdown["title"]
    text = markdown["text"]
    with translation.override("zh-hans"):
        assert f"{Stage.HOME_VISIT.label} 2" in text
        assert f"{Stage.TOWNSHIP_PERSUASION.label} 1" in text
    assert f"{world.school.name} 2" in text
    assert "w二小 1" in text
    for case in township_cases:
        assert f"https://kcbx.example.cn/work/cases/{case.pk}/" in text
    assert "https://kcbx.example.cn/work/overdue/" in text
    assert text.count("/work/cases/") == 3  # not the one not due, nor the other township's
    for case in Case.objects.select_related("student"):
        student = case.student
        assert student.name not in text
        assert student.id_number not in text
        assert student.student_no not in text
    assert "1381234" not in text  # no guardian's phone (the factories' numbers)


def test_a_second_run_the_same_day_sends_nothing_more(
    world, groups, township_cases, django_capture_on_commit_callbacks
):
    robot_of(world.township, groups["township"])
    run(MONDAY, django_capture_on_commit_callbacks)
    run(MONDAY + datetime.timedelta(hours=2), django_capture_on_commit_callbacks)
    assert Message.objects.filter(channel=Channel.DINGTALK).count() == 1
    assert len(groups["township"].requests) == 1
    tuesday = MONDAY + datetime.timedelta(days=1)
    run(tuesday, django_capture_on_commit_callbacks)  # the next working day: its own digest
    assert len(groups["township"].requests) == 2


def test_nothing_on_a_day_off_a_make_up_working_day_counts(
    world, groups, township_cases, django_capture_on_commit_callbacks
):
    robot_of(world.township, groups["township"])
    assert run(SATURDAY, django_capture_on_commit_callbacks) == []
    CalendarDay.objects.create(
        date=MONDAY.date(), county=world.county, is_working_day=False, note="县运动会"
    )
    assert run(MONDAY, django_capture_on_commit_callbacks) == []  # the county's own day off
    assert groups["township"].requests == []
    Case.objects.update(deadline=MAKE_UP_SUNDAY - datetime.timedelta(days=1))  # test data
    assert run(MAKE_UP_SUNDAY, django_capture_on_commit_callbacks) == [world.township.name]


def test_no_overdue_case_or_no_robot_no_digest(
    world, groups, township_cases, django_capture_on_commit_callbacks
):
    quiet = factories.TownshipFactory(parent=world.county, name="安静镇")
    robot_of(quiet, groups["township"])  # a robot, nothing overdue there
    assert run(MONDAY, django_capture_on_commit_callbacks) == []  # the world's has no robot
    assert not Message.objects.filter(channel=Channel.DINGTALK).exists()


def test_the_beat_task_runs_the_digest(
    world, groups, township_cases, django_capture_on_commit_callbacks
):
    robot_of(world.township, groups["township"])
    with clock.frozen(MONDAY), django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_overdue_digests() == [world.township.name]
    assert len(groups["township"].requests) == 1


def test_one_townships_failure_leaves_the_others_their_digest(
    world, groups, township_cases, django_capture_on_commit_callbacks, monkeypatch
):
    other = factories.TownshipFactory(parent=world.county, name="二镇")
    theirs = overdue(world, Stage.HOME_VISIT, student=world.student(residence_township=other))
    theirs.township = other
    theirs.save(update_fields=["township"])
    robot_of(world.township, groups["township"])
    robot_of(other, groups["county"])
    real = digest.digest_context

    def broken_for_the_world_township(township, today, rows):
        if township == world.township.name:
            raise RuntimeError("a template error")
        return real(township, today, rows)

    monkeypatch.setattr(digest, "digest_context", broken_for_the_world_township)

    told = run(MONDAY, django_capture_on_commit_callbacks)

    assert told == ["二镇"]
    assert len(groups["county"].requests) == 1
    assert not groups["township"].requests
    assert not Message.objects.filter(robot__unit=world.township).exists()
