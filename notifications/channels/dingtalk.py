"""DingTalk (钉钉) custom group robot, signed: POST {"msgtype": "markdown", ...} to the robot's
address with `timestamp` (ms) and `sign` = base64(HMAC-SHA256(secret, timestamp + "\\n" +
secret)), URL-encoded. A robot takes 20 messages a minute and blocks a sender for ten minutes
past that, so this channel counts its sends per robot (per address) and, at the limit, waits
(the row is tried again after the minute, without using up an attempt) instead of being
blocked. The address holds the robot's token and the secret signs: neither is ever logged or
kept in an error.

Which robot: the row's own (`Message.robot`, a county's or township's, chosen when the row was
written), else the one in the settings (DINGTALK_WEBHOOK_URL, DINGTALK_SECRET)."""

import base64
import hashlib
import hmac
import time
import urllib.parse

from django.conf import settings
from django.core.cache import cache

from ..models import DingTalkRobot
from . import wecom
from .base import Deferred, Skipped, TemporaryFailure

PER_MINUTE = 20
# A slot is held a second longer than the robot's minute: its clock and ours differ a little.
WINDOW_SECONDS = 61
RATE_LIMITED = 130101  # "send too fast"
MAX_TEXT_BYTES = 20000


def sign(secret: str, timestamp_ms: int) -> str:
    text = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), text, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    return f"{url}&timestamp={timestamp_ms}&sign={sign(secret, timestamp_ms)}"


def _take_a_slot(url: str) -> None:
    """Take one of the robot's PER_MINUTE slots, or wait without using an attempt.

    A slot is a cache key added atomically (Redis SET NX: no read-then-write that two workers
    could both pass) and expiring WINDOW_SECONDS after the send it stands for, so the robot
    never sees more than PER_MINUTE sends in any minute, a burst at a minute's edge included
    (DingTalk counts a sliding minute, not the clock's). The keys hold a digest of the address:
    the token itself goes nowhere. With all slots held, the row waits until the oldest frees."""
    robot = hashlib.sha256(url.encode()).hexdigest()[:16]
    now = time.time()
    keys = [f"dingtalk-{robot}-slot-{n}" for n in range(PER_MINUTE)]
    for key in keys:
        if cache.add(key, now + WINDOW_SECONDS, timeout=WINDOW_SECONDS):
            return
    frees_at = min(cache.get_many(keys).values(), default=now)
    raise Deferred("20 messages in the last minute: waiting", seconds=max(frees_at - now, 0) + 1)


def payload(rendered) -> dict:
    text = wecom.markdown(rendered)
    encoded = text.encode()
    if len(encoded) > MAX_TEXT_BYTES:
        text = encoded[: MAX_TEXT_BYTES - 3].decode(errors="ignore") + "…"
    return {"msgtype": "markdown", "markdown": {"title": rendered.title, "text": text}}


def settings_robot() -> tuple[str, str] | None:
    """The robot of the settings (the fallback): its address and secret, if both are set."""
    if settings.DINGTALK_WEBHOOK_URL and settings.DINGTALK_SECRET:
        return settings.DINGTALK_WEBHOOK_URL, settings.DINGTALK_SECRET
    return None


def robot_for(unit_ids) -> DingTalkRobot | None:
    """The first of these units (nearest first) with an active robot; one query."""
    wanted = [unit for unit in unit_ids if unit]
    if not wanted:
        return None
    robots = DingTalkRobot.objects.filter(unit_id__in=wanted, active=True)
    found = {robot.unit_id: robot for robot in robots}
    return next((found[unit] for unit in wanted if unit in found), None)


class DingTalkChannel:
    name = "dingtalk"

    def configured(self) -> bool:
        return settings_robot() is not None or DingTalkRobot.objects.filter(active=True).exists()

    def send(self, message, rendered) -> None:
        url, secret = _address(message)
        _take_a_slot(url)
        try:
            wecom.post_json(
                signed_url(url, secret, int(time.time() * 1000)),
                payload(rendered),
                rate_limited=(RATE_LIMITED,),
            )
        except TemporaryFailure as error:
            if str(RATE_LIMITED) in str(error):  # the robot blocks a sender for ten minutes
                raise Deferred("the robot's limit: waiting ten minutes", seconds=600) from None
            raise


def _address(message) -> tuple[str, str]:
    if message.robot_id is None:
        robot = settings_robot()
        if robot is None:
            raise Skipped("no DingTalk robot configured")
        return robot
    robot = DingTalkRobot.objects.get(pk=message.robot_id)
    if not robot.active:
        raise Skipped("the unit's DingTalk robot is switched off")
    return robot.webhook_url, robot.secret
