"""School years: from 1 September to 31 August, named by the year they start in."""

import datetime

PRIMARY = range(1, 7)  # grades of 小学
JUNIOR = range(7, 10)  # grades of 初中
BANDS = {"primary": PRIMARY, "junior": JUNIOR, "all": range(1, 10)}


def school_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def first_day(year: int) -> datetime.date:
    return datetime.date(year, 9, 1)


def last_day(year: int) -> datetime.date:
    return datetime.date(year + 1, 8, 31)
