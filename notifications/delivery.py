"""Delivery of outbox rows: claim a row, send it, record what happened.

`deliver()` claims the row in a short transaction (row lock; skip it if it is done or not due),
counting the attempt and pushing `next_attempt_at` past a lease, then sends with no transaction
open: a slow SMTP server or webhook must not hold a database lock (on SQLite that would be the
lock of the whole database). A worker that dies mid-send leaves the row open; the periodic
`deliver_due()` takes it up again once the lease has passed. Delivery is therefore at least
once; the inbox channel is idempotent per row, and the rest is what the channels themselves give.

Failures are retried with exponential backoff (NOTIFICATIONS_RETRY_BASE_SECONDS × 2^(n−1), at
most NOTIFICATIONS_RETRY_MAX_SECONDS) and dead-lettered after NOTIFICATIONS_MAX_ATTEMPTS.
"""

import dataclasses
import datetime
import logging
import re
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import channels, messages
from .models import OPEN_STATUSES, Message, Receipt, Status

logger = logging.getLogger(__name__)

#: Outcomes that are not a row status.
MISSING = "missing"
NOT_DUE = "not_due"

# A row counts as due this close to its time, so that a task whose countdown ran a moment
# early (clocks of two processes) still sends.
_DUE_SLACK = datetime.timedelta(seconds=1)
_DIGITS = re.compile(r"\d{7,}")  # phone, landline and identity numbers; not error codes
_ADDRESS = re.compile(r"\b\w+://\S+")
_SECRET = re.compile(r"(key|token|secret|password)=\S+", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: str  # the row's status after this call, or MISSING / NOT_DUE
    retry_in: float | None = None  # seconds until the next attempt, when retrying


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed attempt."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    return float(min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATIONS_RETRY_MAX_SECONDS))


def safe_error(error: BaseException) -> str:
    """The exception class and a short message with digit runs, addresses and secrets removed:
    a channel error can quote a phone number or the webhook's key, and neither may be kept."""
    text = _ADDRESS.sub("<address>", str(error))
    text = _SECRET.sub(r"\1=***", text)
    text = _DIGITS.sub("…", text)
    return f"{type(error).__name__}: {text}"[:300].rstrip(": ")


def deliver(message_id: int) -> Outcome:
    """Send one outbox row if it is open and due; never raises for a channel's failure."""
    message = _claim(message_id)
    if isinstance(message, Outcome):
        return message
    try:
        rendered = messages.render(message.template_key, message.context)
        handed = channels.get(message.channel).send(message, rendered)
    except channels.Skipped as reason:
        return _record(message, Status.SKIPPED, note=str(reason))
    except channels.Deferred as later:
        return _defer(message, later)
    except channels.PermanentFailure as error:
        return _fail(message, error, permanent=True)
    except Exception as error:  # every other failure may pass: retry it with backoff
        return _fail(message, error, permanent=False)
    return _record(message, Status.SENT, handed=handed)


def deliver_due(*, limit: int = 200) -> dict[str, int]:
    """Send every open row whose time has come (oldest first, at most `limit`); the safety net
    for a lost Celery message, a worker that died, and retries on a laptop without Celery."""
    ids = list(
        Message.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return dict(Counter(deliver(pk).status for pk in ids))


def _claim(message_id: int) -> Message | Outcome:
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return Outcome(MISSING)
        if message.status not in OPEN_STATUSES:
            return Outcome(message.status)
        if message.next_attempt_at > now + _DUE_SLACK:
            return Outcome(NOT_DUE)
        message.attempts += 1
        lease = datetime.timedelta(seconds=settings.NOTIFICATIONS_SEND_LEASE_SECONDS)
        message.next_attempt_at = now + lease
        message.save(update_fields=["attempts", "next_attempt_at"])
    return message


def _record(
    message: Message, status: str, *, note: str = "", handed: channels.Handed | None = None
) -> Outcome:
    message.status = status
    if status == Status.SENT:
        message.sent_at = timezone.now()
    message.last_error = note[:300]
    fields = ["status", "sent_at", "last_error"]
    if handed is not None:  # the vendor's id, and a delivery report to wait for
        message.sms_vendor, message.vendor_message_id = handed.vendor, handed.vendor_id[:64]
        message.receipt = Receipt.WAITING
        fields += ["sms_vendor", "vendor_message_id", "receipt"]
    message.save(update_fields=fields)
    return Outcome(status)


def _defer(message: Message, later) -> Outcome:
    """Not sent yet, by the channel's own limit: the attempt is given back."""
    message.attempts -= 1
    message.next_attempt_at = timezone.now() + datetime.timedelta(seconds=later.seconds)
    message.last_error = str(later)[:300]
    if message.status == Status.PENDING or message.attempts == 0:
        message.status = Status.PENDING
    message.save(update_fields=["attempts", "next_attempt_at", "last_error", "status"])
    return Outcome(message.status, later.seconds)


def _fail(message: Message, error: Exception, *, permanent: bool) -> Outcome:
    message.last_error = safe_error(error)
    if permanent or message.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        message.status = Status.DEAD
        retry_in = None
    else:
        message.status = Status.RETRYING
        retry_in = backoff(message.attempts)
        message.next_attempt_at = timezone.now() + datetime.timedelta(seconds=retry_in)
    message.save(update_fields=["status", "last_error", "next_attempt_at"])
    logger.warning(
        "Notification %s (%s) attempt %s failed, now %s: %s",
        message.pk,
        message.channel,
        message.attempts,
        message.status,
        message.last_error,
    )
    return Outcome(message.status, retry_in)
