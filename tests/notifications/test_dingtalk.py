"""The DingTalk robot against a fake on 127.0.0.1 that checks the token, the timestamp and the
signature as DingTalk does: a signed message is sent, a wrong secret is refused for good (and
named nowhere), and past 20 a minute the channel waits instead of being blocked."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from notifications import delivery
from notifications.channels import dingtalk
from notifications.models import Message, Status
from notifications.services import notify_group

from . import fakes

pytestmark = pytest.mark.django_db


@pytest.fixture
def robot(settings):
    cache.clear()
    with fakes.FakeDingTalk() as fake:
        settings.NOTIFICATIONS_GROUP_CHANNELS = ["dingtalk"]
        settings.DINGTALK_WEBHOOK_URL = fake.url
        settings.DINGTALK_SECRET = fake.SECRET
        yield fake


def send(case_context, key="d"):
    [row] = notify_group(template_key="case_escalated", context=case_context, dedup_key=key)
    return delivery.deliver(row.pk)


def test_a_signed_message_is_sent_as_markdown(robot, case_context):
    assert send(case_context).status == Status.SENT
    assert robot.refused == []
    [request] = robot.requests
    body = request["body"]
    assert body["msgtype"] == "markdown"
    assert "15号案件" in body["markdown"]["text"]
    assert body["markdown"]["title"]


def test_a_wrong_secret_is_refused_for_good_and_not_written_down(robot, case_context, settings):
    settings.DINGTALK_SECRET = "SECwrong"
    outcome = send(case_context)
    assert outcome.status == Status.DEAD
    assert robot.refused == ["sign not match"]
    error = Message.objects.get().last_error
    assert "310000" in error
    assert "SECwrong" not in error
    assert fakes.FakeDingTalk.TOKEN not in error


def test_past_twenty_a_minute_the_channel_waits_without_using_an_attempt(robot, case_context):
    rows = [send(case_context, key=f"d{n}") for n in range(21)]
    assert [row.status for row in rows].count(Status.SENT) == 20
    assert rows[-1].status == Status.PENDING
    assert len(robot.requests) == 20  # the 21st never reached the robot
    waiting = Message.objects.get(dedup_key="d20")
    assert waiting.attempts == 0
    assert waiting.next_attempt_at > timezone.now()


def test_the_robots_own_block_is_waited_out(robot, case_context):
    robot.answers.append((200, {"errcode": dingtalk.RATE_LIMITED, "errmsg": "send too fast"}))
    assert send(case_context).status == Status.PENDING
    waiting = Message.objects.get()
    assert waiting.attempts == 0
    assert waiting.next_attempt_at > timezone.now() + datetime.timedelta(minutes=9)
