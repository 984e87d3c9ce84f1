"""School days: the county's working days (with 调休 and local holidays, `workdays`) that fall
inside one of its terms, less the school's own days off. A county with no term entered yet has
every working day as a school day, so that its rolls still count."""

import datetime

from cases.models import SchoolDayOff, Term, Unit, UnitKind

from .. import workdays


class SchoolCalendar:
    """The school days of one school between two dates, read once (a few queries)."""

    def __init__(self, school: Unit, start: datetime.date, end: datetime.date) -> None:
        county = school.ancestor(UnitKind.COUNTY)
        terms = list(Term.objects.filter(county=county))
        days_off = set(
            SchoolDayOff.objects.filter(school=school, date__range=(start, end)).values_list(
                "date", flat=True
            )
        )
        self._fill(school, start, end, county, terms, days_off)

    @classmethod
    def for_schools(cls, schools, start: datetime.date, end: datetime.date) -> dict:
        """{school id: its calendar} for many schools over the same dates, in three queries
        whatever their number (a bulk batch names a county's schools): their counties, the
        counties' terms and the schools' days off."""
        schools = {school.pk: school for school in schools}
        # a county is the root of the units' tree: the first code of a school's path
        counties = {
            county.path: county
            for county in Unit.objects.filter(
                kind=UnitKind.COUNTY,
                path__in={f"{school.path.split('/')[0]}/" for school in schools.values()},
            )
        }
        terms: dict[int, list] = {county.pk: [] for county in counties.values()}
        for term in Term.objects.filter(county__in=list(counties.values())):
            terms[term.county_id].append(term)
        days_off: dict[int, set] = {pk: set() for pk in schools}
        for school_id, day in SchoolDayOff.objects.filter(
            school_id__in=list(schools), date__range=(start, end)
        ).values_list("school_id", "date"):
            days_off[school_id].add(day)
        calendars = {}
        for pk, school in schools.items():
            county = counties[f"{school.path.split('/')[0]}/"]
            calendar = cls.__new__(cls)
            calendar._fill(school, start, end, county, terms[county.pk], days_off[pk])
            calendars[pk] = calendar
        return calendars

    def _fill(self, school, start, end, county, terms: list, days_off: set) -> None:
        """`terms`: all the county's terms."""
        self.school = school
        self.start, self.end = start, end
        self.county = county
        self.terms = [term for term in terms if term.starts_on <= end and term.ends_on >= start]
        self.any_terms = bool(terms)
        self.days_off = days_off
        self._working = workdays.judge_between(start, end, county)

    def in_term(self, day: datetime.date) -> Term | None:
        return next((t for t in self.terms if t.starts_on <= day <= t.ends_on), None)

    def is_school_day(self, day: datetime.date) -> bool:
        if not self.start <= day <= self.end:
            raise ValueError("day outside the calendar's range")
        if day in self.days_off or not self._working(day):
            return False
        return self.in_term(day) is not None or not self.any_terms

    def school_days(self) -> list[datetime.date]:
        if not hasattr(self, "_days"):
            day, self._days = self.start, []
            while day <= self.end:
                if self.is_school_day(day):
                    self._days.append(day)
                day += datetime.timedelta(days=1)
        return list(self._days)


def last_school_days(school: Unit, until: datetime.date, count: int) -> list[datetime.date]:
    """The last `count` school days up to `until` (inclusive), oldest first; fewer when the
    term began later. Looks back at most a term's length."""
    start = until - datetime.timedelta(days=max(count * 3, 21) + 60)
    days = SchoolCalendar(school, start, until).school_days()
    return days[-count:]


def school_days_of(schools, start: datetime.date, end: datetime.date) -> dict[int, list]:
    """{school id: its school days between two dates} for many schools in a few queries (the
    overview pages): the terms of their counties and their days off read once."""
    schools = list(schools)
    counties = {}
    for school in schools:
        county_code = school.path.split("/")[0]
        counties.setdefault(county_code, []).append(school)
    by_code = {
        unit.code: unit
        for unit in Unit.objects.filter(kind=UnitKind.COUNTY, code__in=list(counties))
    }
    terms: dict[int, list[Term]] = {}
    for term in Term.objects.filter(county__in=list(by_code.values())):
        terms.setdefault(term.county_id, []).append(term)
    off: dict[int, set] = {}
    for school_id, day in SchoolDayOff.objects.filter(
        school__in=schools, date__range=(start, end)
    ).values_list("school_id", "date"):
        off.setdefault(school_id, set()).add(day)
    found = {}
    for code, members in counties.items():
        county = by_code.get(code)
        working = workdays.judge_between(start, end, county)
        county_terms = terms.get(county.pk, []) if county else []
        days, day = [], start
        while day <= end:
            in_term = any(t.starts_on <= day <= t.ends_on for t in county_terms)
            if working(day) and (in_term or not county_terms):
                days.append(day)
            day += datetime.timedelta(days=1)
        for school in members:
            found[school.pk] = [d for d in days if d not in off.get(school.pk, set())]
    return found
