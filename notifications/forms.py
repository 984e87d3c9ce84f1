"""The admin's form of a DingTalk robot: its address and secret are written, never shown.

Both fields start empty on every page (a password field that does not render its value); left
empty on a change, the stored value stays. What is stored is checked the way DingTalk hands it
out: an https address holding the robot's access_token, and a signing secret starting SEC."""

import urllib.parse

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DingTalkRobot

ADDRESS_NEEDED = _("Enter the robot's address.")
ADDRESS_WRONG = _(
    "The robot's address must start with https:// and hold its access_token, as the group's "
    "robot settings show it (https://oapi.dingtalk.com/robot/send?access_token=…)."
)
SECRET_NEEDED = _("Enter the robot's signing secret.")
SECRET_WRONG = _(
    "The signing secret starts with SEC: switch on “加签” in the robot's security settings and "
    "copy the secret shown there."
)
KEEP_HELP = _("Shown only as its last characters. Leave empty to keep the one stored.")


def address_problem(url: str) -> str | None:
    parts = urllib.parse.urlsplit(url)
    token = urllib.parse.parse_qs(parts.query).get("access_token", [""])[0]
    if parts.scheme != "https" or not parts.netloc or not token or any(c.isspace() for c in url):
        return ADDRESS_WRONG
    return None


class DingTalkRobotForm(forms.ModelForm):
    new_webhook_url = forms.CharField(
        label=_("robot address"),
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    new_secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = DingTalkRobot
        fields = ["unit", "name", "active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["new_webhook_url"].help_text = KEEP_HELP
            self.fields["new_secret"].help_text = KEEP_HELP

    def clean_new_webhook_url(self) -> str:
        url = self.cleaned_data["new_webhook_url"]
        if not url:
            if not self.instance.pk:
                raise forms.ValidationError(ADDRESS_NEEDED)
            return ""
        if problem := address_problem(url):
            raise forms.ValidationError(problem)
        return url

    def clean_new_secret(self) -> str:
        secret = self.cleaned_data["new_secret"]
        if not secret:
            if not self.instance.pk:
                raise forms.ValidationError(SECRET_NEEDED)
            return ""
        if not secret.startswith("SEC") or len(secret) < 10 or " " in secret:
            raise forms.ValidationError(SECRET_WRONG)
        return secret

    def save(self, commit: bool = True) -> DingTalkRobot:
        if self.cleaned_data.get("new_webhook_url"):
            self.instance.webhook_url = self.cleaned_data["new_webhook_url"]
        if self.cleaned_data.get("new_secret"):
            self.instance.secret = self.cleaned_data["new_secret"]
        return super().save(commit=commit)
