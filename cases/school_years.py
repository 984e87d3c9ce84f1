"""School years (学年) of a county: a school year starts on the first day of the county's autumn
term (秋季学期) when one is entered, else on 1 September, and ends the day before the next one
starts. A school year is named by the calendar year it starts in.

The autumn term of a year is the county's earliest term whose first day falls in August or
September of that year: counties open between late August and early September, and a spring
term (February, March) can never be mistaken for it.

Everything that puts a day into a school year (the figures, the monthly report, the enrolment
count, a count entered by hand) asks a `SchoolYears` read once for the county, so a county whose
term starts on 28 August counts an event of 29 August in the new year, and one starting on
2 September counts an event of 1 September in the old one.
"""

import dataclasses
import datetime

from .models.attendance import Term
from .models.units import Unit, UnitKind

DEFAULT_START = (9, 1)  # 1 September: the school year's start where no autumn term is entered
AUTUMN_MONTHS = (8, 9)  # an autumn term starts in August or September


@dataclasses.dataclass(frozen=True)
class SchoolYears:
    starts: dict  # year -> first day of the county's autumn term, where one is entered

    def first_day(self, year: int) -> datetime.date:
        return self.starts.get(year) or datetime.date(year, *DEFAULT_START)

    def last_day(self, year: int) -> datetime.date:
        return self.first_day(year + 1) - datetime.timedelta(days=1)

    def year_of(self, day: datetime.date) -> int:
        return day.year if day >= self.first_day(day.year) else day.year - 1

    def has_term(self, year: int) -> bool:
        """Whether the county entered the autumn term that opens `year`."""
        return year in self.starts


# Where no county is known (a unit outside any county): 1 September every year.
PLAIN = SchoolYears({})


def _county_code(unit: Unit) -> str:
    return unit.path.split("/")[0]


def of_counties(counties) -> dict:
    """{county id: its SchoolYears} for the given counties, in one query."""
    starts: dict = {county.pk: {} for county in counties}
    terms = Term.objects.filter(
        county__in=list(starts), starts_on__month__in=AUTUMN_MONTHS
    ).values_list("county_id", "starts_on")
    for county_id, first in terms:
        known = starts[county_id].get(first.year)
        if known is None or first < known:
            starts[county_id][first.year] = first
    return {county_id: SchoolYears(found) for county_id, found in starts.items()}


def of_units(units) -> dict:
    """{unit id: the SchoolYears of the county it lies in}, in at most two queries whatever
    the units."""
    units = list(units)
    counties = {unit.code: unit for unit in units if unit.kind == UnitKind.COUNTY}
    missing = {_county_code(unit) for unit in units} - set(counties)
    if missing:
        counties.update(
            (county.code, county)
            for county in Unit.objects.filter(kind=UnitKind.COUNTY, code__in=missing)
        )
    calendars = of_counties(counties.values())
    found = {}
    for unit in units:
        county = counties.get(_county_code(unit))
        found[unit.pk] = calendars[county.pk] if county else PLAIN
    return found


def of_unit(unit: Unit) -> SchoolYears:
    return of_units([unit])[unit.pk]
