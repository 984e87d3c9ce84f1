"""What the engine tells people about a case: the context of a notification.

Only the case's number, stage, deadline and link: never the child's name, identity number or a
phone number, because messages also go to group chats and SMS. Labels are rendered in the
notification language, not in the language of whoever happened to take the step.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from cases.models import Case


def case_context(case: Case, **extra) -> dict:
    with translation.override(settings.NOTIFICATIONS_LANGUAGE):
        return {
            "case_label": str(case),
            "stage": str(case.get_stage_display()),
            "deadline": case.deadline,
            "url": reverse("work:case_detail", args=[case.pk]),
            **extra,
        }
