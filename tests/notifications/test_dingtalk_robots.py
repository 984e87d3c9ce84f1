"""DingTalk robots per county and township, against fakes that check each robot's own token
and signature: a message about a case goes to its township's robot, else its county's, else the
one in the settings; each robot has its own 20-a-minute window; the admin keeps the address and
secret encrypted and never shows them back."""

import datetime
import time

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from cases import clock
from cases.models import Stage
from notifications import delivery
from notifications.channels import Deferred, dingtalk
from notifications.forms import ADDRESS_WRONG, SECRET_WRONG
from notifications.models import Channel, DingTalkRobot, Message, Status
from notifications.services import notify_group
from workflows import sweep

from .. import factories
from ..builders import case_in_stage
from . import fakes

pytestmark = pytest.mark.django_db


@pytest.fixture
def robots(settings):
    """Three fake robots: the township's, the county's and the settings' one."""
    cache.clear()
    settings.NOTIFICATIONS_GROUP_CHANNELS = ["dingtalk"]
    with (
        fakes.FakeDingTalk("township-token", "SECtownship-secret") as township,
        fakes.FakeDingTalk("county-token", "SECcounty-secret") as county,
        fakes.FakeDingTalk() as fallback,
    ):
        settings.DINGTALK_WEBHOOK_URL = fallback.url
        settings.DINGTALK_SECRET = fallback.SECRET
        yield {"township": township, "county": county, "settings": fallback}


def robot_of(unit, fake, **extra) -> DingTalkRobot:
    return DingTalkRobot.objects.create(
        unit=unit, name=f"{unit.name}控辍群", webhook_url=fake.url, secret=fake.SECRET, **extra
    )


def send(case_context, units, key="d"):
    [row] = notify_group(
        template_key="case_overdue",
        context={**case_context, "days_overdue": 2},
        dedup_key=key,
        units=units,
    )
    return row, delivery.deliver(row.pk)


@pytest.fixture
def township(db):
    return factories.TownshipFactory()


def test_a_case_message_goes_to_its_townships_robot(robots, township, case_context):
    robot_of(township, robots["township"])
    robot_of(township.parent, robots["county"])
    row, outcome = send(case_context, (township.pk, township.parent_id))
    assert outcome.status == Status.SENT
    assert row.robot.unit == township
    assert len(robots["township"].requests) == 1
    assert robots["township"].refused == []  # signed with the township robot's own secret
    assert robots["county"].requests == robots["settings"].requests == []


def test_without_a_township_robot_the_countys_then_the_settings(robots, township, case_context):
    robot_of(township, robots["township"], active=False)  # switched off: as if there were none
    robot_of(township.parent, robots["county"])
    assert send(case_context, (township.pk, township.parent_id), "a")[1].status == Status.SENT
    assert len(robots["county"].requests) == 1
    other = factories.TownshipFactory()
    row, outcome = send(case_context, (other.pk, other.parent_id), "b")
    assert (row.robot, outcome.status) == (None, Status.SENT)
    assert len(robots["settings"].requests) == 1
    assert robots["township"].requests == []


def test_a_periodic_job_writes_no_dingtalk_row_where_no_robot_would_take_it(
    robots, township, case_context, settings
):
    settings.DINGTALK_WEBHOOK_URL = ""
    context = {**case_context, "days_overdue": 2}
    units = (township.pk, township.parent_id)
    kwargs = {"template_key": "case_overdue", "context": context, "units": units}
    assert notify_group(dedup_key="x", if_configured=True, **kwargs) == []
    robot_of(township.parent, robots["county"])
    [row] = notify_group(dedup_key="y", if_configured=True, **kwargs)
    assert row.robot.unit == township.parent


def test_a_robot_switched_off_after_writing_is_skipped_not_redirected(
    robots, township, case_context
):
    robot = robot_of(township, robots["township"])
    [row] = notify_group(
        template_key="case_overdue",
        context={**case_context, "days_overdue": 2},
        dedup_key="late",
        units=(township.pk,),
    )
    DingTalkRobot.objects.filter(pk=robot.pk).update(active=False)
    assert delivery.deliver(row.pk).status == Status.SKIPPED
    assert robots["township"].requests == robots["settings"].requests == []


