"""月报: a unit's figures and its registers' counts for a month, read from the events as they
stood at the month's end (or today, in the month itself), so that the same month always gives
the same report; signing stores it (`MonthlyReport.content`) and later changes leave it alone.
A correction is a new version with its reason."""

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models import CaseEvent, Contact, MonthlyReport, MovementKind, Stage, Step, Unit
from cases.validators import LINE_MAX_LENGTH, free_text

from ..errors import GuardFailed
from ..services.core import valid
from . import counts, rates, years

BANDS = ("all", "primary", "junior")
REGISTER_LINES = {
    "opened": _("Suspected dropouts reported"),  # 疑似辍学
    "confirmed": _("Confirmed as dropouts"),
    "contacts": _("Persuasion attempts recorded"),
    "returned": _("Back in class"),
    "closed": _("Cases closed (销号)"),
    "out_at_end": _("Dropouts still out of school at the end"),
    "overdue_at_end": _("Cases past their deadline at the end"),
}
REASON_REQUIRED = _("This month's report is signed already: give the reason for the correction.")


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def last_day_of(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def compose(unit: Unit, month: datetime.date) -> dict:
    """The report's content: plain numbers and strings, as JSON stores them. The events up to
    the month's end, the counts entered by hand as they stand now (a correction takes a count
    fixed since)."""
    end = min(last_day_of(month), clock.today())
    calendar = years.of_unit(unit)
    year = calendar.year_of(end)  # the county's school year the month's end falls in
    gathered = counts.gather(unit, year - rates.SPAN, year, end, calendar=calendar)
    schools = frozenset(school_id for school_id, _name, _township in gathered.schools)
    with translation.override("zh-hans"):
        return {
            "unit": unit.name,
            "month": f"{month:%Y-%m}",
            "as_of": end.isoformat(),
            "school_year": year,
            "bands": {
                band: _band(rates.of_schools(gathered, unit.name, schools, year, band))
                for band in BANDS
            },
            "registers": registers(unit, month, end),
        }


def _band(figures: rates.Figures) -> dict:
    def rate(value):
        if value is None:
            return None
        percent = value.percent
        return [value.numerator, value.denominator, None if percent is None else str(percent)]

    return {
        "enrolment": figures.enrolment,
        "moved": {str(MovementKind(kind).label): n for kind, n in sorted(figures.moved.items())},
        "dropout_lianji": rate(figures.dropout_lianji),
        "dropout_dictionary": rate(figures.dropout_dictionary),
        "consolidation": rate(figures.consolidation),
        "returned": rate(figures.returned),
    }


def registers(unit: Unit, month: datetime.date, end: datetime.date) -> dict:
    schools = counts.schools_under(unit)
    start_at = clock.end_of_day(month - datetime.timedelta(days=1))
    end_at = clock.end_of_day(end)
    events = CaseEvent.objects.filter(case__school__in=schools, at__lte=end_at)
    in_month = events.filter(at__gt=start_at)
    last = {}
    for case_id, stage, deadline in events.order_by("case_id", "at", "id").values_list(
        "case_id", "to_stage", "deadline"
    ):
        last[case_id] = (stage, deadline)
    return {
        "opened": in_month.filter(step=Step.OPEN).count(),
        "confirmed": in_month.filter(to_stage=Stage.HOME_VISIT, from_stage=Stage.REPORTED).count(),
        "contacts": Contact.objects.filter(
            case__school__in=schools, occurred_on__range=(month, end), recorded_at__lte=end_at
        ).count(),
        "returned": in_month.filter(step=Step.MARK_RETURNED).count(),
        "closed": in_month.filter(to_stage=Stage.CLOSED).count(),
        "out_at_end": sum(1 for stage, _ in last.values() if stage in counts.OUT_OF_SCHOOL),
        "overdue_at_end": sum(
            1
            for stage, deadline in last.values()
            if stage != Stage.CLOSED and deadline is not None and deadline < end_at
        ),
    }


@transaction.atomic
def sign(unit: Unit, month: datetime.date, *, by, reason: str = "") -> MonthlyReport:
    """Freeze the month's report as it stands now; a second signing is a correction."""
    reason = reason.strip()
    valid(free_text(LINE_MAX_LENGTH), reason)
    # the unit's row, locked: two supervisors signing at once queue up for the version
    Unit.objects.select_for_update().get(pk=unit.pk)
    signed = MonthlyReport.objects.filter(unit=unit, month=month)
    last = signed.aggregate(last=Max("version"))["last"] or 0
    if last and not reason:
        raise GuardFailed(REASON_REQUIRED)
    return MonthlyReport.objects.create(
        unit=unit,
        month=month,
        version=last + 1,
        content=compose(unit, month),
        signed_by=by,
        signed_at=clock.now(),
        correction_reason=reason if last else "",
    )


def due_on(month: datetime.date, report_day: int) -> datetime.date:
    return month.replace(day=report_day)
