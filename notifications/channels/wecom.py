"""WeCom (企业微信) group robot: POST {"msgtype": "markdown", ...} to the group's webhook.

The webhook address holds the robot's key, so it is never logged or stored in an error. The
robot takes 20 messages a minute and answers errcode 45009 past that: a temporary failure,
retried with backoff. Content is capped at 4096 bytes of UTF-8.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings

from .base import PermanentFailure, Skipped, TemporaryFailure

MAX_CONTENT_BYTES = 4096
TIMEOUT_SECONDS = 10
RATE_LIMITED = 45009
SYSTEM_BUSY = -1


def markdown(rendered) -> str:
    """The message as WeCom markdown, cut to the robot's limit without splitting a character."""
    link = f"[{rendered.link_text}]({rendered.absolute_url})" if rendered.absolute_url else ""
    content = f"**{rendered.title}**\n> {rendered.body}\n{link}".rstrip()
    encoded = content.encode()
    if len(encoded) <= MAX_CONTENT_BYTES:
        return content
    return encoded[: MAX_CONTENT_BYTES - 3].decode(errors="ignore") + "…"


def post(url: str, content: str) -> None:
    """Send one markdown message; raise Temporary/PermanentFailure as the robot answers."""
    post_json(url, {"msgtype": "markdown", "markdown": {"content": content}})


def post_json(url: str, body: dict, *, rate_limited=(RATE_LIMITED, SYSTEM_BUSY)) -> None:
    """POST a robot's JSON; its `errcode` says how it went (the same for WeCom and DingTalk:
    0 sent, `rate_limited` codes try again later, any other refused for good)."""
    payload = json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the address is the configured https webhook
        url, data=payload, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - as above
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        if error.code >= 500 or error.code == 429:
            raise TemporaryFailure(f"HTTP {error.code}") from None
        raise PermanentFailure(f"HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TemporaryFailure(type(error).__name__) from None
    except ValueError:
        raise TemporaryFailure("the robot's answer is not JSON") from None
    if not isinstance(answer, dict):
        raise TemporaryFailure("the robot's answer is not a JSON object")
    code = answer.get("errcode", 0)
    if code in rate_limited:
        raise TemporaryFailure(f"errcode {code}")
    if code != 0:
        raise PermanentFailure(f"errcode {code}")


class WeComChannel:
    name = "wecom"

    def configured(self) -> bool:
        return bool(settings.WECOM_WEBHOOK_URL)

    def send(self, message, rendered) -> None:
        url = settings.WECOM_WEBHOOK_URL
        if not url:
            raise Skipped("no WeCom webhook configured")
        post(url, markdown(rendered))
