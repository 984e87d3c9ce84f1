"""Per-process copies of what every step reads and an administrator rarely changes: each
county's stage policies (with the history row of each, the version a stage starts under), the
calendar corrections and the documents' wordings.

A change saved in this process clears them at once (signals, and again when its transaction
commits); other processes load them again within REFRESH_SECONDS of the change, and the admin
says so. The sweep never reads a running stage's policy from here: it reads the history row
the stage started under.
"""

import dataclasses
import threading
import time

from django.db import transaction
from django.db.models import Max
from django.db.models.signals import post_delete, post_save

from cases.models import Wording

from .models import CalendarDay, StagePolicy

REFRESH_SECONDS = 30

_lock = threading.Lock()
_loaded: dict[str, tuple[float, object]] = {}


@dataclasses.dataclass(frozen=True)
class Calendar:
    national: dict  # date -> is_working_day
    by_county: dict  # county id -> {date -> is_working_day}


def _remembered(key: str, load):
    now = time.monotonic()
    with _lock:
        entry = _loaded.get(key)
    if entry is not None and now - entry[0] < REFRESH_SECONDS:
        return entry[1]
    value = load()
    with _lock:
        _loaded[key] = (now, value)
    return value


def policies_of(county_id: int) -> dict[str, tuple[StagePolicy, int | None]]:
    """{stage: (the county's policy row, its newest history id)} for the stages it has rows
    for (two queries when not remembered)."""

    def load():
        rows = list(StagePolicy.objects.filter(county_id=county_id))
        versions = dict(
            StagePolicy.history.filter(id__in=[row.pk for row in rows])
            .values("id")
            .annotate(newest=Max("history_id"))
            .values_list("id", "newest")
        )
        return {row.stage: (row, versions.get(row.pk)) for row in rows}

    return _remembered(f"policies-{county_id}", load)


def calendar() -> Calendar:
    """Every calendar correction (a few dozen rows a year), national and per county."""

    def load():
        national, by_county = {}, {}
        for day, county_id, working in CalendarDay.objects.values_list(
            "date", "county_id", "is_working_day"
        ):
            if county_id is None:
                national[day] = working
            else:
                by_county.setdefault(county_id, {})[day] = working
        return Calendar(national, by_county)

    return _remembered("calendar", load)


def wordings() -> dict:
    """{kind: the newest stored version of its wording} (one query when not remembered)."""

    def load():
        newest = {}
        for wording in Wording.objects.order_by("kind", "version"):
            newest[wording.kind] = wording
        return newest

    return _remembered("wordings", load)


def clear() -> None:
    """Forget everything remembered."""
    with _lock:
        _loaded.clear()


def forget(prefix: str) -> None:
    """Forget what is remembered under keys starting with `prefix`."""
    with _lock:
        for key in [key for key in _loaded if key.startswith(prefix)]:
            del _loaded[key]


# A change forgets only its own kind: a wording saved (the built-in one, the first time a kind
# is issued) leaves the policies and the calendar remembered.
KEYS = {StagePolicy: "policies-", CalendarDay: "calendar", Wording: "wordings"}


def _changed(sender, **_signal) -> None:
    prefix = KEYS[sender]
    forget(prefix)
    transaction.on_commit(lambda: forget(prefix))


for _model in KEYS:
    post_save.connect(_changed, sender=_model, dispatch_uid=f"cache-{_model.__name__}-save")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"cache-{_model.__name__}-delete")
