"""Admin for the outbox and the inbox: read-only, nothing deleted. The one write is the
"retry" action, which puts dead, retrying or skipped rows back to pending and delivers them."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import InboxItem, Message, RecipientSettings


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
    ]
    list_filter = ["status", "channel", "template_key"]
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
