"""控辍指标: the figures of the units a school officer or a supervisor serves, per school, per
township the schools stand in and in total, and what the cases show per township the children
live in, for a school year (the county's, from its autumn term) seen from a day. Each count
opens what lies behind it (work:figure_cases): its cases and the students the roll counts,
within the reader's reach, and the counts entered by hand with who entered them, when and from
where."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from cases import clock, selectors
from cases.access import grants_of
from cases.masking import mask_student_no
from cases.models import MovementKind, Role, Stage, Unit
from cases.staff import name_of

from ..figures import behind, charts, counts, durability, rates, timeliness, years
from ..forms import date_input
from .attendance import ForRoles

FIGURE_ROLES = frozenset({Role.SCHOOL_OFFICER, Role.DISTRICT_SUPERVISOR, Role.COUNTY_SUPERVISOR})
BAND_CHOICES = [
    ("all", _("Grades 1-9")),
    ("primary", _("Primary (grades 1-6)")),
    ("junior", _("Junior middle (grades 7-9)")),
]
# Every count opens what lies behind it: these are the kinds a list may be asked for.
LISTED = {
    behind.ENROLMENT: _("enrolled at the year's start"),
    MovementKind.DROPPED_OUT: _("dropped out"),
    MovementKind.SUSPENDED: _("suspended"),
    MovementKind.DECEASED: _("deceased"),
    MovementKind.TRANSFERRED_OUT: _("transferred out"),
    MovementKind.OTHER_OUT: _("other decrease"),
    MovementKind.LEFT_NOT_ENROLLED: _("left, not enrolled elsewhere"),
    MovementKind.TRANSFERRED_IN: _("transferred in"),
    MovementKind.OTHER_IN: _("other increase"),
    MovementKind.GRADUATED: _("graduated"),
    counts.RETURNED: _("returned"),
}
LATE = "late"  # the cases with a stage past its deadline (timeliness)
LATE_LABEL = _("a stage finished late, or still running past its deadline")
STUDENTS_PER_PAGE = 100
OWNERS_SHOWN = 20
BACK_FROM = {
    Stage.HOME_VISIT: Stage.HOME_VISIT.label,
    Stage.TOWNSHIP_PERSUASION: Stage.TOWNSHIP_PERSUASION.label,
    Stage.LEGAL_ENFORCEMENT: Stage.LEGAL_ENFORCEMENT.label,
    "all": _("All returns"),
}
YEARS_BACK = 6


def units_of(user) -> list:
    """The units whose figures `user` may see: those of their grants in the figures' roles."""
    seen, units = set(), []
    for grant in grants_of(user):
        if grant.role in FIGURE_ROLES and grant.unit.pk not in seen:
            seen.add(grant.unit.pk)
            units.append(grant.unit)
    return sorted(units, key=lambda unit: unit.path)


class FiguresForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    year = forms.TypedChoiceField(label=_("School year"), coerce=int)
    as_of = forms.DateField(label=_("As of"), widget=date_input(), required=False)
    band = forms.ChoiceField(label=_("Grades"), choices=BAND_CHOICES, required=False)
    as_recorded = forms.BooleanField(
        label=_("Counts entered by hand as they stood that day"), required=False
    )

    def __init__(self, *args, units, calendars, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        today = clock.today()
        # the latest school year any of the reader's counties has begun
        now = max((calendars[unit.pk].year_of(today) for unit in units), default=today.year)
        self.fields["unit"].choices = [(unit.pk, unit.name) for unit in units]
        self.fields["year"].choices = [
            (year, f"{year}—{year + 1}") for year in range(now, now - YEARS_BACK, -1)
        ]

    def chosen(self, units, calendars) -> tuple:
        """(unit, year, day, band, records_on): the valid choice, or the defaults; the counts
        entered by hand as they stand today unless asked for as they stood that day."""
        # each field that is valid counts: a unit not theirs falls back to their first
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        by_pk = {unit.pk: unit for unit in units}
        unit = by_pk.get(data.get("unit"), units[0])
        calendar = calendars[unit.pk]
        year = data.get("year") or calendar.year_of(clock.today())
        day = data.get("as_of") or min(clock.today(), calendar.last_day(year))
        records_on = day if data.get("as_recorded") else None
        return unit, year, day, data.get("band") or "all", records_on


# What the cases show per residence township.
TOWNSHIP_KINDS = (
    MovementKind.DROPPED_OUT,
    MovementKind.SUSPENDED,
    MovementKind.DECEASED,
    MovementKind.TRANSFERRED_OUT,
)
# The table's counts, in FORMATS.md's order: what takes a student off the roll, then onto it.
COLUMNS = (
    MovementKind.DROPPED_OUT,
    MovementKind.SUSPENDED,
    MovementKind.DECEASED,
    MovementKind.TRANSFERRED_OUT,
    MovementKind.OTHER_OUT,
    MovementKind.LEFT_NOT_ENROLLED,
    MovementKind.TRANSFERRED_IN,
    MovementKind.OTHER_IN,
    MovementKind.GRADUATED,
)


def line(figures: rates.Figures, targets, scope: str = "") -> dict:
    """A row of a table: each count with how much of it was entered by hand (each opens what
    lies behind it, `scope` saying which part: `school=…`, `township=…`, or the whole unit),
    and whether its rates meet the county's targets."""
    cells = [
        {
            "kind": kind,
            "count": figures.moved.get(kind, 0),
            "by_hand": figures.by_hand.get(kind, 0),
        }
        for kind in COLUMNS
    ]
    dropout = figures.dropout_lianji.percent
    kept = figures.consolidation.percent if figures.consolidation else None
    return {
        "figures": figures,
        "cells": cells,
        "enrolment_by_hand": figures.enrolment - figures.enrolment_counted,
        "scope": scope,
        "school": scope.removeprefix("school=") if scope.startswith("school=") else "",
        "dropout_over": dropout is not None and dropout > targets.dropout_for(figures.band),
        "consolidation_under": kept is not None and kept < targets.consolidation,
    }


def follow_through(unit, year: int, day, calendar) -> dict:
    """Timeliness per school, township and owner (the worst first), and the durability curve."""
    schools = counts.schools_under(unit)
    spans = timeliness.spans(schools, year, day, calendar)
    names = dict(schools.values_list("pk", "name"))
    townships = dict(
        Unit.objects.filter(pk__in={span.township_id for span in spans}).values_list("pk", "name")
    )
    owner_rates = timeliness.by(spans, "owner_id")
    owners = {user.pk: name_of(user) for user in User.objects.filter(pk__in=list(owner_rates))}

    def rows(rates_by, labels, limit=None):
        found = [(labels.get(key, "—"), rate) for key, rate in rates_by.items()]
        found.sort(key=lambda row: (row[1].percent is None, row[1].percent or 0, row[0]))
        return found[:limit] if limit else found

    curve = durability.curve(durability.returns(schools, year, day, calendar), day)
    return {
        "curve": curve,
        "late": sum(1 for span in spans if not span.on_time),
        "timely_schools": rows(timeliness.by(spans, "school_id"), names),
        "timely_townships": rows(timeliness.by(spans, "township_id"), townships),
        "timely_owners": rows(owner_rates, owners, OWNERS_SHOWN),
        "spans": durability.SPANS,
        "durability": [
            (label, [curve[stage][days] for days in durability.SPANS])
            for stage, label in BACK_FROM.items()
            if stage in curve
        ],
    }


def residence_rows(lines: list) -> list[dict]:
    """The residence table: per township the children live in, what the cases show."""
    names = dict(
        Unit.objects.filter(pk__in=[t.township_id for t in lines if t.township_id]).values_list(
            "pk", "name"
        )
    )
    return [
        {
            "name": names.get(t.township_id, "—"),
            "residence": t.township_id or behind.NOT_SET,
            "cells": [(kind, t.moved.get(kind, 0)) for kind in TOWNSHIP_KINDS],
            "returned": t.returned,
        }
        for t in lines
    ]


@method_decorator([login_required, never_cache], name="dispatch")
class FiguresView(ForRoles, TemplateView):
    template_name = "workflows/figures.html"
    roles = FIGURE_ROLES

    def chosen(self):
        units = units_of(self.request.user)
        calendars = years.of_units(units)
        form = FiguresForm(self.request.GET or None, units=units, calendars=calendars)
        unit, year, day, band, records_on = form.chosen(units, calendars)
        return form, (unit, year, day, band, records_on, calendars[unit.pk])

    def get_context_data(self, **kwargs):
        form, (unit, year, day, band, records_on, calendar) = self.chosen()
        targets = charts.targets_of(unit)
        found = rates.table(unit, year, day, band, records_on, calendar=calendar)
        follow = follow_through(unit, year, day, calendar)
        target = targets.dropout_for(band)
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "unit": unit,
            "year": year,
            "day": day,
            "first_day": calendar.first_day(year),
            "last_day": calendar.last_day(year),
            "band": band,
            "rows": [line(f, targets, f"school={next(iter(f.school_ids))}") for f in found.schools],
            "township_rows": [
                line(f, targets, f"township={township or behind.NOT_SET}")
                for township, f in found.townships
            ],
            "total": line(found.total, targets),
            "query": f"unit={unit.pk}&year={year}&as_of={day:%Y-%m-%d}&band={band}"
            + ("&as_recorded=on" if records_on else ""),
            **follow,
            "targets": targets,
            "townships": residence_rows(found.residence),
            "township_kinds": [MovementKind(kind).label for kind in TOWNSHIP_KINDS],
            "dropout_target": target,
            "charts": {
                "trend": charts.trend(found, year, day, band, target),
                "overdue": charts.overdue(unit),
                "durability": charts.durability_lines(follow["curve"], BACK_FROM),
            },
        }


