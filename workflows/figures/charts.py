"""The dashboard's charts as data (the page draws them with ECharts and shows the same numbers
in tables): the dropout rates month by month with the target, the overdue cases by school and
stage, and the durability curves."""

import datetime
from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext as _

from cases import clock
from cases.ladder import OPEN_STAGES
from cases.models import Case, Stage, Targets, Unit, UnitKind

from . import counts, durability, rates


def targets_of(unit: Unit) -> Targets:
    """The county's targets, or the plans' (unsaved) where it has set none."""
    county = Unit.objects.filter(kind=UnitKind.COUNTY, path=unit.path.split("/")[0] + "/").first()
    found = Targets.objects.filter(county=county).first() if county else None
    return found or Targets(county=county)


def month_ends(first: datetime.date, day: datetime.date) -> list[datetime.date]:
    """The last day of each month from the school year's `first` day up to `day` (and `day`
    itself last)."""
    ends, month = [], first
    while month <= day:
        following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        ends.append(min(following - datetime.timedelta(days=1), day))
        month = following
    return ends


def trend(table: rates.Table, year: int, day: datetime.date, band: str, target: Decimal) -> dict:
    """Both dropout rates at the end of each month so far: the events up to each month's end,
    the counts entered by hand as the page reads them. From the records the page's table read
    already (`Gathered.until`): no query of its own, whatever the months shown."""
    gathered = table.gathered
    calendar = gathered.calendar
    ends = month_ends(calendar.first_day(year), min(day, calendar.last_day(year)))
    schools = table.total.school_ids
    seen = [
        rates.of_schools(gathered.until(end), table.total.label, schools, year, band)
        for end in ends
    ]
    return {
        "months": [f"{end:%Y-%m}" for end in ends],
        "lianji": [_number(f.dropout_lianji.percent) for f in seen],
        "dictionary": [_number(f.dropout_dictionary.percent) for f in seen],
        "target": _number(target),
        "names": [_("Dropout rate (两基)"), _("Dropout rate (dictionary)"), _("Target")],
    }


def overdue(unit: Unit) -> dict:
    """Open cases past their deadline now, by school and stage."""
    rows = (
        Case.objects.filter(
            school__in=counts.schools_under(unit),
            stage__in=OPEN_STAGES,
            deadline__lt=clock.now(),
        )
        .values_list("school__name", "stage")
        .annotate(count=Count("id"))
        .order_by("school__name")
    )
    schools = sorted({school for school, _stage, _count in rows})
    stages = [stage for stage in OPEN_STAGES if any(row[1] == stage for row in rows)]
    table = {(school, stage): count for school, stage, count in rows}
    return {
        "schools": schools,
        "series": [
            {
                "name": str(Stage(stage).label),
                "data": [table.get((school, stage), 0) for school in schools],
            }
            for stage in stages
        ],
    }


def durability_lines(curve: dict, labels: dict) -> dict:
    return {
        "days": [_("after %(days)s days") % {"days": days} for days in durability.SPANS],
        "series": [
            {
                "name": str(label),
                "data": [_number(curve[stage][days].percent) for days in durability.SPANS],
            }
            for stage, label in labels.items()
            if stage in curve
        ],
    }


def _number(value):
    return None if value is None else float(value)
