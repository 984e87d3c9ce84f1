"""SMS through a provider. SMS in China is template-only: the vendor sends a pre-approved
signature and template with ordered parameters, never free text, so the channel hands the
provider a template id and the parameters, and the phone number goes nowhere else.

The provider is named by the dotted path NOTIFICATIONS_SMS_PROVIDER; the template id for each
message by NOTIFICATIONS_SMS_TEMPLATES ({template key: vendor template id}). A message whose
template has no SMS id is skipped: some vendors give education senders verification codes only,
so SMS is optional and the inbox and the group robot must carry everything on their own.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from ..models import Channel, Message, Status
from .base import Skipped

logger = logging.getLogger(__name__)


class SmsProvider(Protocol):
    def send(self, *, phone: str, template_id: str, params: list[str]) -> None:
        """Send one templated SMS, or raise (TemporaryFailure / PermanentFailure / any)."""


class ConsoleSmsProvider:
    """The default: logs what would be sent, without the number, and sends nothing."""

    def send(self, *, phone: str, template_id: str, params: list[str]) -> None:
        logger.info("SMS (console provider) template=%s params=%s", template_id, params)


def provider() -> SmsProvider:
    return import_string(settings.NOTIFICATIONS_SMS_PROVIDER)()


class SmsChannel:
    name = "sms"

    def configured(self) -> bool:
        return True

    def send(self, message, rendered) -> None:
        template_id = settings.NOTIFICATIONS_SMS_TEMPLATES.get(message.template_key)
        if not template_id:
            raise Skipped("no SMS template for this message")
        if _sent_today(message.recipient_id) >= settings.NOTIFICATIONS_SMS_DAILY_CAP > 0:
            raise Skipped("today's SMS cap for this person is reached")
        lookup = settings.NOTIFICATIONS_PHONE_LOOKUP
        phone = import_string(lookup)(message.recipient) if lookup else ""
        if not phone:
            raise Skipped("no mobile number")
        provider().send(phone=phone, template_id=template_id, params=rendered.sms_params)


def _sent_today(recipient_id) -> int:
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Message.objects.filter(
        channel=Channel.SMS, recipient_id=recipient_id, status=Status.SENT, sent_at__gte=midnight
    ).count()
