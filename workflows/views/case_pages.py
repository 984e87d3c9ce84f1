"""The case page and the forms that act on a case: a step, a contact, a new case."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from cases import audit, selectors
from cases.access import may_open_case_for, may_take
from cases.ladder import FORWARD_STEPS, RECORD_CONTACT
from cases.masking import mask_id_number, mask_phone, mask_student_no
from cases.models import (
    AccessAction,
    Case,
    DropoutReason,
    ProposalStatus,
    RiskFlag,
    Step,
    Subsidy,
    SupportPlan,
)
from cases.staff import name_of
from cases.steps import may_record_contact, step_options

from .. import errors, registry
from ..attendance.plans import may_plan
from ..consequences import consequence_of
from ..errors import CaseConflict, CaseError, Outcome
from ..forms import ContactForm, OpenCaseForm, UnmaskForm
from ..notices.listing import documents_of, may_issue_notice
from ..selectors import case_timeline, days_left
from .lists import deadline_text

STEP_DONE = _("Done: %(step)s.")
UNMASK_PERMISSION = "cases.view_identity"
CONTACT_SAVED = _("The contact is recorded.")
CASE_OPENED = _("The case is open.")


def case_in_reach(request, pk: int) -> Case:
    """The case, or 404 when it is outside the user's reach: no hint that it exists."""
    queryset = selectors.cases_in_reach(request.user).select_related(
        "village", "tutor", "previous_case", "student__residence_village"
    )
    return get_object_or_404(queryset, pk=pk)


@method_decorator([login_required, never_cache], name="dispatch")
class CaseDetailView(TemplateView):
    template_name = "workflows/case_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.case = case_in_reach(request, kwargs["pk"])  # 404 before anything else
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        audit.case_viewed(user=request.user, case=self.case)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        case = self.case
        student = case.student
        guardians = [
            {"guardian": guardian, "phone": mask_phone(guardian.phone) if guardian.phone else ""}
            for guardian in student.guardians.all()
        ]
        return {
            **super().get_context_data(**kwargs),
            "case": case,
            "student": student,
            "id_masked": mask_id_number(student.id_number) if student.id_number else "",
            "student_no_masked": mask_student_no(student.student_no),
            "guardians": guardians,
            "reason_labels": [DropoutReason(code).label for code in case.reasons],
            "flag_labels": [RiskFlag(code).label for code in case.risk_flags],
            "options": step_options(case, self.request.user),
            "may_record_contact": may_record_contact(case, self.request.user),
            "may_unmask": self.request.user.has_perm(UNMASK_PERMISSION),
            "timeline": case_timeline(case),
            "days_left": days_left(case),
            "deadline_text": deadline_text(case),
            "overdue": case.is_open and case.deadline is not None and days_left(case) < 0,
            **support_of(case, self.request.user),
            "documents": documents_of(case, self.request.user),
            "may_issue_notice": may_issue_notice(case, self.request.user),
        }


def support_of(case, user) -> dict:
    """The student's plan (一人一案) for the case page, and whether the absences behind the
    case were excused since it opened."""
    plan = SupportPlan.objects.filter(student=case.student).select_related("mentor").first()
    return {
        "plan": plan,
        "plan_mentor": name_of(plan.mentor) if plan and plan.mentor else "",
        "plan_subsidies": [Subsidy(code).label for code in plan.subsidies] if plan else [],
        "may_plan": may_plan(user, case.student),
        "excused_after_case": case.proposals.filter(
            status=ProposalStatus.EXCUSED_AFTER_CASE
        ).exists(),
    }


def refusal(view, form, error: CaseError):
    """The page's answer to a refused step, by its outcome: 403 and 404 as Django's pages;
    otherwise the form again, with what the user typed, the message and the outcome's status."""
    if error.outcome == Outcome.NOT_ALLOWED:
        raise PermissionDenied(str(error))
    if error.outcome == Outcome.NOT_FOUND:
        raise Http404(str(error))
    form.add_error(None, str(error))
    return view.render_to_response(view.get_context_data(form=form), status=error.outcome)


class _CaseFormView(FormView):
    """A form about one case: 404 outside reach, the user's input kept on any refusal."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return login_required(lambda r: None)(request)
        self.case = case_in_reach(request, kwargs["pk"])
        self.check_access(**kwargs)  # before any form is read: 403 for GET and POST alike
        return super().dispatch(request, *args, **kwargs)

    def check_access(self, **kwargs) -> None:
        """Raise PermissionDenied (or Http404) when this user may not use this page at all."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "case": self.case}

    def refuse(self, form, error: CaseError):
        return refusal(self, form, error)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