def test_each_robot_has_its_own_twenty_a_minute(robots, township, case_context):
    robot_of(township, robots["township"])
    units = (township.pk,)
    outcomes = [send(case_context, units, f"t{n}")[1].status for n in range(21)]
    assert outcomes.count(Status.SENT) == 20
    assert outcomes[-1] == Status.PENDING  # the township's robot is full: it waits
    assert Message.objects.get(dedup_key="t20").attempts == 0
    # another robot's window is its own: the settings' robot still sends at once
    other = factories.TownshipFactory()
    assert send(case_context, (other.pk,), "s")[1].status == Status.SENT
    assert len(robots["township"].requests) == 20
    assert len(robots["settings"].requests) == 1


def test_the_sweep_sends_a_cases_overdue_alert_to_its_townships_robot(
    robots, world, django_capture_on_commit_callbacks
):
    robot_of(world.township, robots["township"])
    case = case_in_stage(world, Stage.HOME_VISIT)
    case.deadline = clock.now() - datetime.timedelta(days=1)
    case.save(update_fields=["deadline"])
    with django_capture_on_commit_callbacks(execute=True):
        sweep.sweep_deadlines()
    [row] = Message.objects.filter(channel=Channel.DINGTALK, template_key="case_overdue")
    assert row.robot.unit == world.township
    assert row.status == Status.SENT
    text = robots["township"].requests[0]["body"]["markdown"]["text"]
    assert f"/work/cases/{case.pk}/" in text
    assert case.student.name not in text


# The admin ------------------------------------------------------------------------------------

ADDRESS = "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789tokenWXYZ"
SECRET = "SEC0123456789abcdefsecretQRST"


@pytest.fixture
def editor(client):
    """A staff member allowed to view, add and change robots, nothing else."""
    user = factories.UserFactory(username="robot_editor", is_staff=True)
    for action in ("view", "add", "change"):
        user.user_permissions.add(Permission.objects.get(codename=f"{action}_dingtalkrobot"))
    client.force_login(user)
    return client


