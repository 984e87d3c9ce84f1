"""The input of each step: forms that collect and validate it; the services decide. The step
registry (`workflows.registry`) pairs each form with its service.

Every form carries the stage and the version of the case the user saw (`seen_stage`,
`seen_version`), so that a step on a case someone else has changed meanwhile is answered with a
conflict, not applied to a case the user has not seen.
"""

import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases import ladder as rules
from cases.ladder import APPROVERS, DIRECT_CLOSURES, RULES, Step
from cases.models import (
    ClosureReason,
    ContactKind,
    DismissalReason,
    DropoutReason,
    Guardian,
    GuardianAttitude,
    Unit,
    UnitKind,
)
from cases.selectors import staff_reaching
from cases.staff import name_of
from cases.validators import LINE_MAX_LENGTH, NOTE_MAX_LENGTH, refuse_numbers_in_text

from . import policies, routing
from .errors import NOTE_REQUIRED


class PersonLabel:
    """Staff are listed by their names, not their usernames."""

    def label_from_instance(self, obj) -> str:
        return name_of(obj)


class PersonChoiceField(PersonLabel, forms.ModelChoiceField):
    pass


class PeopleChoiceField(PersonLabel, forms.ModelMultipleChoiceField):
    pass


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def reasons_field():
    return forms.MultipleChoiceField(
        label=_("Reasons"),
        choices=DropoutReason.choices,
        widget=forms.SelectMultiple,
        error_messages={"required": rules.has_reasons.message},
    )


def line_field(label, *, required: bool = False, max_length: int = LINE_MAX_LENGTH, **options):
    """One line of free text: a place, a school, whereabouts. Never an identity or phone number
    (the browser counts the characters left)."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        validators=[refuse_numbers_in_text],
        **options,
    )


def note_field(label, *, required: bool = False, rows: int = 3):
    """A note: a step's reason, a contact's result. At most NOTE_MAX_LENGTH characters."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows}),
        validators=[refuse_numbers_in_text],
    )


def required_first(form: forms.Form) -> None:
    """Put the fields a person must fill in first, then the optional ones, with the note (the
    free text, required or not) last of its group: the form reads as what is asked, then what
    may be added."""

    def place(name: str) -> tuple[bool, bool]:
        field = form.fields[name]
        return (not field.required, name == "note")

    form.order_fields(sorted(form.fields, key=place))


