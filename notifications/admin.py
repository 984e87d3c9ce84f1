"""Admin for the outbox and the inbox: read-only, nothing deleted. The one write is the
"retry" action, which puts dead, retrying or skipped rows back to pending and delivers them.
SMS rows show the vendor's delivery report (a filter finds the failed ones), numbers masked.

The counties' and townships' DingTalk robots are edited here by staff with the model's rights;
their address and secret are written, never shown back but as their last characters."""

import urllib.parse

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .forms import DingTalkRobotForm
from .models import DingTalkRobot, InboxItem, Message, RecipientSettings


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "template_key",
        "channel",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "sent_at",
        "receipt",
    ]
    list_filter = ["status", "channel", "receipt", "template_key"]
    list_select_related = ["recipient"]
    search_fields = ["dedup_key", "recipient__username"]
    date_hierarchy = "created_at"
    actions = ["retry"]

    @admin.action(description=_("Retry the selected messages"), permissions=["retry"])
    def retry(self, request, queryset) -> None:
        count = services.messages_retry(messages=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d message will be delivered again.",
                "%(count)d messages will be delivered again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_message")


@admin.register(InboxItem)
class InboxItemAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "user", "created_at", "read_at"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    date_hierarchy = "created_at"


@admin.register(RecipientSettings)
class RecipientSettingsAdmin(admin.ModelAdmin):
    """Editable: these are a user's choices."""

    list_display = ["user", "email_on", "sms_on"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def tail(value: str, keep: int = 4) -> str:
    """Only the last characters of a secret, enough to tell two apart."""
    return f"…{value[-keep:]}" if len(value) > keep * 2 else "…"


@admin.register(DingTalkRobot)
class DingTalkRobotAdmin(admin.ModelAdmin):
    form = DingTalkRobotForm
    list_display = ["unit", "name", "active", "address_shown", "secret_shown"]
    list_filter = ["active", "unit__kind"]
    list_select_related = ["unit"]
    search_fields = ["name", "unit__name"]
    # a plain list of the counties and townships (a few dozen): an autocomplete would need the
    # right to view units, which the robot's keeper need not have

    def get_fields(self, request, obj=None):
        shown = ["address_shown", "secret_shown"] if obj is not None else []
        return ["unit", "name", "active", *shown, "new_webhook_url", "new_secret"]

    def get_readonly_fields(self, request, obj=None):
        return ["address_shown", "secret_shown"] if obj is not None else []

    @admin.display(description=_("robot address"))
    def address_shown(self, obj: DingTalkRobot) -> str:
        parts = urllib.parse.urlsplit(obj.webhook_url)
        token = urllib.parse.parse_qs(parts.query).get("access_token", [""])[0]
        return f"{parts.scheme}://{parts.netloc}{parts.path}?access_token={tail(token)}"

    @admin.display(description=_("signing secret"))
    def secret_shown(self, obj: DingTalkRobot) -> str:
        return f"{obj.secret[:3]}{tail(obj.secret)}"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # switched off instead: the messages sent through it name it
