"""控辍指标: the figures of the units a school officer or a supervisor serves, per school and in
total, for a school year seen from a day; each count of cases opens the cases behind it."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from cases import clock, selectors
from cases.access import grants_of
from cases.models import MovementKind, Role, Stage, Unit
from cases.staff import name_of

from ..figures import charts, counts, durability, rates, timeliness, years
from ..forms import date_input
from .attendance import ForRoles

FIGURE_ROLES = frozenset({Role.SCHOOL_OFFICER, Role.DISTRICT_SUPERVISOR, Role.COUNTY_SUPERVISOR})
BAND_CHOICES = [
    ("all", _("Grades 1-9")),
    ("primary", _("Primary (grades 1-6)")),
    ("junior", _("Junior middle (grades 7-9)")),
]
# The counts a reader may open as a list of cases: what the cases show.
FROM_CASES = {
    MovementKind.DROPPED_OUT: _("dropped out"),
    MovementKind.TRANSFERRED_OUT: _("transferred out"),
    MovementKind.SUSPENDED: _("suspended"),
    MovementKind.DECEASED: _("deceased"),
    counts.RETURNED: _("returned"),
}
LATE = "late"  # the cases with a stage past its deadline (timeliness)
LATE_LABEL = _("a stage finished late, or still running past its deadline")
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

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        now = years.school_year_of(clock.today())
        self.fields["unit"].choices = [(unit.pk, unit.name) for unit in units]
        self.fields["year"].choices = [
            (year, f"{year}—{year + 1}") for year in range(now, now - YEARS_BACK, -1)
        ]

    def chosen(self, units) -> tuple:
        """(unit, year, day, band, records_on): the valid choice, or the defaults; the counts
        entered by hand as they stand today unless asked for as they stood that day."""
        # each field that is valid counts: a unit not theirs falls back to their first
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        by_pk = {unit.pk: unit for unit in units}
        unit = by_pk.get(data.get("unit"), units[0])
        year = data.get("year") or years.school_year_of(clock.today())
        day = data.get("as_of") or min(clock.today(), years.last_day(year))
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


def line(figures: rates.Figures, targets) -> dict:
    """A row of the table: each count with how many of it the cases show (those open a list),
    and whether its rates meet the county's targets."""
    shown = dict.fromkeys(COLUMNS, 0)
    for movement in figures.cases:
        if movement.kind in shown:
            shown[movement.kind] += 1
    cells = [
        {"kind": kind, "count": figures.moved.get(kind, 0), "from_cases": shown[kind]}
        for kind in COLUMNS
    ]
    school = next(iter(figures.school_ids)) if len(figures.school_ids) == 1 else ""
    dropout = figures.dropout_lianji.percent
    kept = figures.consolidation.percent if figures.consolidation else None
    return {
        "figures": figures,
        "cells": cells,
        "school": school,
        "dropout_over": dropout is not None and dropout > targets.dropout_for(figures.band),
        "consolidation_under": kept is not None and kept < targets.consolidation,
    }


def follow_through(unit, year: int, day) -> dict:
    """Timeliness per school, township and owner (the worst first), and the durability curve."""
    schools = counts.schools_under(unit)
    spans = timeliness.spans(schools, year, day)
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

    curve = durability.curve(durability.returns(schools, year, day), day)
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


@method_decorator([login_required, never_cache], name="dispatch")
class FiguresView(ForRoles, TemplateView):
    template_name = "workflows/figures.html"
    roles = FIGURE_ROLES

    def chosen(self):
        units = units_of(self.request.user)
        form = FiguresForm(self.request.GET or None, units=units)
        return form, form.chosen(units)

    def get_context_data(self, **kwargs):
        form, (unit, year, day, band, records_on) = self.chosen()
        targets = charts.targets_of(unit)
        table = [
            line(figures, targets) for figures in rates.table(unit, year, day, band, records_on)
        ]
        follow = follow_through(unit, year, day)
        townships = rates.by_township(table[-1]["figures"])
        township_names = dict(
            Unit.objects.filter(pk__in=[t.township_id for t in townships]).values_list("pk", "name")
        )
        target = targets.dropout_for(band)
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "unit": unit,
            "year": year,
            "day": day,
            "band": band,
            "rows": table[:-1],
            "total": table[-1],
            "query": f"unit={unit.pk}&year={year}&as_of={day:%Y-%m-%d}&band={band}"
            + ("&as_recorded=on" if records_on else ""),
            **follow,
            "targets": targets,
            "townships": [
                {
                    "name": township_names.get(t.township_id, "—"),
                    "cells": [t.moved.get(kind, 0) for kind in TOWNSHIP_KINDS],
                    "returned": t.returned,
                }
                for t in townships
            ],
            "township_kinds": [MovementKind(kind).label for kind in TOWNSHIP_KINDS],
            "dropout_target": target,
            "charts": {
                "trend": charts.trend(unit, year, day, band, target),
                "overdue": charts.overdue(unit),
                "durability": charts.durability_lines(follow["curve"], BACK_FROM),
            },
        }


@method_decorator([login_required, never_cache], name="dispatch")
class FigureCasesView(FiguresView):
    """The cases behind one count: of one school or all, of one kind; within the reader's
    reach."""

    template_name = "workflows/figure_cases.html"

    def get_context_data(self, **kwargs):
        kind = kwargs["kind"]
        if kind not in FROM_CASES and kind != LATE:
            raise Http404
        _form, (unit, year, day, band, records_on) = self.chosen()
        school = self.request.GET.get("school")
        if kind == LATE:
            late = timeliness.spans(counts.schools_under(unit), year, day)
            ids = [span.case_id for span in late if not span.on_time]
        else:
            total = rates.table(unit, year, day, band, records_on)[-1]
            ids = [
                m.case_id
                for m in total.cases
                if m.kind == kind and (not school or str(m.school_id) == school)
            ]
        cases = (
            selectors.cases_in_reach(self.request.user)
            .filter(pk__in=ids)
            .select_related("student", "school", "klass")
            .order_by("school__name", "pk")
        )
        return {
            **TemplateView.get_context_data(self, **kwargs),
            "unit": unit,
            "year": year,
            "day": day,
            "kind_label": FROM_CASES.get(kind, LATE_LABEL),
            "cases": cases,
        }
