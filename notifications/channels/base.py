"""What a channel is, and how it tells delivery what happened.

A channel's `send` returns normally when the message is handed over (with a `Handed` when the
vendor gave the message an id of its own, for its delivery report). It raises `Skipped` when
there is nothing to send to (no address: the row is done, with the reason), `PermanentFailure`
when trying again cannot help (the row is dead-lettered at once), and `TemporaryFailure` or any
other exception when a later attempt may work (the row is retried with backoff).
"""

import dataclasses
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..messages import Rendered
    from ..models import Message


class Skipped(Exception):
    """Nothing to send to; the reason is recorded on the row."""


class TemporaryFailure(Exception):
    """The channel is down or rate-limited: try again later."""


class Deferred(Exception):
    """The channel is at its own rate limit: send later, after `seconds`, without counting a
    failed attempt (a robot that blocks a sender past its limit is waited for, not hammered)."""

    def __init__(self, reason: str, *, seconds: float) -> None:
        super().__init__(reason)
        self.seconds = seconds


class PermanentFailure(Exception):
    """The channel refused the message for good (a bad key, an invalid address)."""


@dataclasses.dataclass(frozen=True)
class Handed:
    """A message the vendor took and named: its id (Alibaba's BizId, Tencent's SerialNo) is how
    its delivery report will name it."""

    vendor: str
    vendor_id: str


class Channel(Protocol):
    name: str

    def configured(self) -> bool:
        """Whether the channel has where to send at all (a group robot needs its webhook)."""

    def send(self, message: "Message", rendered: "Rendered") -> Handed | None:
        """Hand one rendered message to the channel, or raise one of the errors above."""
