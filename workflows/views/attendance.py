"""The daily roll on a phone: a class's students, everyone present unless marked, one tap to
send; the rules' proposals for the class, to confirm or answer. And the overview of the rolls
for those who supervise schools."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from cases import clock, selectors
from cases.access import grants_of
from cases.models import (
    Absence,
    AbsenceKind,
    Proposal,
    ProposalStatus,
    Role,
    RollCall,
    Student,
    Subsidy,
    SupportPlan,
    Unit,
    UnitKind,
)
from cases.selectors import roles_of
from cases.staff import name_of

from ..attendance import overview, plans, proposals, risk, roll
from ..errors import CaseError
from ..forms import date_input

ROLL_ROLES = frozenset({Role.HOMEROOM_TEACHER, Role.SCHOOL_OFFICER})
SHOWN = 200
ROLL_SAVED = _("The roll of %(klass)s for %(date)s is recorded: %(absent)s absent.")
CONFIRMED = _("The case is open.")
REJECTED = _("Recorded: not a suspected dropout.")
MARK_CHOICES = [
    ("", _("Present")),
    (AbsenceKind.SICK, _("Sick leave")),
    (AbsenceKind.PERSONAL, _("Personal leave")),
    (AbsenceKind.UNEXCUSED, _("Unexcused / unknown")),
]


def classes_of(user) -> list[Unit]:
    """The classes whose roll the user takes: a teacher's own, an officer's whole school."""
    own, schools = [], []
    for grant in grants_of(user):
        if grant.role == Role.HOMEROOM_TEACHER:
            own.append(grant.unit.pk)
        elif grant.role == Role.SCHOOL_OFFICER:
            schools.append(grant.unit.path)
    classes = Unit.objects.filter(kind=UnitKind.CLASS, pk__in=own)
    for path in schools:
        classes |= Unit.objects.filter(kind=UnitKind.CLASS, path__startswith=path)
    return list(classes.select_related("parent__parent").order_by("path"))


@method_decorator([login_required, never_cache], name="dispatch")
class RollView(TemplateView):
    template_name = "workflows/roll.html"
    roles = ROLL_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not roles_of(request.user) & self.roles:
            raise PermissionDenied
        self.classes = classes_of(request.user)
        wanted = request.GET.get("class") or request.POST.get("class") or ""
        self.klass = next((k for k in self.classes if str(k.pk) == wanted), None)
        if self.klass is None and self.classes:
            self.klass = self.classes[0]
        return super().dispatch(request, *args, **kwargs)

    def day(self, days) -> datetime.date:
        wanted = self.request.GET.get("day") or self.request.POST.get("day") or ""
        return next((d for d in days if d.isoformat() == wanted), days[0] if days else None)

    def get_context_data(self, **kwargs):
        context = {"classes": self.classes, "klass": self.klass, "error": kwargs.get("error")}
        if self.klass is None:
            return {**super().get_context_data(**kwargs), **context}
        school = self.klass.parent.parent
        days = roll.days_open(school, clock.today())
        day = self.day(days)
        students = list(Student.objects.on_roll().filter(klass=self.klass).order_by("name"))
        marks = {}
        if day is not None:
            marks = {
                a.student_id: a
                for a in Absence.objects.filter(student__klass=self.klass, date=day).exclude(
                    kind=AbsenceKind.PRESENT
                )
            }
        typed = kwargs.get("typed") or {}
        roll_call = RollCall.objects.filter(klass=self.klass, date=day).first()
        context.update(
            days=days,
            day=day,
            rows=[(s, typed.get(s.pk) or marks.get(s.pk)) for s in students],
            roll_call=roll_call,
            version=roll.version_of(roll_call),
            choices=MARK_CHOICES,
            proposals=Proposal.objects.filter(
                student__klass=self.klass, status=ProposalStatus.OPEN
            ).select_related("student"),
            excused=Proposal.objects.filter(
                student__klass=self.klass, status=ProposalStatus.EXCUSED_AFTER_CASE
            ).select_related("student", "case"),
        )
        return {**super().get_context_data(**kwargs), **context}

    def post(self, request, *args, **kwargs):
        posted = request.POST.get("class", "")
        if self.klass is None or (posted and posted != str(self.klass.pk)):
            raise Http404  # never fall back to another class: its marks are not in the form
        if "proposal" in request.POST:
            return self.answer(request)
        marks = self.marks(request.POST)
        school = self.klass.parent.parent
        try:
            day = self.posted_day(roll.days_open(school, clock.today()))
            taken = roll.roll_take(
                klass=self.klass,
                date=day,
                by=request.user,
                marks=marks,
                version=request.POST.get("version"),
            )
        except ValidationError as error:
            return self.refuse(" ".join(error.messages), marks)
        messages.success(
            request,
            ROLL_SAVED % {"klass": self.klass.name, "date": f"{day:%m-%d}", "absent": taken.absent},
        )
        return redirect(f"{reverse('work:roll:index')}?class={self.klass.pk}&day={day}")

    def posted_day(self, days) -> datetime.date:
        """The day the form names (the service judges it), else the newest open day."""
        wanted = self.request.POST.get("day", "")
        if wanted:
            try:
                return datetime.date.fromisoformat(wanted)
            except ValueError:
                raise ValidationError(roll.NOT_A_SCHOOL_DAY, params={"date": wanted}) from None
        if not days:
            today = f"{clock.today():%Y-%m-%d}"
            raise ValidationError(roll.NOT_A_SCHOOL_DAY, params={"date": today})
        return days[0]

    def marks(self, data) -> dict[int, roll.Mark]:
        kinds = {AbsenceKind.SICK, AbsenceKind.PERSONAL, AbsenceKind.UNEXCUSED}
        marks = {}
        for student in Student.objects.on_roll().filter(klass=self.klass).only("pk"):
            kind = data.get(f"kind-{student.pk}", "")
            if kind not in kinds:
                continue
            marks[student.pk] = roll.Mark(
                kind=kind,
                part_of_day=bool(data.get(f"part-{student.pk}")),
                contacted=data.get(f"contacted-{student.pk}", "").strip()[:100],
            )
        return marks

    def refuse(self, error: str, marks):
        typed = {
            pk: Absence(kind=m.kind, part_of_day=m.part_of_day, contacted=m.contacted)
            for pk, m in marks.items()
        }
        context = self.get_context_data(error=error, typed=typed)
        return self.render_to_response(context, status=422)

    def answer(self, request):
        proposal = get_object_or_404(
            Proposal,
            pk=int(request.POST["proposal"]) if request.POST["proposal"].isdigit() else 0,
            student__klass=self.klass,
        )
        try:
            if request.POST.get("answer") == "confirm":
                case = proposals.proposal_confirm(proposal=proposal, by=request.user)
                messages.success(request, CONFIRMED)
                return redirect("work:case_detail", case.pk)
            proposals.proposal_reject(proposal=proposal, by=request.user)
        except (ValidationError, CaseError) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            return self.render_to_response(self.get_context_data(error=text), status=409)
        messages.success(request, REJECTED)
        return redirect(f"{reverse('work:roll:index')}?class={self.klass.pk}")


class ForRoles:
    """A page for the roles in `roles`: anyone else is refused (403) before anything else."""

    roles: frozenset = frozenset()

    def dispatch(self, request, *args, **kwargs):
        if not roles_of(request.user) & self.roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


OVERVIEW_ROLES = frozenset({Role.SCHOOL_OFFICER, Role.DISTRICT_SUPERVISOR, Role.COUNTY_SUPERVISOR})


@method_decorator([login_required, never_cache], name="dispatch")
class AttendanceOverviewView(ForRoles, TemplateView):
    """到校情况: per school, today's reporting and the last four weeks; the integrity flags."""

    template_name = "workflows/attendance_overview.html"
    roles = OVERVIEW_ROLES

    def get_context_data(self, **kwargs):
        user, today = self.request.user, clock.today()
        units = [grant.unit for grant in grants_of(user) if grant.role in self.roles]
        schools = overview.schools_under(units)
        in_reach = selectors.students_in_reach(user).filter(school__in=schools)
        lines = overview.per_school(schools, today)
        return {
            **super().get_context_data(**kwargs),
            "today": today,
            "weeks": overview.WEEKS,
            "lines": lines,
            "days": overview.per_day(lines, schools, today),
            "unreported": overview.unreported_classes(schools, today),
            "silent": overview.silent_classes(schools, today),
            "absent": list(overview.absent_without_case(in_reach, today)[:SHOWN]),
            "late": overview.late_reports(
                selectors.cases_in_reach(user).filter(school__in=schools), today
            ),
            "may_open": Role.SCHOOL_OFFICER in roles_of(user),
        }


