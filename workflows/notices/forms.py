"""The forms of the notices' pages: a notice to return, a correction, a proof of service. Each
`inputs()` is its service's keyword arguments besides the case (or document) and the actor."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models import DocumentKind, Service, ServiceMethod
from cases.selectors import staff_reaching

from ..forms import (
    PersonChoiceField,
    date_input,
    days_field,
    guardian_field,
    line_field,
    note_field,
    required_first,
)
from . import issuing

RETURN_BY_LABEL = _("Bring the child back to school by")


def return_by_field():
    return forms.DateField(
        label=RETURN_BY_LABEL,
        widget=date_input(),
        initial=lambda: clock.today() + datetime.timedelta(days=3),
        help_text=_("Within 30 days."),
    )


class NoticeForm(forms.Form):
    """辍学生返校通知书: to whom, and the date to bring the child back by."""

    return_by = return_by_field()

    def __init__(self, *args, case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["guardian"] = guardian_field(case)
        required_first(self)

    def clean_return_by(self):
        return_by = self.cleaned_data["return_by"]
        if return_by <= clock.today():
            raise forms.ValidationError(issuing.RETURN_BY_PAST)
        if return_by > clock.today() + datetime.timedelta(days=issuing.RETURN_BY_DAYS):
            raise forms.ValidationError(issuing.RETURN_BY_FAR)
        return return_by

    def inputs(self) -> dict:
        return {
            "guardian": self.cleaned_data["guardian"],
            "return_by": self.cleaned_data["return_by"],
        }


class CorrectionForm(NoticeForm):
    """A new document in place of one with a mistake: why, and what it says now."""

    reason = line_field(_("What was wrong (the reason for the correction)"), required=True)

    def __init__(self, *args, document, **kwargs) -> None:
        super().__init__(*args, case=document.case, **kwargs)
        self.kind = document.kind
        if document.kind != DocumentKind.RETURN_NOTICE:
            del self.fields["return_by"]
        if document.kind == DocumentKind.ORDER:
            self.fields["days"] = days_field()
            self.fields["days"].initial = document.limit_days
        if document.kind == DocumentKind.DROPOUT_REPORT:
            del self.fields["guardian"]  # the report goes to the township and the county
        if document.guardian_id and "guardian" in self.fields:
            self.fields["guardian"].initial = document.guardian_id
        required_first(self)

    def inputs(self) -> dict:
        data = self.cleaned_data
        return {
            "reason": data["reason"],
            "guardian": data.get("guardian"),
            "return_by": data.get("return_by"),
            "days": data.get("days"),
        }


# The receipt's lines besides the method, the dates, who served and the photo.
DETAILS = ("place", "received_by", "relation", "refusal", "witness", "tracking_number")


class ServiceForm(forms.ModelForm):
    """送达回证: how the document reached the guardian; what each method must show is checked
    by the record's own rules (Service.clean)."""

    served_by = PersonChoiceField(label=_("Served by"), queryset=None)
    receipt = forms.ImageField(
        label=_("Photo of the signed receipt"),
        required=False,
        help_text=_("Optional. Seen only by those who may see the case."),
    )
    note = note_field(_("Note"))

    class Meta:
        model = Service
        fields = [
            "method",
            "served_on",
            "served_by",
            "place",
            "received_by",
            "relation",
            "refusal",
            "witness",
            "tracking_number",
            "receipt",
            "note",
        ]
        widgets = {"served_on": date_input(), "method": forms.RadioSelect}

    def __init__(self, *args, document, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.document = document
        self.fields["served_by"].queryset = staff_reaching(document.case)
        self.fields["served_by"].initial = user.pk
        self.fields["served_on"].initial = clock.today()
        self.fields["method"].initial = ServiceMethod.DIRECT

    def inputs(self) -> dict:
        data = self.cleaned_data
        details = {
            name: data[name]
            for name in (
                "place",
                "received_by",
                "relation",
                "refusal",
                "witness",
                "tracking_number",
            )
        }
        return {
            "method": data["method"],
            "served_on": data["served_on"],
            "served_by": data["served_by"],
            "receipt": data.get("receipt"),
            "note": data["note"],
            **details,
        }
