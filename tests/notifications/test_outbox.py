"""The outbox: rows written in the caller's transaction, one per channel, once per key, and
delivered in process after commit when there is no Celery."""

import pytest
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import translation

from notifications import messages
from notifications.models import Channel, InboxItem, Message, RecipientSettings, Status
from notifications.services import BAD_CHANNEL, notify, notify_group

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def failing_step(user, context) -> None:
    """A step that writes its notification and then fails."""
    with transaction.atomic():
        notify(
            recipient=user,
            template_key="case_assigned",
            context=context,
            dedup_key="case-15-event-1-assigned",
        )
        raise Boom


def test_rolled_back_step_leaves_no_row_and_sends_nothing(
    user, case_context, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom):
        failing_step(user, case_context)
    # Then nothing is left and nothing was sent
    assert callbacks == []
    assert Message.objects.count() == 0
    assert InboxItem.objects.count() == 0


def test_delivered_in_process_after_commit(user, case_context, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [message] = notify(
            recipient=user, template_key="case_assigned", context=case_context, dedup_key="k1"
        )
        # Before commit: the row is there, the inbox is still empty
        assert message.status == Status.PENDING
        assert InboxItem.objects.count() == 0
    assert len(callbacks) == 1
    callbacks[0]()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    item = InboxItem.objects.get()
    assert item.user == user
    assert item.message == message
    assert item.url == "/work/cases/15/"
    assert "15号案件" in item.title
    assert "家访劝返" in item.body
    assert "2025-03-07 17:00" in item.body


def test_same_key_twice_writes_one_row_per_channel(
    user, case_context, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = notify(
            recipient=user,
            template_key="case_assigned",
            context=case_context,
            dedup_key="same",
            channels=["inbox", "email"],
        )
        second = notify(
            recipient=user,
            template_key="case_assigned",
            context=case_context,
            dedup_key="same",
            channels=["inbox", "email"],
        )
    assert [m.pk for m in first] == [m.pk for m in second]
    assert Message.objects.count() == 2
    assert len(callbacks) == 2  # only the first call schedules delivery
    assert InboxItem.objects.count() == 1
    assert len(mail.outbox) == 1


def test_same_key_for_two_users_is_two_rows(user, other_user, case_context):
    for recipient in (user, other_user):
        notify(
            recipient=recipient, template_key="case_assigned", context=case_context, dedup_key="k"
        )
    assert Message.objects.filter(dedup_key="k").count() == 2


def test_group_messages_are_unique_without_a_recipient(case_context, settings):
    settings.WECOM_WEBHOOK_URL = ""
    notify_group(template_key="case_escalated", context=case_context, dedup_key="g")
    notify_group(template_key="case_escalated", context=case_context, dedup_key="g")
    [row] = Message.objects.filter(dedup_key="g")
    assert row.recipient is None
    assert row.channel == Channel.WECOM
    # The database itself refuses a second group row with the same key (NULL recipient)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            recipient=None, channel=Channel.WECOM, template_key="case_escalated", dedup_key="g"
        )


def test_group_message_without_a_webhook_is_skipped(case_context, settings):
    settings.WECOM_WEBHOOK_URL = ""
    [row] = notify_group(template_key="case_escalated", context=case_context, dedup_key="g2")
    from notifications import delivery

    delivery.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.SKIPPED
    assert row.last_error == "no WeCom webhook configured"


def test_a_periodic_job_writes_no_group_row_where_no_robot_is_configured(case_context, settings):
    settings.WECOM_WEBHOOK_URL = ""
    assert (
        notify_group(
            template_key="case_escalated", context=case_context, dedup_key="g3", if_configured=True
        )
        == []
    )
    assert not Message.objects.filter(dedup_key="g3").exists()
    settings.WECOM_WEBHOOK_URL = "http://127.0.0.1:9/never-called"
    [row] = notify_group(
        template_key="case_escalated", context=case_context, dedup_key="g3", if_configured=True
    )
    assert row.channel == Channel.WECOM


def test_context_is_stored_as_json_with_iso_datetimes(user, case_context):
    [message] = notify(
        recipient=user, template_key="case_assigned", context=case_context, dedup_key="k"
    )
    message.refresh_from_db()
    assert message.context["deadline"] == "2025-03-07T17:00:00+08:00"
    assert message.context["url"] == "/work/cases/15/"


def test_no_deadline_is_allowed(user, case_context, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipient=user,
            template_key="case_assigned",
            context={**case_context, "deadline": None},
            dedup_key="k",
        )
    with translation.override(settings.NOTIFICATIONS_LANGUAGE):
        assert str(messages.NO_DEADLINE) in InboxItem.objects.get().body


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"student_name": "张三"}, "exactly the context keys"),
        ({"stage": "13812345678"}, "phone or identity number"),
        ({"case_label": "34042220140307001X"}, "phone or identity number"),
        ({"stage": object()}, "only text, numbers and datetimes"),
    ],
)
def test_context_refuses_names_and_numbers(user, case_context, extra, error):
    with pytest.raises((ValueError, TypeError), match=error):
        notify(
            recipient=user,
            template_key="case_assigned",
            context={**case_context, **extra},
            dedup_key="k",
        )
    assert Message.objects.count() == 0


