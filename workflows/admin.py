"""Admin pages for the records the engine acts on: staff roles (saved through services), the
counties' stage policies and the working-day calendar (with their history)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cases.models import StaffRole

from . import services
from .models import CalendarDay, StagePolicy


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


@admin.register(StagePolicy)
class StagePolicyAdmin(SimpleHistoryAdmin):
    """A county's owner, working days, reminder and escalation per stage. A change applies to
    stages that start after it (the case keeps the version it started under); its history is the
    record of which rules were in force when. Not deleted: a stage without a policy would fall
    back to the defaults silently; change the values instead."""

    list_display = [
        "county",
        "stage",
        "owner_role",
        "working_days",
        "reminder_days",
        "escalate_to_role",
        "auto_escalate",
    ]
    list_filter = ["county", "stage", "auto_escalate"]
    list_select_related = ["county"]
    autocomplete_fields = ["county"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    """The working-day calendar's corrections: next year's State Council schedule (no county),
    a county's term dates and local days off. Deadlines read them within seconds of a save."""

    list_display = ["date", "is_working_day", "county", "note"]
    list_filter = ["is_working_day", "county"]
    list_select_related = ["county"]
    date_hierarchy = "date"
    autocomplete_fields = ["county"]
