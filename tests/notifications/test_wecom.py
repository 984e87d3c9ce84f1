"""The WeCom group robot against a fake webhook on 127.0.0.1: success, rate limit, server error,
a refused key, and the 4096-byte limit."""

import json

import pytest

from notifications import delivery
from notifications.channels import wecom
from notifications.messages import Rendered
from notifications.models import Status
from notifications.services import notify_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def group_row(case_context, wecom):
    [row] = notify_group(template_key="case_escalated", context=case_context, dedup_key="g")
    return row


def test_success_posts_markdown_with_an_absolute_link(group_row, wecom, settings):
    settings.SITE_URL = "https://kc.example.gov.cn"
    assert delivery.deliver(group_row.pk).status == Status.SENT
    [request] = wecom.requests
    assert request["path"].endswith("key=secret-robot-key")
    body = request["body"]
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert "15号案件" in content
    assert "家访劝返" in content
    assert "(https://kc.example.gov.cn/work/cases/15/)" in content


@pytest.mark.parametrize(
    "answer",
    [(200, {"errcode": 45009, "errmsg": "api freq out of limit"}), (500, {"errmsg": "oops"})],
    ids=["rate-limited", "http-500"],
)
def test_rate_limit_and_server_errors_are_retried(group_row, wecom, answer):
    wecom.answers.append(answer)
    outcome = delivery.deliver(group_row.pk)
    group_row.refresh_from_db()
    assert outcome.status == Status.RETRYING
    assert outcome.retry_in == 30
    assert group_row.status == Status.RETRYING
    assert "secret-robot-key" not in group_row.last_error


def test_retried_message_is_sent_on_the_next_attempt(group_row, wecom):
    wecom.answers.append((200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    delivery.deliver(group_row.pk)
    group_row.refresh_from_db()
    group_row.next_attempt_at = group_row.created_at
    group_row.save(update_fields=["next_attempt_at"])
    assert delivery.deliver(group_row.pk).status == Status.SENT
    assert len(wecom.requests) == 2


def test_a_refused_key_is_dead_at_once(group_row, wecom):
    wecom.answers.append((200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    assert delivery.deliver(group_row.pk).status == Status.DEAD
    group_row.refresh_from_db()
    assert group_row.last_error == "PermanentFailure: errcode 93000"


def test_unreachable_robot_is_retried(group_row, settings):
    settings.WECOM_WEBHOOK_URL = "http://127.0.0.1:9/cgi-bin/webhook/send?key=secret-robot-key"
    assert delivery.deliver(group_row.pk).status == Status.RETRYING
    group_row.refresh_from_db()
    assert "secret-robot-key" not in group_row.last_error


def test_content_is_cut_to_4096_bytes():
    rendered = Rendered(
        title="标题",
        body="长" * 3000,
        path="/work/cases/1/",
        absolute_url="http://x/work/cases/1/",
        sms_params=[],
        link_text="打开",
    )
    content = wecom.markdown(rendered)
    assert len(content.encode()) <= wecom.MAX_CONTENT_BYTES
    assert len(json.dumps({"content": content}, ensure_ascii=False).encode()) < 4200
