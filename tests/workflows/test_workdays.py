"""The working-day calendar: statutory holidays, 调休 Saturdays, administrators' corrections,
and years no source knows."""

import datetime

import pytest

from workflows import workdays
from workflows.models import CalendarDay

D = datetime.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 2, 16), False),  # 春节, a Monday
        (D(2026, 2, 23), False),  # last day of 春节
        (D(2026, 2, 14), True),  # Saturday made a working day (调休)
        (D(2026, 2, 28), True),  # Saturday made a working day (调休)
        (D(2026, 10, 1), False),  # 国庆
        (D(2026, 10, 7), False),
        (D(2026, 10, 10), True),  # Saturday made a working day
        (D(2026, 9, 20), True),  # Sunday made a working day
        (D(2026, 11, 28), False),  # an ordinary Saturday
        (D(2026, 11, 30), True),  # an ordinary Monday
    ],
)
def test_known_days(db, day, working):
    assert workdays.is_working_day(day) is working


def test_counting_across_the_spring_festival(db):
    # Friday 2026-02-13 + 1 working day is Saturday 02-14 (调休), + 2 is Tuesday 02-24.
    assert workdays.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert workdays.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)


def test_counting_across_national_day(db):
    assert workdays.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert workdays.add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)  # 调休 Saturday


def test_same_day_deadline_moves_off_a_holiday(db):
    assert workdays.add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 8)
    assert workdays.add_working_days(D(2026, 10, 9), 0) == D(2026, 10, 9)


def test_deadline_crossing_a_year_boundary(db):
    # From Tuesday 2026-12-29, 5 working days: 12-30, 12-31, then 2027, which the package does
    # not know yet: 01-01 (元旦) is computed as a holiday, so 01-04 Mon, 01-05 Tue, 01-06 Wed.
    assert workdays.add_working_days(D(2026, 12, 29), 5) == D(2027, 1, 6)


def test_year_no_source_knows_has_computed_holidays_and_weekends(db):
    assert not workdays.is_working_day(D(2031, 10, 1))  # 国庆, a Wednesday: computed
    assert workdays.is_working_day(D(2031, 10, 15))  # an ordinary Wednesday
    assert not workdays.is_working_day(D(2031, 10, 18))  # a Saturday: no 调休 known
    assert workdays.add_working_days(D(2031, 10, 17), 1) == D(2031, 10, 20)


def test_administrator_adds_next_years_schedule(db, world):
    # The State Council's 2027 notice: 01-01 off; Sunday 01-03 worked instead (say).
    CalendarDay.objects.create(date=D(2027, 1, 1), is_working_day=False, note="元旦")
    CalendarDay.objects.create(date=D(2027, 1, 3), is_working_day=True, note="调休")
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 3)
    # A county's own local holiday wins over the national calendar, for that county only.
    CalendarDay.objects.create(
        date=D(2027, 1, 4), county=world.county, is_working_day=False, note="县庆"
    )
    assert workdays.add_working_days(D(2027, 1, 3), 1, world.county) == D(2027, 1, 5)
    assert workdays.add_working_days(D(2027, 1, 3), 1) == D(2027, 1, 4)


def test_reminder_counts_back_over_holidays(db):
    assert workdays.subtract_working_days(D(2026, 10, 8), 1) == D(2026, 9, 30)
