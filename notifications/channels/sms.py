"""SMS through a provider. SMS in China is template-only: the vendor sends a pre-approved
signature and template with ordered parameters, never free text, so the channel hands the
provider a template id and the parameters, and the phone number goes nowhere else.

The provider is named by the dotted path NOTIFICATIONS_SMS_PROVIDER; the template id for each
message by NOTIFICATIONS_SMS_TEMPLATES ({template key: vendor template id}). A message whose
template has no SMS id is skipped: some vendors give education senders verification codes only,
so SMS is optional and the inbox and the group robot must carry everything on their own.

A vendor that names the message it took (Alibaba's BizId, Tencent's SerialNo) has it kept on
the row; `notifications.receipts` later asks the vendor what became of it (its 回执).
"""

import dataclasses
import datetime
import logging
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from ..models import Channel, Message, Status
from .base import Handed, Skipped

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Waiting:
    """A sent message whose delivery report is still to come, as a vendor's query needs it."""

    vendor_id: str
    sent_at: datetime.datetime
    recipient: object  # the user: Alibaba's query wants the number, looked up when asked


@dataclasses.dataclass(frozen=True)
class Report:
    """A vendor's delivery report of one message."""

    vendor_id: str
    receipt: str  # a models.Receipt value
    code: str  # the carrier's code (DELIVERED, DELIVRD, MK:0001, …)
    at: datetime.datetime | None  # when the phone received it, or the failure was reported
    phone: str  # masked


class SmsProvider(Protocol):
    vendor: str  # the name kept on the row, to ask the same vendor for the report

    def send(self, *, phone: str, template_id: str, params: list[str]) -> str | None:
        """Send one templated SMS and give the vendor's id of it, if any; or raise
        (TemporaryFailure / PermanentFailure / any)."""

    def receipts(self, waiting: list[Waiting]) -> list[Report]:
        """The delivery reports the vendor has for these messages (or any it hands out)."""


class ConsoleSmsProvider:
    """The default: logs what would be sent, without the number, and sends nothing."""

    vendor = "console"

    def send(self, *, phone: str, template_id: str, params: list[str]) -> None:
        logger.info("SMS (console provider) template=%s params=%s", template_id, params)

    def receipts(self, waiting: list[Waiting]) -> list[Report]:
        return []


def provider() -> SmsProvider:
    return import_string(settings.NOTIFICATIONS_SMS_PROVIDER)()


class SmsChannel:
    name = "sms"

    def configured(self) -> bool:
        return True

    def send(self, message, rendered) -> Handed | None:
        template_id = settings.NOTIFICATIONS_SMS_TEMPLATES.get(message.template_key)
        if not template_id:
            raise Skipped("no SMS template for this message")
        if _sent_today(message.recipient_id) >= settings.NOTIFICATIONS_SMS_DAILY_CAP > 0:
            raise Skipped("today's SMS cap for this person is reached")
        phone = phone_of(message.recipient)
        if not phone:
            raise Skipped("no mobile number")
        vendor = provider()
        vendor_id = vendor.send(phone=phone, template_id=template_id, params=rendered.sms_params)
        return Handed(vendor.vendor, vendor_id) if vendor_id else None


def phone_of(user) -> str:
    """The user's mobile number from NOTIFICATIONS_PHONE_LOOKUP, at the moment it is needed."""
    lookup = settings.NOTIFICATIONS_PHONE_LOOKUP
    return (import_string(lookup)(user) if lookup else "") or ""


def masked(phone: str) -> str:
    """138****5678 (the digits after a country code +86 likewise): enough to tell numbers
    apart in the admin, never the number."""
    digits = phone.removeprefix("+86").removeprefix("86") if len(phone) > 11 else phone
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def _sent_today(recipient_id) -> int:
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Message.objects.filter(
        channel=Channel.SMS, recipient_id=recipient_id, status=Status.SENT, sent_at__gte=midnight
    ).count()
