"""Retries with backoff, the dead letter, the admin's retry, and the catch-up delivery."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from notifications import delivery
from notifications.models import Message, RecipientSettings, Status
from notifications.services import notify


@pytest.fixture
def sms_row(user, case_context, sms, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 4
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 3600
    RecipientSettings.objects.create(user=user, sms_on=True)
    [row] = notify(
        recipient=user,
        template_key="case_assigned",
        context=case_context,
        dedup_key="k",
        channels=["sms"],
    )
    return row


def time_passes(row: Message) -> None:
    """The clock reaches the row's next attempt (moved back instead of waiting)."""
    Message.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_failing_sms_is_retried_with_growing_backoff_then_sent(sms_row, sms):
    sms.failures_left = 3
    waits = []
    for _ in range(3):
        before = timezone.now()
        outcome = delivery.deliver(sms_row.pk)
        sms_row.refresh_from_db()
        assert outcome.status == Status.RETRYING
        assert sms_row.status == Status.RETRYING
        waits.append((sms_row.next_attempt_at - before).total_seconds())
        assert outcome.retry_in == pytest.approx(waits[-1], abs=2)
        # Not due yet: a second delivery now does nothing
        assert delivery.deliver(sms_row.pk).status == delivery.NOT_DUE
        time_passes(sms_row)
    assert waits == [pytest.approx(30, abs=2), pytest.approx(60, abs=2), pytest.approx(120, abs=2)]
    assert delivery.deliver(sms_row.pk).status == Status.SENT
    sms_row.refresh_from_db()
    assert sms_row.status == Status.SENT
    assert sms_row.attempts == 4
    assert sms.sent == [
        {
            "phone": "13812345678",
            "template_id": "SMS_0001",
            "params": ["15号案件", "家访劝返", "2025-03-07 17:00"],
        }
    ]


def test_errors_never_keep_the_phone_number(sms_row, sms):
    sms.failures_left = 1
    delivery.deliver(sms_row.pk)
    sms_row.refresh_from_db()
    assert sms_row.last_error.startswith("TemporaryFailure: gateway timeout")
    assert "13812345678" not in sms_row.last_error
    assert "5678" not in sms_row.last_error


def test_after_the_last_attempt_the_row_is_dead_and_the_admin_brings_it_back(
    sms_row, sms, admin_client, django_capture_on_commit_callbacks
):
    sms.failures_left = 10
    for _ in range(4):
        time_passes(sms_row)
        delivery.deliver(sms_row.pk)
    sms_row.refresh_from_db()
    assert sms_row.status == Status.DEAD
    assert sms_row.attempts == 4
    # Dead rows are kept and not picked up again
    time_passes(sms_row)
    assert delivery.deliver_due() == {}

    # When the admin retries it after the gateway is back
    sms.failures_left = 0
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:notifications_message_changelist"),
            {"action": "retry", "_selected_action": [sms_row.pk]},
        )
    assert response.status_code == 302
    sms_row.refresh_from_db()
    assert sms_row.status == Status.SENT
    assert sms_row.attempts == 1
    assert len(sms.sent) == 1


def test_admin_shows_the_outbox_read_only(sms_row, admin_client):
    assert admin_client.get(reverse("admin:notifications_message_changelist")).status_code == 200
    change = reverse("admin:notifications_message_change", args=[sms_row.pk])
    assert admin_client.get(change).status_code == 200  # the read-only view
    delete = reverse("admin:notifications_message_delete", args=[sms_row.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Message.objects.filter(pk=sms_row.pk).exists()


def test_deliver_due_and_the_command_send_what_is_due(sms_row, sms, capsys):
    # Given a row whose delivery after commit was lost (never ran)
    assert sms_row.status == Status.PENDING
    call_command("deliver_notifications")
    sms_row.refresh_from_db()
    assert sms_row.status == Status.SENT
    assert "sent 1" in capsys.readouterr().out
    call_command("deliver_notifications")
    assert "nothing due" in capsys.readouterr().out


def test_a_row_abandoned_mid_send_is_taken_up_after_its_lease(sms_row, sms, settings):
    # A worker claimed the row and died before recording anything
    claimed = delivery._claim(sms_row.pk)
    assert claimed.attempts == 1
    assert delivery.deliver_due() == {}  # still leased
    time_passes(sms_row)
    assert delivery.deliver_due() == {Status.SENT: 1}


def test_backoff_is_capped(settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 600
    assert [delivery.backoff(n) for n in (1, 2, 3, 4, 5, 6)] == [30, 60, 120, 240, 480, 600]


def test_the_task_comes_back_after_the_backoff(sms_row, sms, monkeypatch):
    from notifications import tasks

    scheduled = []
    monkeypatch.setattr(
        tasks.deliver_message, "apply_async", lambda args, countdown: scheduled.append(countdown)
    )
    sms.failures_left = 1
    assert tasks.deliver_message(sms_row.pk) == Status.RETRYING
    assert scheduled == [30]
    time_passes(sms_row)
    assert tasks.deliver_message(sms_row.pk) == Status.SENT
    assert scheduled == [30]


def test_with_celery_the_row_goes_to_the_broker_after_commit(
    user, case_context, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications import tasks

    settings.NOTIFICATIONS_DELIVERY = "celery"
    queued = []
    monkeypatch.setattr(tasks.deliver_message, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        [row] = notify(
            recipient=user, template_key="case_assigned", context=case_context, dedup_key="k"
        )
    assert queued == [row.pk]


def test_a_broker_that_is_down_leaves_the_row_for_the_periodic_delivery(
    user, case_context, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications import tasks

    def broker_down(message_id):
        raise ConnectionRefusedError("redis://127.0.0.1:6379/0 refused")

    settings.NOTIFICATIONS_DELIVERY = "celery"
    monkeypatch.setattr(tasks.deliver_message, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):  # does not raise
        [row] = notify(
            recipient=user, template_key="case_assigned", context=case_context, dedup_key="k"
        )
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert delivery.deliver_due() == {Status.SENT: 1}
