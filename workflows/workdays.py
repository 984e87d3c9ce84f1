"""The working-day calendar of mainland China, for deadlines.

Three sources, most specific first: an administrator's `CalendarDay` for the county, a national
`CalendarDay`, then the `chinesecalendar` package (statutory holidays and the weekend days made
working days, 调休, as the State Council announced them). For a year that package does not know
yet, the `holidays` package computes the statutory holidays (元旦, 春节, 清明, 劳动节, 端午, 中秋,
国庆, the lunar ones included) and weekends are days off; the make-up Saturdays stay unknown until
an administrator adds them, and the pages say that the year is not confirmed. Never an error: a
deadline must always be computable.
"""

import datetime
import functools

import chinese_calendar
import holidays

from . import cache

_KNOWN_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


@functools.cache
def _computed_holidays(year: int) -> frozenset[datetime.date]:
    """Statutory holidays of mainland China in `year`, computed (no 调休 working days)."""
    return frozenset(holidays.China(years=year))


def year_confirmed(year: int) -> bool:
    """Whether the State Council's schedule for `year` is known: to the package, or entered by an
    administrator as national calendar days."""
    if year in _KNOWN_YEARS:
        return True
    return any(day.year == year for day in cache.calendar().national)


# Look this far ahead when counting working days: longer than any holiday run plus a deadline.
_HORIZON_DAYS = 120


def _package_says(day: datetime.date) -> bool:
    if day.year in _KNOWN_YEARS:
        if day in chinese_calendar.workdays:
            return True
        if day in chinese_calendar.holidays:
            return False
        return day.weekday() < 5
    return day.weekday() < 5 and day not in _computed_holidays(day.year)


def overrides(start: datetime.date, end: datetime.date, county=None) -> dict:
    """Administrator corrections between two dates: date -> is_working_day, a county's over the
    national ones (from the process's copy, workflows.cache)."""
    corrections = cache.calendar()
    local = corrections.by_county.get(getattr(county, "pk", county), {})
    return {
        day: working
        for source in (corrections.national, local)
        for day, working in source.items()
        if start <= day <= end
    }


def _judge(corrected: dict):
    """Whether a day is a working day: the administrators' correction, else the package."""

    def working(day: datetime.date) -> bool:
        return corrected[day] if day in corrected else _package_says(day)

    return working


def judge_between(start: datetime.date, end: datetime.date, county=None):
    """A function telling whether a day between `start` and `end` is a working day, with the
    corrections read once for the whole range."""
    return _judge(overrides(start, end, county))


def is_working_day(day: datetime.date, county=None) -> bool:
    return _judge(overrides(day, day, county))(day)


def add_working_days(start: datetime.date, days: int, county=None) -> datetime.date:
    """The working day `days` working days after `start`; with 0, `start` itself if it is a
    working day, else the next one."""
    end = start + datetime.timedelta(days=_HORIZON_DAYS + days * 3)
    working = _judge(overrides(start, end, county))

    day, remaining = start, days
    if remaining == 0:
        while not working(day):
            day += datetime.timedelta(days=1)
        return day
    while remaining:
        day += datetime.timedelta(days=1)
        if working(day):
            remaining -= 1
    return day


def subtract_working_days(end: datetime.date, days: int, county=None) -> datetime.date:
    """The working day `days` working days before `end` (for reminders)."""
    start = end - datetime.timedelta(days=_HORIZON_DAYS + days * 3)
    working = _judge(overrides(start, end, county))

    day, remaining = end, days
    while remaining:
        day -= datetime.timedelta(days=1)
        if working(day):
            remaining -= 1
    return day