def test_the_admin_stores_a_robot_encrypted_and_never_shows_it_back(editor, township):
    response = editor.post(
        reverse("admin:notifications_dingtalkrobot_add"),
        {"unit": township.pk, "name": "正阳关镇控辍群", "active": "on",
         "new_webhook_url": ADDRESS, "new_secret": SECRET},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    robot = DingTalkRobot.objects.get()
    assert (robot.webhook_url, robot.secret) == (ADDRESS, SECRET)
    with connection.cursor() as cursor:  # at rest: neither the token nor the secret
        cursor.execute(f"SELECT webhook_url, secret FROM {DingTalkRobot._meta.db_table}")  # noqa: S608
        stored = " ".join(cursor.fetchone())
    assert "abcdef0123456789" not in stored
    assert "0123456789abcdef" not in stored
    for url in (
        reverse("admin:notifications_dingtalkrobot_changelist"),
        reverse("admin:notifications_dingtalkrobot_change", args=[robot.pk]),
    ):
        page = editor.get(url).content.decode()
        assert "abcdef0123456789" not in page
        assert "0123456789abcdef" not in page
        assert "WXYZ" in page  # the last characters, to tell robots apart


def test_the_keeper_picks_the_unit_from_a_list_and_each_change_is_in_the_history(editor, township):
    add = editor.get(reverse("admin:notifications_dingtalkrobot_add"))
    assert add.status_code == 200
    units = dict(add.context["adminform"].form.fields["unit"].choices)
    assert township.pk in {getattr(value, "value", value) for value in units}
    editor.post(
        reverse("admin:notifications_dingtalkrobot_add"),
        {"unit": township.pk, "name": "旧名", "active": "on",
         "new_webhook_url": ADDRESS, "new_secret": SECRET},
    )  # fmt: skip
    robot = DingTalkRobot.objects.get()
    editor.post(
        reverse("admin:notifications_dingtalkrobot_change", args=[robot.pk]),
        {"unit": township.pk, "name": "新名", "new_webhook_url": "", "new_secret": ""},
    )  # fmt: skip
    versions = list(robot.history.order_by("history_date"))
    assert [(v.name, v.active, v.history_user.username) for v in versions] == [
        ("旧名", True, "robot_editor"),
        ("新名", False, "robot_editor"),
    ]
    with connection.cursor() as cursor:  # the copies keep the secret encrypted too
        cursor.execute(f"SELECT secret FROM {robot.history.model._meta.db_table}")  # noqa: S608
        assert all("0123456789abcdef" not in row[0] for row in cursor.fetchall())


def test_a_change_with_the_secrets_left_empty_keeps_them(editor, township):
    robot = DingTalkRobot.objects.create(
        unit=township, name="旧名", webhook_url=ADDRESS, secret=SECRET
    )
    response = editor.post(
        reverse("admin:notifications_dingtalkrobot_change", args=[robot.pk]),
        {"unit": township.pk, "name": "新名", "active": "on", "new_webhook_url": "",
         "new_secret": ""},
    )  # fmt: skip
    assert response.status_code == 302
    robot.refresh_from_db()
    assert (robot.name, robot.webhook_url, robot.secret) == ("新名", ADDRESS, SECRET)


def test_a_bad_address_secret_or_unit_is_refused_in_chinese(editor, township):
    school = factories.SchoolFactory()
    response = editor.post(
        reverse("admin:notifications_dingtalkrobot_add"),
        {"unit": school.pk, "name": "群", "new_webhook_url": "http://oapi.dingtalk.com/robot/send",
         "new_secret": "plain"},
    )  # fmt: skip
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert str(ADDRESS_WRONG) in form.errors["new_webhook_url"]
    assert str(SECRET_WRONG) in form.errors["new_secret"]
    assert "unit" in form.errors  # a school has no robot: counties and townships only
    assert "必须以 https://" in response.content.decode()
    assert not DingTalkRobot.objects.exists()


def test_staff_without_the_right_cannot_see_or_edit_robots(client, township):
    clerk = factories.UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(clerk)
    robot = DingTalkRobot.objects.create(
        unit=township, name="群", webhook_url=ADDRESS, secret=SECRET
    )
    change = reverse("admin:notifications_dingtalkrobot_change", args=[robot.pk])
    assert client.get(change).status_code == 403
    assert client.post(change, {"name": "x"}).status_code == 403
    assert client.get(reverse("admin:notifications_dingtalkrobot_add")).status_code == 403


# The rate window ---------------------------------------------------------------------------

URL = "https://oapi.dingtalk.com/robot/send?access_token=window"


def took_a_slot(url: str = URL) -> bool:
    try:
        dingtalk._take_a_slot(url)
    except Deferred:
        return False
    return True


class Interleaved:
    """The cache as one worker sees it while another runs: just before this worker's n-th cache
    call, the other worker takes (or tries to take) a slot of the same robot."""

    def __init__(self, real, at: int) -> None:
        self.real, self.at, self.calls, self.other_sent = real, at, 0, False

    def __getattr__(self, name):
        method = getattr(self.real, name)

        def call(*args, **kwargs):
            self.calls += 1
            if self.calls == self.at:  # the other worker's own calls count too: it runs once
                self.other_sent = took_a_slot()
            return method(*args, **kwargs)

        return call


@pytest.mark.parametrize("at", range(1, 25))
def test_two_workers_at_the_last_free_slot_send_one_message_not_two(monkeypatch, at):
    cache.clear()
    for _ in range(dingtalk.PER_MINUTE - 1):
        assert took_a_slot()
    interleaved = Interleaved(cache, at)
    monkeypatch.setattr(dingtalk, "cache", interleaved)
    this = took_a_slot()
    assert this + interleaved.other_sent <= 1, "21 messages to the robot within its minute"


def test_a_burst_at_a_minutes_end_still_counts_in_the_next_minute(monkeypatch):
    """DingTalk counts 20 in any 60 seconds: 20 sent at 10:00:59 leave nothing at 10:01:05."""
    cache.clear()
    now = [datetime.datetime(2026, 11, 16, 10, 0, 59, tzinfo=clock.TZ).timestamp()]
    monkeypatch.setattr(time, "time", lambda: now[0])  # the cache's expiry reads it as well
    assert all(took_a_slot() for _ in range(dingtalk.PER_MINUTE))
    now[0] += 6
    with pytest.raises(Deferred) as later:
        dingtalk._take_a_slot(URL)
    assert 50 <= later.value.seconds <= 62  # until the first of the twenty is a minute old
    now[0] += 56
    assert all(took_a_slot() for _ in range(dingtalk.PER_MINUTE))  # a minute on: free again
    assert not took_a_slot()
