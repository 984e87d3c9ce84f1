"""A school year starts on the first day of the county's autumn term, else on 1 September: the
world's county opens on Thursday 28 August 2025, the other county on Tuesday 2 September 2025.
Events on the boundary days fall in the year the county's calendar says, in every place that
puts a day into a school year: the rates, a count entered by hand, the enrolment job, the
monthly report, timeliness, durability, the trend's months and the page's default year."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import clock, school_years
from cases.models import CountSource, Enrolment, Movement, MovementKind, Role, Term
from workflows.figures import charts, counts, durability, monthly, rates, snapshot, timeliness

from .test_figures import at, confirmed, returned

D = datetime.date


def term(world, first: datetime.date, last: datetime.date, name="秋季学期"):
    return Term.objects.create(county=world.county, name=name, starts_on=first, ends_on=last)


@pytest.fixture
def early(world):
    """The world's county: autumn term from 28 August 2025; a spring term, which is never
    taken for an autumn one."""
    term(world, D(2025, 8, 28), D(2026, 1, 20))
    term(world, D(2026, 2, 24), D(2026, 7, 10), name="春季学期")
    return world


@pytest.fixture
def late(elsewhere):
    """The other county: autumn term from 2 September 2025."""
    term(elsewhere, D(2025, 9, 2), D(2026, 1, 20))
    return elsewhere


def by_hand(world, kind, on, count):
    with clock.frozen(at(on.year, on.month, on.day, 18)):
        Movement.objects.create(
            school=world.school, grade_level=5, kind=kind, on=on, count=count,
            source=CountSource.HAND,
        )  # fmt: skip


def enrol(world, count, year):
    with clock.frozen(at(2025, 8, 1)):
        Enrolment.objects.create(
            school=world.school, grade_level=5, school_year=year, count=count,
            source=CountSource.HAND, taken_on=D(year, 9, 1),
        )  # fmt: skip


def test_the_calendar_of_each_county(early, late, db):
    a, b = school_years.of_unit(early.school), school_years.of_unit(late.county)
    assert (a.year_of(D(2025, 8, 27)), a.year_of(D(2025, 8, 28))) == (2024, 2025)
    assert (a.last_day(2024), a.first_day(2025)) == (D(2025, 8, 27), D(2025, 8, 28))
    assert a.last_day(2025) == D(2026, 8, 31)  # no term entered for 2026 yet: 1 September
    assert (b.year_of(D(2025, 9, 1)), b.year_of(D(2025, 9, 2))) == (2024, 2025)
    assert b.last_day(2024) == D(2025, 9, 1)
    assert school_years.PLAIN.year_of(D(2025, 9, 1)) == 2025


def test_the_rates_count_each_boundary_day_in_its_countys_year(early, late):
    # the world's county: enrolment 100 in 2024 and 200 in 2025; a dropout confirmed and an
    # "other decrease" of 2 on 27 August (the last day of 2024), a dropout and 3 on 28 August
    enrol(early, 100, 2024)
    enrol(early, 200, 2025)
    confirmed(early, at(2025, 8, 27))
    confirmed(early, at(2025, 8, 28))
    by_hand(early, MovementKind.OTHER_OUT, D(2025, 8, 27), 2)
    by_hand(early, MovementKind.OTHER_OUT, D(2025, 8, 28), 3)
    old = rates.figures(early.county, 2024, D(2025, 8, 31))
    new = rates.figures(early.county, 2025, D(2025, 9, 30))
    # 2024: (1 dropout + 2) / 100 = 3.00 %; dictionary 1 / 100 = 1.00 %
    assert (old.dropout_lianji.numerator, old.dropout_lianji.percent) == (3, Decimal("3.00"))
    assert old.dropout_dictionary.percent == Decimal("1.00")
    # 2025: (1 dropout + 3) / 200 = 2.00 %; dictionary 1 / 200 = 0.50 %
    assert (new.dropout_lianji.numerator, new.dropout_lianji.percent) == (4, Decimal("2.00"))
    assert new.dropout_dictionary.percent == Decimal("0.50")
    # the other county: a dropout confirmed on 1 September is 2024's, on 2 September 2025's
    enrol(late, 50, 2024)
    enrol(late, 40, 2025)
    confirmed(late, at(2025, 9, 1))
    confirmed(late, at(2025, 9, 2))
    confirmed(late, at(2025, 9, 3))
    old = rates.figures(late.county, 2024, D(2025, 9, 30))
    new = rates.figures(late.county, 2025, D(2025, 9, 30))
    assert (old.dropout_lianji.numerator, old.dropout_lianji.percent) == (1, Decimal("2.00"))
    assert (new.dropout_lianji.numerator, new.dropout_lianji.percent) == (2, Decimal("5.00"))


def test_a_count_by_hand_is_refused_in_a_year_the_cases_cover_by_the_countys_calendar(early):
    confirmed(early, at(2025, 8, 28))  # the first case: the school year 2025
    kept = Movement(
        school=early.school, grade_level=5, kind=MovementKind.DROPPED_OUT,
        on=D(2025, 8, 27), source=CountSource.HAND,
    )  # fmt: skip
    kept.full_clean()  # 2024's: no case covers it
    kept.on = D(2025, 8, 28)
    with pytest.raises(ValidationError):
        kept.full_clean()


def test_the_enrolment_job_counts_the_year_that_began(early, late):
    early.student()
    late.student()
    # 28 August: the world's county begins 2025; the other county is still in 2024, whose
    # autumn term it never entered, so nothing is counted there
    assert snapshot.take_due(D(2025, 8, 28)) == [early.school.name]
    assert list(Enrolment.objects.values_list("school_id", "school_year")) == [
        (early.school.pk, 2025)
    ]
    assert snapshot.take_due(D(2025, 9, 2)) == [late.school.name]
    assert Enrolment.objects.get(school=late.school).school_year == 2025


def test_the_monthly_report_of_august_is_in_the_year_its_end_falls_in(early, late):
    with clock.frozen(at(2025, 9, 10)):
        assert monthly.compose(early.county, D(2025, 8, 1))["school_year"] == 2025
        assert monthly.compose(late.county, D(2025, 8, 1))["school_year"] == 2024
        assert monthly.compose(late.county, D(2025, 9, 1))["school_year"] == 2025


def test_timeliness_counts_each_stage_in_the_year_its_deadline_falls_in(early):
    # opened and reported on 27 August at 9:00, home visits from 11:00: identified due at the
    # end of the 27th (2024), reported due the 28th (2025, left on time), home visits due
    # 3 September (2025, still running on 30 September: late)
    confirmed(early, at(2025, 8, 27))
    calendar = school_years.of_unit(early.county)
    schools = counts.schools_under(early.county)
    old = timeliness.spans(schools, 2024, D(2025, 8, 31), calendar)
    new = timeliness.spans(schools, 2025, D(2025, 9, 30), calendar)
    assert [(span.stage, span.on_time) for span in old] == [("identified", True)]
    assert [(span.stage, span.on_time) for span in new] == [
        ("reported", True),
        ("home_visit", False),
    ]


def test_durability_counts_each_return_in_its_year(early):
    returned(early, confirmed(early, at(2025, 8, 18)), at(2025, 8, 27))
    returned(early, confirmed(early, at(2025, 8, 19)), at(2025, 8, 28))
    calendar = school_years.of_unit(early.county)
    schools = counts.schools_under(early.county)
    old = durability.returns(schools, 2024, D(2025, 8, 31), calendar)
    new = durability.returns(schools, 2025, D(2025, 10, 31), calendar)
    assert [back.on for back in old] == [D(2025, 8, 27)]
    assert [back.on for back in new] == [D(2025, 8, 28)]


def test_the_trend_starts_with_the_countys_first_day_and_the_page_with_its_year(client, early):
    assert charts.month_ends(D(2025, 8, 28), D(2025, 10, 15)) == [
        D(2025, 8, 31),
        D(2025, 9, 30),
        D(2025, 10, 15),
    ]
    client.force_login(early[Role.COUNTY_SUPERVISOR])
    with clock.frozen(at(2025, 8, 30)):
        response = client.get(reverse("work:figures:index"))
    assert response.context["year"] == 2025
    assert response.context["charts"]["trend"]["months"] == ["2025-08"]
    assert 'data-school-year="2025-08-28/2026-08-31"' in response.content.decode()
