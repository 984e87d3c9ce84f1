"""The roster import pages: upload a 学籍 file, see what it would change (refused rows with
their reasons), then commit it, or download the refused rows to correct them."""

import io

import openpyxl
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView, View

from cases.models import ImportKind, ImportMode, ImportStatus, RosterImport
from cases.selectors import roles_of

from ..roster import departures, importing, jobs, progress, reading
from ..roster.reach import ROSTER_ROLES, kinds_of, places_of

MAX_BYTES = 20 * 1024 * 1024
TOO_BIG = _("The file is larger than 20 MB: split it by school.")
SHOWN_REFUSALS = 500
REASON_COLUMN = _("Reason refused")


class RosterForm(forms.Form):
    kind = forms.ChoiceField(label=_("List"), choices=ImportKind.choices, required=False)
    file = forms.FileField(label=_("Roster file (.xlsx, .xls, .csv or .txt)"))
    encoding = forms.ChoiceField(
        label=_("Text encoding (CSV and text files)"),
        choices=[("", _("Detect")), *reading.ENCODINGS.items()],
        required=False,
    )

    def __init__(self, *args, kinds, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        self.fields["kind"].choices = [(k, ImportKind(k).label) for k in kinds]
        self.fields["kind"].initial = kinds[0] if kinds else None

    def clean_kind(self):
        return self.cleaned_data["kind"] or self.kinds[0]  # a form without it: the first

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(TOO_BIG)
        return upload


class _RosterPage:
    """For school officers and county supervisors; an import is its uploader's alone: another's
    is not found (404 before anything else), as it may hold other schools' children."""

    roles = ROSTER_ROLES

    def dispatch(self, request, *args, **kwargs):
        if "pk" in kwargs:
            self.roster_import = get_object_or_404(
                RosterImport, pk=kwargs["pk"], uploaded_by=request.user
            )
            jobs.reap(self.roster_import)  # a job that died is put back to its preview
        if not roles_of(request.user) & self.roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


@method_decorator([login_required, never_cache], name="dispatch")
class RosterUploadView(_RosterPage, FormView):
    template_name = "workflows/roster_upload.html"
    form_class = RosterForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kinds": kinds_of(self.request.user)}

    def get_context_data(self, **kwargs):
        recent = RosterImport.objects.filter(uploaded_by=self.request.user).defer("content")[:10]
        kinds = kinds_of(self.request.user)
        return {**super().get_context_data(**kwargs), "recent": recent, "kinds": kinds}

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        try:
            roster_import, _checked = importing.start(
                data=upload.read(),
                file_name=upload.name,
                by=self.request.user,
                places=places_of(self.request.user, kind),
                encoding=form.cleaned_data["encoding"] or None,
                kind=kind,
            )
        except ValidationError as error:
            form.add_error("file", error)
            return self.render_to_response(self.get_context_data(form=form), status=422)
        return redirect("work:roster_preview", roster_import.pk)


@method_decorator([login_required, never_cache], name="dispatch")
class RosterPreviewView(_RosterPage, TemplateView):
    """The check's counts and refused rows; then commit (all or the clean rows) or discard."""

    template_name = "workflows/roster_preview.html"

    def get_context_data(self, **kwargs):
        roster_import = self.roster_import
        context = {
            "roster_import": roster_import,
            "error": kwargs.get("error") or roster_import.failure,
        }
        if roster_import.status == ImportStatus.COMMITTING:
            context["progress"] = progress.read(roster_import.pk)
        elif roster_import.status == ImportStatus.PREVIEWED:
            checked = importing.recheck(
                roster_import, places_of(self.request.user, roster_import.kind)
            )
            context["refusals"] = checked.refusals[:SHOWN_REFUSALS]
            context["more_refusals"] = max(len(checked.refusals) - SHOWN_REFUSALS, 0)
        else:
            context["departures"] = roster_import.departures.select_related("student", "school")
        return {**super().get_context_data(**kwargs), **context}

    def post(self, request, *args, pk, **kwargs):
        roster_import = self.roster_import
        action = request.POST.get("action")
        if action == "transferred":
            return self.settle_transfer(request, pk)
        if action == "discard":
            importing.discard(roster_import)
            return redirect("work:roster:index")
        if action not in (ImportMode.ALL_OR_NOTHING, ImportMode.CLEAN_ROWS):
            return redirect("work:roster_preview", pk)  # nothing asked: the page again
        if roster_import.status == ImportStatus.COMMITTING:
            return redirect("work:roster_preview", pk)  # a second click: the job runs already
        if not jobs.begin(roster_import, by=request.user, mode=action):
            context = self.get_context_data(pk=pk, error=str(importing.NOT_PREVIEWED))
            return self.render_to_response(context, status=409)
        roster_import.refresh_from_db()
        if roster_import.failure:  # the job ran at once and stopped: say why, as the page
            return self.render_to_response(self.get_context_data(pk=pk), status=409)
        return redirect("work:roster_preview", pk)

    def settle_transfer(self, request, pk):
        departure_id = request.POST.get("departure", "")
        departure = get_object_or_404(
            self.roster_import.departures,
            pk=int(departure_id) if departure_id.isdigit() else 0,
        )
        try:
            departures.settle_transfer(
                departure,
                by=request.user,
                receiving_school=request.POST.get("receiving_school", ""),
            )
        except ValidationError as error:
            context = self.get_context_data(pk=pk, error=" ".join(error.messages))
            return self.render_to_response(context, status=422)
        return redirect("work:roster_preview", pk)


@method_decorator([login_required, never_cache], name="dispatch")
class RosterRefusedView(_RosterPage, View):
    """The refused rows as they were in the file, with a reason column: to correct and import
    again."""

    def get(self, request, *args, pk, **kwargs):
        roster_import = self.roster_import
        if roster_import.status != ImportStatus.PREVIEWED:
            raise Http404
        checked = importing.recheck(roster_import, places_of(request.user, roster_import.kind))
        reasons: dict[int, list[str]] = {}
        for refusal in checked.refusals:
            label = f"{refusal.column}：" if refusal.column else ""
            reasons.setdefault(refusal.row, []).append(label + refusal.reason)
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(str(_("Refused rows")))
        sheet.append([*checked.header, str(REASON_COLUMN)])
        for row, cells in sorted(checked.refused_cells.items()):
            sheet.append([*cells, "；".join(reasons.get(row, []))])
        out = io.BytesIO()
        workbook.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="refused-{pk}.xlsx"'
        return response


@method_decorator([login_required, never_cache], name="dispatch")
class RosterProgressView(_RosterPage, View):
    """How far the import's job has come, for the page's progress bar: no names, no numbers."""

    def get(self, request, *args, pk, **kwargs):
        status = self.roster_import.status
        found = progress.read(self.roster_import.pk)
        percent = 100 if status == ImportStatus.COMMITTED else found.percent
        return JsonResponse(
            {
                "status": status,
                "phase": found.phase,
                "done": found.done,
                "total": found.total,
                "percent": percent,
            }
        )
