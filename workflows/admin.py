"""Admin pages for the records the engine acts on: staff roles (saved through services), the
counties' stage policies, the working-day calendar, and attendance (with their history)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cases.admin import NoDeleteMixin, ReadOnlyMixin
from cases.models import (
    Absence,
    AttendanceRule,
    Proposal,
    RollCall,
    SchoolDayOff,
    StaffRole,
    SupportPlan,
    Term,
)

from . import cache, services
from .models import CalendarDay, StagePolicy

READ_WITHIN = _(
    "Saved. This server process uses the change at once; the others within %(seconds)s seconds."
)


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


def say_when_read(admin_site_view, request) -> None:
    """Tell whoever saved a change that other server processes read it a little later (they keep
    a copy: workflows/cache.py)."""
    admin_site_view.message_user(
        request, READ_WITHIN % {"seconds": cache.REFRESH_SECONDS}, messages.INFO
    )


class SaysWhenRead:
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        say_when_read(self, request)


@admin.register(StagePolicy)
class StagePolicyAdmin(SaysWhenRead, SimpleHistoryAdmin):
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
class CalendarDayAdmin(SaysWhenRead, SimpleHistoryAdmin):
    """The working-day calendar's corrections: next year's State Council schedule (no county),
    a county's term dates and local days off. Deadlines read them within seconds of a save."""

    list_display = ["date", "is_working_day", "county", "note"]
    list_filter = ["is_working_day", "county"]
    list_select_related = ["county"]
    date_hierarchy = "date"
    autocomplete_fields = ["county"]


# Attendance: the counties' terms and rules, a school's days off (edited here); the rolls,
# absences, proposals and plans as the pages recorded them (read-only).


@admin.register(Term)
class TermAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["county", "name", "starts_on", "ends_on"]
    list_filter = ["county"]
    autocomplete_fields = ["county"]


@admin.register(SchoolDayOff)
class SchoolDayOffAdmin(SimpleHistoryAdmin):
    list_display = ["school", "date", "note"]
    list_filter = ["school"]
    date_hierarchy = "date"
    autocomplete_fields = ["school"]


@admin.register(AttendanceRule)
class AttendanceRuleAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """A county's thresholds; each proposal names the version it was made under."""

    list_display = ["county", "consecutive_days", "term_start_days", "partial_count",
                    "partial_window", "report_by"]  # fmt: skip
    autocomplete_fields = ["county"]


@admin.register(RollCall)
class RollCallAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["date", "klass", "taken_by", "taken_at", "absent"]
    list_select_related = ["klass", "taken_by"]
    date_hierarchy = "date"


@admin.register(Absence)
class AbsenceAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["date", "student", "kind", "part_of_day", "source", "recorded_at"]
    list_filter = ["kind", "source"]
    list_select_related = ["student"]
    date_hierarchy = "date"


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["proposed_at", "student", "rule", "first_absent_on", "status", "case"]
    list_filter = ["rule", "status"]
    list_select_related = ["student", "case"]


@admin.register(SupportPlan)
class SupportPlanAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["student", "responsible", "mentor", "reviewed_on"]
    list_select_related = ["student", "mentor"]