def test_unknown_template_and_channel_are_refused(user, case_context):
    with pytest.raises(ValueError, match="Unknown notification template"):
        notify(recipient=user, template_key="nope", context=case_context, dedup_key="k")
    with pytest.raises(ValueError, match=BAD_CHANNEL.split("%")[0]):
        notify(
            recipient=user,
            template_key="case_assigned",
            context=case_context,
            dedup_key="k",
            channels=["wecom"],
        )


def test_default_channels_add_what_the_user_turned_on(user, case_context, settings):
    settings.NOTIFICATIONS_DEFAULT_CHANNELS = ["inbox"]
    RecipientSettings.objects.create(user=user, email_on=True, sms_on=True)
    rows = notify(recipient=user, template_key="case_assigned", context=case_context, dedup_key="k")
    assert [row.channel for row in rows] == ["inbox", "email", "sms"]


def test_email_goes_to_the_users_address_with_an_absolute_link(
    user, case_context, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://kongchuo.example.gov.cn/"
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipient=user,
            template_key="case_assigned",
            context=case_context,
            dedup_key="k",
            channels=["email"],
        )
    [email] = mail.outbox
    assert email.to == ["owner@example.org"]
    assert "15号案件" in email.subject
    assert "https://kongchuo.example.gov.cn/work/cases/15/" in email.body


def test_email_without_an_address_is_skipped(
    other_user, case_context, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [row] = notify(
            recipient=other_user,
            template_key="case_assigned",
            context=case_context,
            dedup_key="k",
            channels=["email"],
        )
    row.refresh_from_db()
    assert row.status == Status.SKIPPED
    assert row.last_error == "no e-mail address"
    assert mail.outbox == []


def test_a_channel_that_is_down_does_not_fail_the_caller(
    user, case_context, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_SMS_PROVIDER = "tests.notifications.fakes.FlakySmsProvider"
    settings.NOTIFICATIONS_SMS_TEMPLATES = {"case_assigned": "SMS_1"}
    RecipientSettings.objects.create(user=user)
    from . import fakes

    fakes.FlakySmsProvider.failures_left = 1
    try:
        with django_capture_on_commit_callbacks(execute=True):
            [row] = notify(
                recipient=user,
                template_key="case_assigned",
                context=case_context,
                dedup_key="k",
                channels=["sms"],
            )
    finally:
        fakes.FlakySmsProvider.failures_left = 0
    row.refresh_from_db()
    assert row.status == Status.RETRYING


def test_every_template_renders_from_its_keys_only():
    sample = {
        "case_label": "15号案件",
        "stage": "家访劝返",
        "deadline": "2025-03-07T17:00:00+08:00",
        "url": "/work/cases/15/",
        "days_overdue": 3,
        "owner_name": "王老师",
        # the daily roll's messages name the class, never a child
        "class_name": "八年级(1)班",
        "rule": "无正当理由连续缺勤",
        "date": "12-01",
        "due": "09:00",
        # a township's digest: counts and case numbers, never a child
        "township": "正阳关镇",
        "total": 2,
        "by_stage": "家访劝返 2",
        "by_school": "正阳关小学 2",
        "cases": "[案件 15](/work/cases/15/)",
    }
    for key, template in messages.TEMPLATES.items():
        context = {name: sample[name] for name in template.keys}
        if "case_label" not in template.keys:
            context["url"] = "/work/roll/?class=7"
        rendered = messages.render(key, context)
        subject = (
            "15号案件"
            if "case_label" in template.keys
            else "正阳关镇"
            if "township" in template.keys
            else "八年级(1)班"
        )
        assert subject in rendered.title + rendered.body, key
        assert rendered.absolute_url.endswith(context["url"]), key
        assert all(param for param in rendered.sms_params), key