@method_decorator(never_cache, name="dispatch")
class StepView(_CaseFormView):
    template_name = "workflows/step_form.html"

    def check_access(self, *, step: str, **kwargs) -> None:
        if step not in registry.CASE_STEPS:
            raise Http404
        self.step = step
        if not may_take(self.request.user, self.case, step):
            raise PermissionDenied

    def get(self, request, *args, **kwargs):
        options = {option.step: option for option in step_options(self.case, request.user)}
        option = options.get(self.step)
        if option is None:  # the role may take it, but not from this stage (a stale link)
            messages.warning(request, self._not_now_message())
            return redirect("work:case_detail", self.case.pk)
        if option.blocked_by:
            messages.warning(request, option.blocked_by)
            return redirect("work:case_detail", self.case.pk)
        return super().get(request, *args, **kwargs)

    def _not_now_message(self) -> str:
        return str(errors.NOT_ALLOWED) % {
            "step": Step(self.step).label,
            "stage": self.case.get_stage_display(),
        }

    def get_form_class(self):
        return registry.STEPS[self.step].form

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.case}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "step_label": Step(self.step).label,
            "consequence": consequence_of(self.step),
            "forward": self.step in FORWARD_STEPS,
        }

    def form_valid(self, form):
        seen_version = form.cleaned_data["seen_version"]
        changed = seen_version is not None and seen_version != self.case.version
        if form.cleaned_data["seen_stage"] != self.case.stage or changed:
            return self.refuse(
                form, CaseConflict(errors.CONFLICT, stage=self.case.get_stage_display())
            )
        try:
            registry.submit(self.step, form, by=self.request.user, case=self.case)
        except CaseError as error:
            return self.refuse(form, error)
        messages.success(self.request, STEP_DONE % {"step": Step(self.step).label})
        return redirect("work:case_detail", self.case.pk)


@method_decorator(never_cache, name="dispatch")
class ContactView(_CaseFormView):
    template_name = "workflows/contact_form.html"
    form_class = ContactForm

    def check_access(self, **kwargs) -> None:
        if not may_record_contact(self.case, self.request.user):
            raise PermissionDenied

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.case, "user": self.request.user}

    def form_valid(self, form):
        try:
            registry.submit(RECORD_CONTACT, form, by=self.request.user, case=self.case)
        except CaseError as error:
            return self.refuse(form, error)
        messages.success(self.request, CONTACT_SAVED)
        return redirect("work:case_detail", self.case.pk)


@method_decorator([login_required, never_cache], name="dispatch")
class OpenCaseView(FormView):
    template_name = "workflows/open_case.html"
    form_class = OpenCaseForm

    def dispatch(self, request, *args, **kwargs):
        self.student = get_object_or_404(selectors.students_in_reach(request.user), pk=kwargs["pk"])
        if not may_open_case_for(request.user, self.student):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "student": self.student}

    def get_context_data(self, **kwargs):
        open_case = self.student.cases.exclude(stage="closed").first()
        return {
            **super().get_context_data(**kwargs),
            "student": self.student,
            "open_case": open_case,
        }

    def form_valid(self, form):
        try:
            case = registry.submit(Step.OPEN, form, by=self.request.user, student=self.student)
        except CaseError as error:
            return refusal(self, form, error)
        messages.success(self.request, CASE_OPENED)
        return redirect("work:case_detail", case.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


@method_decorator(never_cache, name="dispatch")
class UnmaskView(_CaseFormView):
    """The full identity, registry and phone numbers: for users with the dedicated permission,
    after they state why; every showing is written to the access log."""

    template_name = "workflows/unmask.html"
    form_class = UnmaskForm

    def check_access(self, **kwargs) -> None:
        if not self.request.user.has_perm(UNMASK_PERMISSION):
            raise PermissionDenied

    def form_valid(self, form):
        audit.access_record(
            user=self.request.user,
            case=self.case,
            action=AccessAction.UNMASK,
            reason=form.cleaned_data["reason"],
        )
        student = self.case.student
        return self.render_to_response(
            self.get_context_data(
                form=form,
                shown=True,
                student=student,
                guardians=list(student.guardians.all()),
            )
        )