class StepForm(forms.Form):
    """The fields every step has: the stage and version the user saw, and a note, required
    where the ladder says the step needs a written reason."""

    seen_stage = forms.CharField(widget=forms.HiddenInput)
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = note_field(_("Note"))
    step: str = ""  # the Step this form is the input of
    # The case's attributes this form's fields set (attribute: field). The step's input guards
    # (cases.ladder) run on a copy of the case with them set, so the form refuses exactly what
    # the service would; each failure is shown on its field in `guard_fields`.
    sets_on_case: dict[str, str] = {}
    guard_fields: dict = {}

    def __init__(self, *args, case, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("seen_stage", case.stage)
        kwargs["initial"].setdefault("seen_version", case.version)
        super().__init__(*args, **kwargs)
        self.case = case
        if RULES[self.step].note_required:
            self.fields["note"].required = True
            self.fields["note"].error_messages["required"] = NOTE_REQUIRED
            self.fields["note"].label = _("Reason (required)")
        required_first(self)

    def clean(self):
        data = super().clean()
        if self.sets_on_case and not set(self.sets_on_case.values()) & set(self.errors):
            draft = copy.copy(self.case)
            for attribute, field in self.sets_on_case.items():
                setattr(draft, attribute, data.get(field) or "")
            for condition in RULES[self.step].guards:
                if condition.on_input and not condition(draft):
                    self.add_error(self.guard_fields.get(condition), condition.message)
                    break
        return data

    def inputs(self) -> dict:
        """The service's keyword arguments besides the case and the actor."""
        return {"note": self.cleaned_data["note"]}


class ReportForm(StepForm):
    reasons = reasons_field()
    reason_note = line_field(_("Reason details"))
    whereabouts = line_field(
        _("Whereabouts"),
        required=True,
        error_messages={"required": rules.has_whereabouts.message},
    )
    last_seen_on = forms.DateField(
        label=_("Last seen in school"), required=False, widget=date_input()
    )
    step = Step.REPORT

    def __init__(self, *args, case, **kwargs) -> None:
        kwargs.setdefault("initial", {}).update(
            {
                "reasons": case.reasons,
                "reason_note": case.reason_note,
                "whereabouts": case.whereabouts,
                "last_seen_on": case.last_seen_on,
            }
        )
        super().__init__(*args, case=case, **kwargs)

    def inputs(self) -> dict:
        data = self.cleaned_data
        return {
            "note": data["note"],
            "reasons": data["reasons"],
            "reason_note": data["reason_note"],
            "whereabouts": data["whereabouts"],
            "last_seen_on": data["last_seen_on"],
        }


class DismissForm(StepForm):
    dismissal_reason = forms.ChoiceField(
        label=_("Why it is not a dropout"),
        choices=DismissalReason.choices,
        error_messages={"required": rules.has_dismissal_reason.message},
    )
    receiving_school = line_field(_("Receiving school (for a transfer)"), max_length=100)
    step = Step.DISMISS
    sets_on_case = {"dismissal_reason": "dismissal_reason", "receiving_school": "receiving_school"}
    guard_fields = {
        rules.has_dismissal_reason: "dismissal_reason",
        rules.dismissed_transfer_names_school: "receiving_school",
    }

    def inputs(self) -> dict:
        data = self.cleaned_data
        return {
            "note": data["note"],
            "reason": data["dismissal_reason"],
            "receiving_school": data["receiving_school"],
        }


class StartHomeVisitForm(StepForm):
    step = Step.START_HOME_VISIT


class EscalateForm(StepForm):
    step = Step.ESCALATE


def days_field():
    return forms.IntegerField(
        label=_("Days allowed to return the child"),
        min_value=policies.ORDER_DAYS_MIN,
        max_value=policies.ORDER_DAYS_MAX,
        initial=10,
        help_text=_("Counted from the day after the order is served."),
    )


def guardian_field(case):
    """The guardian a notice is addressed to: one of the student's, required when there is
    any (the first is proposed)."""
    guardians = Guardian.objects.filter(student_id=case.student_id)
    first = guardians.first()
    return forms.ModelChoiceField(
        label=_("Addressed to (guardian)"),
        queryset=guardians,
        required=first is not None,
        initial=first,
        empty_label=None if first else _("(no guardian on record)"),
        error_messages={"required": _("Choose the guardian the document is addressed to.")},
    )


class OrderEnforcementForm(StepForm):
    days = days_field()
    # Declared here so the form's fields are known without a case (the API's schema reads
    # them); the case's own guardians are put in by __init__.
    guardian = forms.ModelChoiceField(
        label=_("Addressed to (guardian)"), queryset=Guardian.objects.none(), required=False
    )
    step = Step.ORDER_ENFORCEMENT

    def __init__(self, *args, case, **kwargs) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["guardian"] = guardian_field(case)
        required_first(self)

    def inputs(self) -> dict:
        return {
            "note": self.cleaned_data["note"],
            "days": self.cleaned_data["days"],
            "guardian": self.cleaned_data["guardian"],
        }


class ReferForm(StepForm):
    step = Step.REFER


class MarkReturnedForm(StepForm):
    returned_on = forms.DateField(
        label=_("Back in class on"),
        widget=date_input(),
        error_messages={"required": rules.has_return_date.message},
    )
    step = Step.MARK_RETURNED

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["returned_on"].initial = clock.today()

    def inputs(self) -> dict:
        return {"note": self.cleaned_data["note"], "returned_on": self.cleaned_data["returned_on"]}


class StartFollowupForm(StepForm):
    tutor = PersonChoiceField(label=_("Tutor (一帮一)"), queryset=None)
    step = Step.START_FOLLOWUP

    def __init__(self, *args, case, **kwargs) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["tutor"].queryset = routing.staff_of_school(case).order_by("first_name")

    def inputs(self) -> dict:
        return {"note": self.cleaned_data["note"], "tutor": self.cleaned_data["tutor"]}


class CloseForm(StepForm):
    step = Step.CLOSE


class CloseVerifiedForm(StepForm):
    reason = forms.ChoiceField(
        label=_("Closure reason"),
        choices=[(c.value, c.label) for c in ClosureReason if c in DIRECT_CLOSURES],
    )
    step = Step.CLOSE_VERIFIED
    sets_on_case = {"closure_reason": "reason"}
    guard_fields = {rules.has_verified_closure: "reason"}

    def inputs(self) -> dict:
        return {"note": self.cleaned_data["note"], "reason": self.cleaned_data["reason"]}


class RequestClosureForm(StepForm):
    reason = forms.ChoiceField(
        label=_("Closure reason"),
        choices=[(c.value, c.label) for c in ClosureReason if c in APPROVERS],
    )
    receiving_school = line_field(_("Receiving school (for a transfer)"), max_length=100)
    step = Step.REQUEST_CLOSURE
    sets_on_case = {"closure_reason": "reason", "receiving_school": "receiving_school"}
    guard_fields = {
        rules.has_requestable_closure: "reason",
        rules.transfer_names_school: "receiving_school",
    }

    def inputs(self) -> dict:
        data = self.cleaned_data
        return {
            "note": data["note"],
            "reason": data["reason"],
            "receiving_school": data["receiving_school"],
        }


class ApproveClosureForm(StepForm):
    step = Step.APPROVE_CLOSURE


class RefuseClosureForm(StepForm):
    step = Step.REFUSE_CLOSURE


class RelapseForm(StepForm):
    step = Step.RELAPSE


class OverrideForm(StepForm):
    step = Step.OVERRIDE


class ReassignForm(StepForm):
    owner = PersonChoiceField(label=_("New owner"), queryset=None)
    step = Step.REASSIGN

    def __init__(self, *args, case, **kwargs) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["owner"].queryset = staff_reaching(case).exclude(pk=case.owner_id)

    def inputs(self) -> dict:
        return {"note": self.cleaned_data["note"], "owner": self.cleaned_data["owner"]}


class HandOverForm(StepForm):
    township = forms.ModelChoiceField(label=_("New township of residence"), queryset=None)
    step = Step.HAND_OVER

    def __init__(self, *args, case, **kwargs) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["township"].queryset = (
            Unit.objects.filter(kind=UnitKind.TOWNSHIP, parent=case.county_id)
            .exclude(pk=case.township_id)
            .order_by("path")
        )

    def inputs(self) -> dict:
        return {"note": self.cleaned_data["note"], "township": self.cleaned_data["township"]}


class ContactForm(forms.Form):
    """家访记录 / 动员记录: one contact with the family."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=date_input())
    place = line_field(_("Place"))
    participants = PeopleChoiceField(
        label=_("Staff taking part (besides you)"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple,
    )
    other_participants = line_field(_("Other participants"))
    guardian_attitude = forms.ChoiceField(
        label=_("Guardian's attitude"), choices=GuardianAttitude.choices
    )
    result = note_field(_("Result"), required=True)
    next_step = note_field(_("Next step"), rows=2)

    def __init__(self, *args, case, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["occurred_on"].initial = clock.today()
        self.fields["participants"].queryset = staff_reaching(case).exclude(pk=user.pk)
        required_first(self)

    def inputs(self) -> dict:
        return dict(self.cleaned_data)


class OpenCaseForm(forms.Form):
    """立案: a teacher flags a suspected dropout."""

    reasons = forms.MultipleChoiceField(
        label=_("Reasons (if known)"),
        choices=DropoutReason.choices,
        widget=forms.SelectMultiple,
        required=False,
    )
    reason_note = line_field(_("Reason details"))
    last_seen_on = forms.DateField(
        label=_("Last seen in school"), required=False, widget=date_input()
    )
    whereabouts = line_field(_("Whereabouts"))
    note = note_field(_("Note"))
    # Shown only when the student's age does not fit compulsory education or the class's grade.
    confirm_age = forms.BooleanField(
        label=_("The birth date and the class are right"), required=False
    )

    def __init__(self, *args, student, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.age_concern = student.age_concern(clock.today())
        if self.age_concern is None:
            del self.fields["confirm_age"]

    def clean(self):
        data = super().clean()
        if self.age_concern is not None and not data.get("confirm_age"):
            self.add_error("confirm_age", self.age_concern)
        return data

    def inputs(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "confirm_age"}


class StudentSearchForm(forms.Form):
    """Sent by POST: a name or registry number must not travel in a URL."""

    query = forms.CharField(label=_("Name or registry number"), max_length=50, required=False)


class UnmaskForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the full numbers?"),
        min_length=4,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[refuse_numbers_in_text],  # the reason goes to the access log
    )
