"""月报: a unit's monthly report, previewed as it stands, signed off by a supervisor (frozen;
a second signing is a correction with its reason), and downloaded as Excel or PDF."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from cases import audit, clock
from cases.access import grants_of
from cases.ladder import SUPERVISOR_ROLES
from cases.models import MonthlyReport

from ..errors import CaseError
from ..figures import charts, monthly, report_files
from ..notices.pdf import PdfUnavailable
from .attendance import ForRoles
from .figures import FIGURE_ROLES, units_of

MONTHS_BACK = 12
BAD_CHOICE = _("Choose one of your units and one of the last twelve months.")
SIGNED = _("The report for %(month)s is signed (version %(version)s).")
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def months() -> list[datetime.date]:
    month, found = monthly.month_of(clock.today()), []
    for _back in range(MONTHS_BACK):
        found.append(month)
        month = monthly.month_of(month - datetime.timedelta(days=1))
    return found


def may_sign(user, unit) -> bool:
    """A supervisor signs the reports of the units they supervise."""
    return any(
        grant.role in SUPERVISOR_ROLES and unit.path.startswith(grant.unit.path)
        for grant in grants_of(user)
    )


class ChoiceForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    month = forms.ChoiceField(label=_("Month"))

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(unit.pk, unit.name) for unit in units]
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months()]


@method_decorator([login_required, never_cache], name="dispatch")
class MonthlyView(ForRoles, TemplateView):
    template_name = "workflows/monthly.html"
    roles = FIGURE_ROLES

    def chosen(self, data):
        units = units_of(self.request.user)
        form = ChoiceForm(data or None, units=units)
        cleaned = form.cleaned_data if form.is_valid() else {}
        unit = {u.pk: u for u in units}.get(cleaned.get("unit"), units[0])
        month = months()[0]
        if cleaned.get("month"):
            month = datetime.date.fromisoformat(cleaned["month"] + "-01")
        return form, unit, month

    def get_context_data(self, data=None, **kwargs):
        form, unit, month = self.chosen(data or self.request.GET)
        content = monthly.compose(unit, month)
        targets = charts.targets_of(unit)
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "unit": unit,
            "month": month,
            "due": monthly.due_on(month, targets.report_day),
            "lines": report_files.lines(content),
            "signed": MonthlyReport.objects.filter(unit=unit, month=month).select_related(
                "signed_by"
            ),
            "may_sign": may_sign(self.request.user, unit),
            **kwargs,
        }

    def post(self, request, *args, **kwargs):
        form, unit, month = self.chosen(request.POST)
        if not form.is_valid():  # never sign another unit's or month's report than asked
            return HttpResponseBadRequest(str(BAD_CHOICE))
        if not may_sign(request.user, unit):
            raise PermissionDenied
        try:
            report = monthly.sign(
                unit, month, by=request.user, reason=request.POST.get("reason", "")
            )
        except CaseError as error:
            context = self.get_context_data(error=str(error), reason=request.POST.get("reason", ""))
            return self.render_to_response(context, status=error.outcome)
        messages.success(request, SIGNED % {"month": f"{month:%Y-%m}", "version": report.version})
        return redirect(f"{request.path}?unit={unit.pk}&month={month:%Y-%m}")


@method_decorator([login_required, never_cache], name="dispatch")
class MonthlyFileView(View):
    """A signed report's file: not found unless its unit is, or is under, one whose figures
    the reader sees."""

    def report_of(self, request, pk: int, fmt: str) -> MonthlyReport:
        report = get_object_or_404(MonthlyReport.objects.select_related("unit", "signed_by"), pk=pk)
        if fmt not in FORMATS or not any(
            report.unit.path.startswith(unit.path) for unit in units_of(request.user)
        ):
            raise Http404
        return report

    def post(self, request, pk: int, fmt: str):
        self.report_of(request, pk, fmt)
        return HttpResponseNotAllowed(["GET"])

    def get(self, request, pk: int, fmt: str):
        report = self.report_of(request, pk, fmt)
        try:
            content = report_files.xlsx(report) if fmt == "xlsx" else report_files.pdf(report)
        except PdfUnavailable:
            raise Http404 from None
        audit.register_exported(user=request.user, reason=report_files.title_of(report))
        response = HttpResponse(content, content_type=FORMATS[fmt])
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=report_files.filename(report, fmt)
        )
        return response
