"""Admin pages for records whose changes the engine must act on: they save through services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cases.models import StaffRole

from . import services


@admin.register(StaffRole)
class StaffRoleAdmin(SimpleHistoryAdmin):
    """A role can end (a teacher leaves): deleting it one by one ends it through the service,
    which revokes its grant and hands its holder's cases on; the bulk delete action is off
    because it would skip that. History keeps the record."""

    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["unit"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change) -> None:
        services.staff_role_save(staff_role=obj)

    def delete_model(self, request, obj) -> None:
        services.staff_role_end(staff_role=obj)
