"""How far a running import has come, for its page's progress bar: kept in the cache (shared
with the worker through Redis in production, in the process's memory otherwise), since the
import's own rows are not visible until its transaction commits."""

import dataclasses

from django.core.cache import cache

# Each phase's share of the bar: reading and checking every row again, then writing them.
PHASES = {"checking": (0, 40), "writing": (40, 100)}
EXPIRES = 6 * 3600
EVERY = 500  # rows between two reports: a report is one cache write


@dataclasses.dataclass(frozen=True)
class Progress:
    phase: str = ""
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        start, end = PHASES.get(self.phase, (0, 0))
        if not self.total:
            return start
        return start + (end - start) * min(self.done, self.total) // self.total


def _key(import_id: int) -> str:
    return f"roster-import-progress:{import_id}"


def report(import_id: int, phase: str, done: int, total: int) -> None:
    cache.set(_key(import_id), (phase, done, total), EXPIRES)


def read(import_id: int) -> Progress:
    found = cache.get(_key(import_id))
    return Progress(*found) if found else Progress()


def clear(import_id: int) -> None:
    cache.delete(_key(import_id))


class Reporter:
    """Called with each row done: reports every EVERY rows and at the end of a phase; with
    `also`, hands the same figures to a second listener (the command line's)."""

    def __init__(self, import_id: int, also=None) -> None:
        self.import_id = import_id
        self.also = also

    def __call__(self, phase: str, done: int, total: int) -> None:
        if done % EVERY and done != total:
            return
        report(self.import_id, phase, done, total)
        if self.also is not None:
            self.also(phase, done, total)
