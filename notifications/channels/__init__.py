"""Delivery channels behind one small interface (`base.Channel`): the in-app inbox, e-mail,
SMS through a provider, and the WeCom and DingTalk group robots. `get(name)` gives the channel
for an outbox row's `channel` field."""

from .base import Channel, Deferred, Handed, PermanentFailure, Skipped, TemporaryFailure
from .dingtalk import DingTalkChannel
from .email import EmailChannel
from .inbox import InboxChannel
from .sms import SmsChannel
from .wecom import WeComChannel

CHANNELS: dict[str, Channel] = {
    "inbox": InboxChannel(),
    "email": EmailChannel(),
    "sms": SmsChannel(),
    "wecom": WeComChannel(),
    "dingtalk": DingTalkChannel(),
}


def get(name: str) -> Channel:
    return CHANNELS[name]


__all__ = [
    "CHANNELS",
    "Channel",
    "Deferred",
    "Handed",
    "PermanentFailure",
    "Skipped",
    "TemporaryFailure",
    "get",
]
