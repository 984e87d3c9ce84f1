"""Writing notifications: the contract the rest of the project calls.

`notify()` and `notify_group()` write outbox rows in the caller's transaction and hand them to
delivery after commit: a step that rolls back sends nothing, and a channel that is down never
fails the step. The same de-duplication key twice writes nothing new.
"""

import contextlib
import dataclasses
import functools
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import delivery
from .channels import dingtalk
from .channels import get as channel_named
from .messages import clean_context
from .models import Channel, DingTalkRobot, InboxItem, Message, RecipientSettings, Status

logger = logging.getLogger(__name__)

USER_CHANNELS = frozenset({Channel.INBOX, Channel.EMAIL, Channel.SMS})
GROUP_CHANNELS = frozenset({Channel.WECOM, Channel.DINGTALK})

NO_RECIPIENT = "notify() needs a recipient; use notify_group() for group robots."
BAD_DEDUP_KEY = "The de-duplication key must be 1 to 200 characters."
BAD_CHANNEL = "Channel %(name)s cannot carry this message; use one of %(allowed)s."

#: Statuses the admin's "retry" puts back to pending.
RETRYABLE_STATUSES = (Status.RETRYING, Status.DEAD, Status.SKIPPED)


def notify(
    *,
    recipient,
    template_key: str,
    context: Mapping[str, Any],
    dedup_key: str,
    channels: Iterable[str] | None = None,
    fresh: bool = False,
) -> list[Message]:
    """Write outbox rows (one per channel) in the caller's transaction; delivery after commit.
    A second call with the same dedup_key (and channel) writes nothing new and returns the
    existing rows.

    Channels by default: NOTIFICATIONS_DEFAULT_CHANNELS (the inbox) plus those the user turned
    on in their RecipientSettings (e-mail, SMS). A channel with no address for this user is
    still written and then marked skipped, so the admin can see why nothing went out.

    `fresh`: the key names something the caller's transaction has just written (a new event),
    so no row can have it yet; the rows are inserted without looking first.
    """
    if recipient is None:
        raise ValueError(NO_RECIPIENT)
    names = default_channels(recipient) if channels is None else list(channels)
    with _atomic():
        return _write(
            recipient=recipient,
            template_key=template_key,
            context=context,
            dedup_key=dedup_key,
            channels=_checked(names, USER_CHANNELS),
            fresh=fresh,
        )


@dataclasses.dataclass(frozen=True)
class Notice:
    """One message for one recipient, for `notify_many`."""

    recipient: Any
    template_key: str
    context: Mapping[str, Any]
    dedup_key: str


def notify_many(notices: Iterable[Notice]) -> list[Message]:
    """Many new messages at once (the sweep's alerts), in the caller's transaction: one insert
    for all of them, each recipient on their default channels. Only for keys the caller's
    transaction has just claimed (like `notify(fresh=True)`): nothing can have them yet."""
    rows, seen = [], set()
    for notice in notices:
        if notice.recipient is None:
            raise ValueError(NO_RECIPIENT)
        if not notice.dedup_key or len(notice.dedup_key) > 200:
            raise ValueError(BAD_DEDUP_KEY)
        stored = clean_context(notice.template_key, notice.context)
        for channel in _checked(default_channels(notice.recipient), USER_CHANNELS):
            key = (notice.dedup_key, channel, notice.recipient.pk)
            if key in seen:  # the same person twice (an owner who is also a supervisor)
                continue
            seen.add(key)
            rows.append(
                Message(
                    dedup_key=notice.dedup_key,
                    channel=channel,
                    recipient=notice.recipient,
                    template_key=notice.template_key,
                    context=stored,
                )
            )
    with _atomic():
        created = Message.objects.bulk_create(rows, batch_size=1000)
        if settings.NOTIFICATIONS_DELIVERY != "periodic":
            for message in created:
                transaction.on_commit(functools.partial(dispatch, message.pk))
    return created


def _atomic():
    """A transaction when the caller has none; inside the caller's, no savepoint: a failure
    rolls the caller's work back with it, as it must."""
    if transaction.get_connection().in_atomic_block:
        return contextlib.nullcontext()
    return transaction.atomic()


@transaction.atomic
def notify_group(
    *,
    template_key: str,
    context: Mapping[str, Any],
    dedup_key: str,
    if_configured: bool = False,
    units: Sequence[Any] = (),
) -> list[Message]:
    """The same for group robots (WeCom, NOTIFICATIONS_GROUP_CHANNELS), no recipient user.
    A group channel without its webhook gets a row that is then skipped, so the admin sees why
    nothing went out; with `if_configured` (a periodic job) it gets no row at all.

    `units`: the jurisdiction units (ids or units) the message is about, nearest first (a
    case's township, then its county): the DingTalk row goes to the first of them with an
    active robot, else to the robot of the settings."""
    names = _checked(settings.NOTIFICATIONS_GROUP_CHANNELS, GROUP_CHANNELS)
    robot = None
    if Channel.DINGTALK in names:
        robot = dingtalk.robot_for([getattr(unit, "pk", unit) for unit in units])
    if if_configured:
        names = [name for name in names if _has_address(name, robot)]
    return _write(
        recipient=None,
        template_key=template_key,
        context=context,
        dedup_key=dedup_key,
        channels=names,
        robot=robot,
    )