RISK_ROLES = frozenset(
    {
        Role.HOMEROOM_TEACHER,
        Role.SCHOOL_OFFICER,
        Role.DISTRICT_SUPERVISOR,
        Role.COUNTY_SUPERVISOR,
    }
)
PLAN_SAVED = _("The support plan is saved.")


@method_decorator([login_required, never_cache], name="dispatch")
class RiskRegisterView(ForRoles, TemplateView):
    """易辍学生: the students at risk in reach, each with the reasons and their plan's review."""

    template_name = "workflows/risk_register.html"
    roles = RISK_ROLES

    def get_context_data(self, **kwargs):
        user, today = self.request.user, clock.today()
        every = self.request.GET.get("levels") == "all"
        levels = (risk.Level.HIGH, risk.Level.MEDIUM, risk.Level.LOW) if every else None
        students = selectors.students_in_reach(user, roles=self.roles)
        rows = risk.register(students, today, **({"levels": levels} if levels else {}))
        return {
            **super().get_context_data(**kwargs),
            "rows": rows[:SHOWN],
            "total": len(rows),
            "shown": SHOWN,
            "every": every,
            "due": sum(1 for row in rows if row.review_due),
            "may_plan": bool(roles_of(user) & ROLL_ROLES),
        }


class SupportPlanForm(forms.Form):
    measures = forms.CharField(
        label=_("Measures"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    responsible = forms.CharField(label=_("Responsible people"), max_length=200)
    mentor = forms.ModelChoiceField(
        label=_("Mentor (一帮一)"), queryset=None, required=False, empty_label="—"
    )
    subsidies = forms.MultipleChoiceField(
        label=_("Subsidies"),
        choices=Subsidy.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=date_input())

    def __init__(self, *args, student, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = plans.mentors_for(student)
        self.fields["mentor"].label_from_instance = name_of


@method_decorator([login_required, never_cache], name="dispatch")
class SupportPlanView(FormView):
    """一人一案 of one student: for their homeroom teacher and the school's dropout officer."""

    template_name = "workflows/support_plan.html"
    form_class = SupportPlanForm

    def dispatch(self, request, *args, **kwargs):
        self.student = get_object_or_404(selectors.students_in_reach(request.user), pk=kwargs["pk"])
        if not plans.may_plan(request.user, self.student):
            raise PermissionDenied
        self.plan = SupportPlan.objects.filter(student=self.student).first()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "student": self.student}

    def get_initial(self):
        if self.plan is None:
            return {"reviewed_on": clock.today()}
        return {
            "measures": self.plan.measures,
            "responsible": self.plan.responsible,
            "mentor": self.plan.mentor_id,
            "subsidies": self.plan.subsidies,
            "reviewed_on": clock.today(),
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "student": self.student, "plan": self.plan}

    def form_valid(self, form):
        try:
            plans.plan_save(student=self.student, by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, PLAN_SAVED)
        return redirect("work:risk:index")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)
