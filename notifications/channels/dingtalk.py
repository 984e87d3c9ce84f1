"""DingTalk (钉钉) custom group robot, signed: POST {"msgtype": "markdown", ...} to the robot's
address with `timestamp` (ms) and `sign` = base64(HMAC-SHA256(secret, timestamp + "\\n" +
secret)), URL-encoded. The robot takes 20 messages a minute and blocks a sender for ten minutes
past that, so this channel counts its own sends and, at the limit, waits (a temporary failure:
the row is tried again after the minute) instead of being blocked. The address holds the
robot's token and the secret signs: neither is ever logged or kept in an error."""

import base64
import hashlib
import hmac
import time
import urllib.parse

from django.conf import settings
from django.core.cache import cache

from . import wecom
from .base import Deferred, Skipped, TemporaryFailure

PER_MINUTE = 20
RATE_LIMITED = 130101  # "send too fast"
MAX_TEXT_BYTES = 20000


def sign(secret: str, timestamp_ms: int) -> str:
    text = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), text, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    return f"{url}&timestamp={timestamp_ms}&sign={sign(secret, timestamp_ms)}"


def _take_a_slot() -> None:
    """Count this send in the last minute (two minute-buckets weighted, so that a burst at a
    minute's edge stays under the robot's limit); at the limit, wait without using an attempt.
    The count is in the Django cache: Redis (REDIS_URL) shares it between workers."""
    now = time.time()
    minute = int(now // 60)
    current, previous = f"dingtalk-sent-{minute}", f"dingtalk-sent-{minute - 1}"
    cache.add(current, 0, timeout=180)
    earlier = cache.get(previous, 0) * (1 - (now % 60) / 60)
    if cache.get(current, 0) + earlier >= PER_MINUTE:
        raise Deferred("20 messages in the last minute: waiting", seconds=60 - now % 60 + 1)
    cache.incr(current)


def payload(rendered) -> dict:
    text = wecom.markdown(rendered)
    encoded = text.encode()
    if len(encoded) > MAX_TEXT_BYTES:
        text = encoded[: MAX_TEXT_BYTES - 3].decode(errors="ignore") + "…"
    return {"msgtype": "markdown", "markdown": {"title": rendered.title, "text": text}}


class DingTalkChannel:
    name = "dingtalk"

    def configured(self) -> bool:
        return bool(settings.DINGTALK_WEBHOOK_URL and settings.DINGTALK_SECRET)

    def send(self, message, rendered) -> None:
        if not self.configured():
            raise Skipped("no DingTalk robot configured")
        _take_a_slot()
        url = signed_url(
            settings.DINGTALK_WEBHOOK_URL, settings.DINGTALK_SECRET, int(time.time() * 1000)
        )
        try:
            wecom.post_json(url, payload(rendered), rate_limited=(RATE_LIMITED,))
        except TemporaryFailure as error:
            if str(RATE_LIMITED) in str(error):  # the robot blocks a sender for ten minutes
                raise Deferred("the robot's limit: waiting ten minutes", seconds=600) from None
            raise
