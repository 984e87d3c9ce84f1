"""The documents of a case: issuing a notice to return, a correction, a proof of service, and
the downloads (each PDF, each receipt photo, the chronology), every one in the access log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from cases import audit
from cases.models import AccessAction, Document, DocumentKind

from ..errors import CaseError
from ..forms import UnmaskForm
from ..notices import chronology, issuing, pdf, serving
from ..notices.forms import CorrectionForm, NoticeForm, ServiceForm
from ..notices.listing import may_issue_notice
from .case_pages import UNMASK_PERMISSION, _CaseFormView, case_in_reach

ISSUED = _("Issued: %(number)s.")
SERVICE_SAVED = _("The proof of service of %(number)s is recorded.")


PDF_UNAVAILABLE = _(
    "PDFs cannot be made on this server: it lacks pango or the Chinese fonts (Debian packages "
    "libpangoft2-1.0-0 and fonts-noto-cjk). Ask the administrator to install them."
)


def _pdf_response(make, filename: str) -> HttpResponse:
    """The PDF `make()` returns, as a download; a clear 503 when the server cannot make it."""
    try:
        content = make()
    except pdf.PdfUnavailable:
        return HttpResponse(str(PDF_UNAVAILABLE), status=503, content_type="text/plain")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _DocumentMixin:
    """A document of a case in the user's reach: 404 otherwise."""

    def document_of(self, request, pk: int, document: int) -> Document:
        case = case_in_reach(request, pk)
        return get_object_or_404(
            Document.objects.select_related("case__student", "wording", "issuer"),
            pk=document,
            case=case,
        )


class _Download(_DocumentMixin, View):
    """A download: whatever the method, 404 outside reach (a POST says 405 only about a
    document the user may see)."""

    def post(self, request, pk: int, document: int):
        self.document_of(request, pk, document)
        return HttpResponseNotAllowed(["GET"])


@method_decorator(never_cache, name="dispatch")
class NoticeIssueView(_CaseFormView):
    template_name = "workflows/notice_form.html"
    form_class = NoticeForm

    def check_access(self, **kwargs) -> None:
        if not may_issue_notice(self.case, self.request.user):
            raise PermissionDenied

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.case}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": DocumentKind.RETURN_NOTICE.label}

    def form_valid(self, form):
        try:
            document = issuing.notice_issue(case=self.case, by=self.request.user, **form.inputs())
        except CaseError as error:
            return self.refuse(form, error)
        messages.success(self.request, ISSUED % {"number": document.number})
        return redirect("work:case_detail", self.case.pk)


@method_decorator(never_cache, name="dispatch")
class DocumentCorrectView(_DocumentMixin, _CaseFormView):
    template_name = "workflows/notice_form.html"
    form_class = CorrectionForm

    def check_access(self, *, document: int, **kwargs) -> None:
        self.document = self.document_of(self.request, self.case.pk, document)
        if self.document.is_voided or not issuing.may_issue(
            self.request.user, self.case, self.document.kind
        ):
            raise PermissionDenied

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "document": self.document}

    def get_context_data(self, **kwargs):
        title = _("Correct %(number)s") % {"number": self.document.number}
        return {**super().get_context_data(**kwargs), "title": title, "document": self.document}

    def form_valid(self, form):
        try:
            new = issuing.document_correct(
                document=self.document, by=self.request.user, **form.inputs()
            )
        except CaseError as error:
            return self.refuse(form, error)
        messages.success(self.request, ISSUED % {"number": new.number})
        return redirect("work:case_detail", self.case.pk)


@method_decorator(never_cache, name="dispatch")
class ServiceView(_DocumentMixin, _CaseFormView):
    template_name = "workflows/notice_form.html"
    form_class = ServiceForm

    def check_access(self, *, document: int, **kwargs) -> None:
        self.document = self.document_of(self.request, self.case.pk, document)
        if not serving.may_record_service(self.request.user, self.document):
            raise PermissionDenied

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        return {**kwargs, "document": self.document, "user": self.request.user}

    def get_context_data(self, **kwargs):
        title = _("Proof of service of %(number)s") % {"number": self.document.number}
        return {
            **super().get_context_data(**kwargs),
            "title": title,
            "document": self.document,
            "multipart": True,
        }

    def form_valid(self, form):
        try:
            serving.service_record(document=self.document, by=self.request.user, **form.inputs())
        except CaseError as error:
            return self.refuse(form, error)
        messages.success(self.request, SERVICE_SAVED % {"number": self.document.number})
        return redirect("work:case_detail", self.case.pk)


@method_decorator([login_required, never_cache], name="dispatch")
class DocumentPdfView(_Download):
    def get(self, request, pk: int, document: int):
        found = self.document_of(request, pk, document)
        audit.access_record(
            user=request.user, case=found.case, action=AccessAction.DOWNLOAD, reason=found.number
        )
        return _pdf_response(lambda: pdf.render(found), f"document-{found.pk}.pdf")


@method_decorator([login_required, never_cache], name="dispatch")
class ReceiptView(_Download):
    def get(self, request, pk: int, document: int):
        found = self.document_of(request, pk, document)
        if not found.is_served or not found.service.receipt:
            raise Http404
        audit.access_record(
            user=request.user,
            case=found.case,
            action=AccessAction.DOWNLOAD,
            reason=f"送达回证 {found.number}",
        )
        return FileResponse(found.service.receipt.open("rb"), content_type="image/jpeg")


@method_decorator([login_required, never_cache], name="dispatch")
class ChronologyView(View):
    """The case's chronology as a PDF: numbers masked; with the right and a reason (POST),
    in full, the reason in the access log."""

    def get(self, request, pk: int):
        case = case_in_reach(request, pk)
        audit.access_record(
            user=request.user, case=case, action=AccessAction.DOWNLOAD, reason="案件时序"
        )
        return _pdf_response(lambda: chronology.render(case), f"case-{case.pk}-chronology.pdf")

    def post(self, request, pk: int):
        case = case_in_reach(request, pk)
        if not request.user.has_perm(UNMASK_PERMISSION):
            raise PermissionDenied
        form = UnmaskForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["reason"][0])
            return redirect("work:case_detail", case.pk)
        reason = form.cleaned_data["reason"]
        audit.access_record(user=request.user, case=case, action=AccessAction.UNMASK, reason=reason)
        audit.access_record(
            user=request.user, case=case, action=AccessAction.DOWNLOAD, reason="案件时序"
        )
        return _pdf_response(
            lambda: chronology.render(case, full_numbers=True), f"case-{case.pk}-chronology.pdf"
        )
