"""The one clock the case engine reads.

Everything that stamps or compares a time (events, history rows, guards, deadlines) asks here,
so that the demo loader and tests can replay a case's past at the right dates with
`frozen(...)`. In production nothing freezes it and it is simply `timezone.now()`.
"""

import contextlib
import contextvars
import datetime
import zoneinfo

from django.utils import timezone

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")

_frozen: contextvars.ContextVar[datetime.datetime | None] = contextvars.ContextVar(
    "frozen_now", default=None
)


def now() -> datetime.datetime:
    return _frozen.get() or timezone.now()


def today() -> datetime.date:
    """Today's date in Asia/Shanghai, whatever the server's own zone."""
    return now().astimezone(TZ).date()


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last second of a day in Asia/Shanghai: deadlines fall at the end of a day."""
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=TZ)


@contextlib.contextmanager
def frozen(moment: datetime.datetime):
    """Read `moment` as now inside the block (demo replay and tests)."""
    if timezone.is_naive(moment):
        raise ValueError("frozen() needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)
