"""The registers page: choose a register and dates, download it as Excel. Numbers are masked
unless the user may see them and asks, with a reason; every export is in the access log."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView

from cases import audit, clock
from cases.access import grants_of
from cases.models import Role
from cases.selectors import roles_of
from cases.validators import refuse_numbers_in_text

from ..forms import date_input
from ..registers.registers import REGISTERS, Numbers, Period
from ..registers.workbook import build

REGISTER_ROLES = frozenset(
    {
        Role.SCHOOL_OFFICER,
        Role.TOWNSHIP_OFFICIAL,
        Role.DISTRICT_SUPERVISOR,
        Role.COUNTY_SUPERVISOR,
    }
)
FULL_NUMBERS_PERMISSION = "cases.view_identity"
END_BEFORE_START = _("The end date is before the start date.")
REASON_NEEDED = _("Say why the full numbers are needed.")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RegisterForm(forms.Form):
    register = forms.ChoiceField(
        label=_("Register"), choices=[(key, r.title) for key, r in REGISTERS.items()]
    )
    start = forms.DateField(label=_("From"), widget=date_input())
    end = forms.DateField(label=_("To"), widget=date_input())
    full_numbers = forms.BooleanField(label=_("Show full numbers"), required=False)
    # Kept in the access log: never a number, and short enough to fit beside what was exported.
    reason = forms.CharField(
        label=_("Why full numbers are needed"),
        max_length=80,
        required=False,
        validators=[refuse_numbers_in_text],
    )

    def __init__(self, *args, may_see_numbers: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not may_see_numbers:
            del self.fields["full_numbers"]
            del self.fields["reason"]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", END_BEFORE_START)
        if data.get("full_numbers") and len(data.get("reason", "").strip()) < 4:
            self.add_error("reason", REASON_NEEDED)
        return data


@method_decorator([login_required, never_cache], name="dispatch")
class RegisterView(FormView):
    template_name = "workflows/registers.html"
    form_class = RegisterForm
    roles = REGISTER_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not roles_of(request.user) & self.roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        today = clock.today()
        return {"register": "suspected", "start": today.replace(day=1), "end": today}

    def get_form_kwargs(self):
        may_see = self.request.user.has_perm(FULL_NUMBERS_PERMISSION)
        return {**super().get_form_kwargs(), "may_see_numbers": may_see}

    def reach(self) -> str:
        """The units the user's registers cover, named for the page and the file's title."""
        return "、".join(sorted({grant.unit.name for grant in grants_of(self.request.user)}))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "reach": self.reach()}

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)

    def form_valid(self, form):
        data = form.cleaned_data
        register = REGISTERS[data["register"]]
        full = bool(data.get("full_numbers"))
        period = Period(data["start"], data["end"])
        title = f"{self.reach()} {register.title}（{period.start:%Y-%m-%d}—{period.end:%Y-%m-%d}）"
        rows = register.rows(self.request.user, period, Numbers(full=full and register.has_numbers))
        content, count = build(title, register.header(), rows)
        shown = _("full numbers") if full else _("numbers masked")
        reason = f"{register.title} {period.start}—{period.end} · {count} · {shown}"
        if full:
            reason += f" · {data['reason'].strip()}"
        audit.register_exported(user=self.request.user, reason=str(reason))
        response = HttpResponse(content, content_type=XLSX)
        name = f"{data['register']}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
