"""What the engine tells people about a case: its messages (registered with `notifications`
when the app is ready) and their context.

Only the case's number, stage, deadline and link: never the child's name, identity number or a
phone number, because messages also go to group chats and SMS. Labels are rendered in the
notification language, not in the language of whoever happened to take the step.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from notifications.messages import MessageTemplate, register

_CASE_KEYS = frozenset({"case_label", "stage", "deadline", "url"})


def _case_message(title, body, *, more_keys=(), sms_params=("case_label", "stage", "deadline")):
    """A message about a case: its number, stage, deadline and link, and `more_keys`;
    `sms_params` fill the vendor's pre-approved SMS template, in order."""
    return MessageTemplate(
        title=title,
        body=body,
        keys=_CASE_KEYS | frozenset(more_keys),
        sms_params=sms_params,
        datetime_keys=frozenset({"deadline"}),
        link_text=_("Open the case"),
    )


CASE_MESSAGES: dict[str, MessageTemplate] = {
    "case_assigned": _case_message(
        _("New case for you: {case_label}"),
        _("You now own {case_label} at the stage “{stage}”. Deadline: {deadline}."),
    ),
    "case_reminder": _case_message(
        _("Reminder: {case_label} is due {deadline}"),
        _("{case_label} at the stage “{stage}” is due {deadline}."),
    ),
    "case_overdue": _case_message(
        _("Overdue: {case_label}"),
        _(
            "{case_label} at the stage “{stage}” is {days_overdue} days overdue "
            "(deadline {deadline})."
        ),
        more_keys={"days_overdue"},
        sms_params=("case_label", "stage", "days_overdue"),
    ),
    "case_overdue_supervisor": _case_message(
        _("Overdue in your area: {case_label}"),
        _(
            "{case_label} at the stage “{stage}”, owned by {owner_name}, is {days_overdue} days "
            "overdue (deadline {deadline})."
        ),
        more_keys={"days_overdue", "owner_name"},
        sms_params=("case_label", "stage", "days_overdue"),
    ),
    "case_confirmed": _case_message(
        _("Dropout confirmed: {case_label}"),
        _(
            "The school confirmed {case_label} as a dropout; home visits have started "
            "(stage “{stage}”, deadline {deadline})."
        ),
    ),
    "case_closure_requested": _case_message(
        _("Closure to approve: {case_label}"),
        _(
            "The school asks to close {case_label} (stage “{stage}”) on a transfer or a "
            "suspension; approve or refuse it on the case page."
        ),
    ),
    "case_closure_refused": _case_message(
        _("Closure refused: {case_label}"),
        _("The closure of {case_label} was refused; the case goes on at “{stage}”."),
    ),
    "case_escalated": _case_message(
        _("Case escalated: {case_label}"),
        _("{case_label} was escalated automatically to the stage “{stage}”. Deadline: {deadline}."),
    ),
}


# Messages of the daily roll: the class and the link, never a child's name.
ROLL_MESSAGES: dict[str, MessageTemplate] = {
    "attendance_proposal": MessageTemplate(
        title=_("Suspected dropout proposed in {class_name}"),
        body=_(
            "The roll of {class_name} shows a student absent by the rule “{rule}”. Confirm or "
            "answer the proposal on the daily roll page."
        ),
        keys=frozenset({"class_name", "rule", "url"}),
        sms_params=("class_name",),
        link_text=_("Open the daily roll"),
    ),
    "roll_missing": MessageTemplate(
        title=_("Daily roll not yet taken: {class_name}"),
        body=_("The roll of {class_name} for {date} was due by {due}. Please take it now."),
        keys=frozenset({"class_name", "date", "due", "url"}),
        sms_params=("class_name", "due"),
        link_text=_("Open the daily roll"),
    ),
}


# A township group's morning digest (逾期案件日报) to its DingTalk robot: counts per stage and per
# school and the case numbers with their links; a group chat is not access-controlled, so never a
# child's name or a number (the links ask who opens them to sign in and check their reach).
DIGEST_MESSAGES: dict[str, MessageTemplate] = {
    "township_overdue_digest": MessageTemplate(
        title=_("Overdue cases in {township}: {total}"),
        body=_(
            "{date}: {total} cases of {township} are past their stage deadline.\n\n"
            "By stage: {by_stage}\n\nBy school: {by_school}\n\nCases: {cases}"
        ),
        keys=frozenset({"township", "date", "total", "by_stage", "by_school", "cases", "url"}),
        link_text=_("Open the overdue queue"),
    ),
}


def register_case_messages() -> None:
    """Called once the app is ready (workflows.apps)."""
    for key, template in {**CASE_MESSAGES, **ROLL_MESSAGES, **DIGEST_MESSAGES}.items():
        register(key, template)


def case_context(case: Case, **extra) -> dict:
    if translation.get_language() != settings.NOTIFICATIONS_LANGUAGE:
        with translation.override(settings.NOTIFICATIONS_LANGUAGE):
            return case_context(case, **extra)
    return {
        "case_label": str(case),
        "stage": str(case.get_stage_display()),
        "deadline": case.deadline,
        "url": reverse("work:case_detail", args=[case.pk]),
        **extra,
    }


def in_message_language():
    """Around a loop that builds many contexts: the language is switched once, not per case."""
    return translation.override(settings.NOTIFICATIONS_LANGUAGE)