@method_decorator([login_required, never_cache], name="dispatch")
class FigureCasesView(FiguresView):
    """What lies behind one count: its cases and the students the roll counts, within the
    reader's reach (numbers masked), and the counts entered by hand or imported (who, when,
    from where; no list). Of one school, the schools of one township, the children of one
    residence township, or the whole unit."""

    template_name = "workflows/figure_cases.html"

    def get_context_data(self, **kwargs):
        kind = kwargs["kind"]
        if kind not in LISTED and kind != LATE:
            raise Http404
        _form, (unit, year, day, band, records_on, calendar) = self.chosen()
        user = self.request.user
        if kind == LATE:
            late = timeliness.spans(counts.schools_under(unit), year, day, calendar)
            case_ids, students, hand = [span.case_id for span in late if not span.on_time], [], []
        else:
            found = rates.table(unit, year, day, band, records_on, calendar=calendar)
            scope = behind.scope_of(found.gathered, band, self.request.GET)
            case_ids = behind.case_ids(found.total, kind, scope, found.gathered.residence)
            students = behind.roll_student_ids(found.total, kind, scope, year, records_on)
            hand = behind.by_hand(found.gathered, kind, scope, year, records_on)
        cases = (
            selectors.cases_in_reach(user)
            .filter(pk__in=case_ids)
            .select_related("student", "school", "klass")
            .order_by("school__name", "pk")
        )
        page = Paginator(
            selectors.students_in_reach(user)
            .filter(pk__in=students)
            .order_by("school__name", "klass__parent__grade_level", "klass__name", "name", "pk"),
            STUDENTS_PER_PAGE,
        ).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        return {
            **TemplateView.get_context_data(self, **kwargs),
            "unit": unit,
            "year": year,
            "day": day,
            "kind_label": LISTED.get(kind, LATE_LABEL),
            "cases": cases,
            "students": [(student, mask_student_no(student.student_no)) for student in page],
            "page": page,
            "query": query.urlencode(),
            "hand": hand,
            "records_on": records_on or clock.today(),
        }