def _has_address(name: str, robot: DingTalkRobot | None) -> bool:
    if name == Channel.DINGTALK:
        return robot is not None or dingtalk.settings_robot() is not None
    return channel_named(name).configured()


@transaction.atomic
def notify_robot(
    *, robot: DingTalkRobot, template_key: str, context: Mapping[str, Any], dedup_key: str
) -> Message:
    """One message to one unit's DingTalk robot (a township's digest), whatever the group
    channels are; the same key twice writes nothing new and returns the first row."""
    [message] = _write(
        recipient=None,
        template_key=template_key,
        context=context,
        dedup_key=dedup_key,
        channels=[Channel.DINGTALK],
        robot=robot,
    )
    return message


def default_channels(user) -> list[str]:
    names = list(settings.NOTIFICATIONS_DEFAULT_CHANNELS)
    try:
        # loaded with the user where the caller asked for it (workflows.routing.holders_of)
        prefs = user.notification_settings
    except RecipientSettings.DoesNotExist:
        prefs = None
    if prefs is not None:
        if prefs.email_on:
            names.append(Channel.EMAIL)
        if prefs.sms_on:
            names.append(Channel.SMS)
    return names


@transaction.atomic
def messages_retry(*, messages: QuerySet[Message]) -> int:
    """Put dead, retrying or skipped rows back to pending with a fresh set of attempts, and
    deliver them after commit (the admin's "retry")."""
    now = timezone.now()
    count = 0
    ids = list(messages.values_list("pk", flat=True))
    rows = Message.objects.select_for_update().filter(pk__in=ids, status__in=RETRYABLE_STATUSES)
    for message in rows:
        message.status = Status.PENDING
        message.attempts = 0
        message.next_attempt_at = now
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
        transaction.on_commit(functools.partial(dispatch, message.pk))
        count += 1
    return count


def dispatch(message_id: int) -> None:
    """Hand a committed row to delivery: a Celery task when NOTIFICATIONS_DELIVERY is "celery",
    else right here. Errors are logged, not raised: the user's request has already done its
    work, and the row stays open for deliver_due to pick up."""
    try:
        if settings.NOTIFICATIONS_DELIVERY == "celery":
            from .tasks import deliver_message  # imports Celery only where it is used

            deliver_message.delay(message_id)
        else:
            delivery.deliver(message_id)
    except Exception as error:  # a broker or database hiccup must not fail the request
        logger.warning(
            "Notification %s left for the periodic delivery: %s",
            message_id,
            delivery.safe_error(error),
        )


def _checked(names: Iterable[str], allowed: frozenset[str]) -> list[str]:
    unique = list(dict.fromkeys(str(name) for name in names))
    for name in unique:
        if name not in allowed:
            raise ValueError(BAD_CHANNEL % {"name": name, "allowed": sorted(allowed)})
    return unique


def _write(
    *,
    recipient,
    template_key: str,
    context: Mapping[str, Any],
    dedup_key: str,
    channels: list[str],
    fresh: bool = False,
    robot: DingTalkRobot | None = None,
) -> list[Message]:
    if not dedup_key or len(dedup_key) > 200:
        raise ValueError(BAD_DEDUP_KEY)
    stored = clean_context(template_key, context)
    if fresh:  # user channels only: no robot
        rows = Message.objects.bulk_create(
            Message(
                dedup_key=dedup_key,
                channel=channel,
                recipient=recipient,
                template_key=template_key,
                context=stored,
            )
            for channel in channels
        )
        if settings.NOTIFICATIONS_DELIVERY != "periodic":
            for message in rows:
                transaction.on_commit(functools.partial(dispatch, message.pk))
        return rows
    rows = []
    for channel in channels:
        # get_or_create inserts in a savepoint and re-reads on a unique violation, so two
        # writers racing on one key end with one row and the caller's transaction intact.
        message, created = Message.objects.get_or_create(
            dedup_key=dedup_key,
            channel=channel,
            recipient=recipient,
            defaults={
                "template_key": template_key,
                "context": stored,
                "robot": robot if channel == Channel.DINGTALK else None,
            },
        )
        if created and settings.NOTIFICATIONS_DELIVERY != "periodic":
            transaction.on_commit(functools.partial(dispatch, message.pk))
        rows.append(message)
    return rows


def inbox_item_read(*, item: InboxItem) -> InboxItem:
    """Mark one inbox item read (once: the first reading time is kept)."""
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return item


def inbox_read_all(*, user) -> int:
    """Mark every unread item of the user read; returns how many were unread."""
    return InboxItem.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
