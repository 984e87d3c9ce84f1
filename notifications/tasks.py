"""Celery tasks: they only carry outbox rows to `delivery`, which holds the rules.

Registered by name, so the beat schedule (settings) and other code can refer to them without
importing this module.
"""

from celery import shared_task

from . import delivery, receipts
from .models import Status


@shared_task(name="notifications.tasks.deliver_message", ignore_result=True)
def deliver_message(message_id: int) -> str:
    """Deliver one row; on a temporary failure, come back when its backoff is over."""
    outcome = delivery.deliver(message_id)
    if outcome.status == Status.RETRYING and outcome.retry_in is not None:
        deliver_message.apply_async((message_id,), countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="notifications.tasks.deliver_due", ignore_result=True)
def deliver_due() -> dict[str, int]:
    """Every minute (beat): deliver the open rows whose time has come."""
    return delivery.deliver_due()


@shared_task(name="notifications.tasks.pull_sms_receipts", ignore_result=True)
def pull_sms_receipts() -> dict[str, int]:
    """Every ten minutes (beat): record the SMS vendors' delivery reports."""
    return receipts.pull_receipts()
