"""Admin for the roster and cases. Cases, events and contacts are read-only here: they change
only through the service functions, which keep the ladder's rules and write the audit rows."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from .masking import mask_phone
from .models import (
    AccessLog,
    Case,
    CaseEvent,
    Contact,
    Guardian,
    StaffPhone,
    StaffRole,
    Student,
    Unit,
)


class NoDeleteMixin:
    """Nothing is deleted: a mistake is corrected by a new, recorded change."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyMixin(NoDeleteMixin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(NoDeleteMixin, GuardedModelAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "school_type", "code", "parent"]
    list_filter = ["kind", "school_type"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


class GuardianInline(admin.TabularInline):
    model = Guardian
    extra = 0
    can_delete = False


@admin.register(Student)
class StudentAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["name", "gender", "school", "klass", "residence_township"]
    list_filter = ["school", "gender", "left_behind", "migrant", "disability", "poor_household"]
    # Name only: a search term travels in the URL, and registry or ID numbers must not.
    search_fields = ["name"]
    autocomplete_fields = ["klass", "residence_township", "residence_village"]
    inlines = [GuardianInline]


@admin.register(StaffRole)
class StaffRoleAdmin(SimpleHistoryAdmin):
    """A role can end (a teacher leaves): deleting it one by one revokes its grant; the bulk
    delete action is off because it would skip that. History keeps the record."""

    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["unit"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class CaseEventInline(ReadOnlyMixin, admin.TabularInline):
    model = CaseEvent
    fields = ["at", "step", "from_stage", "to_stage", "actor", "owner", "deadline", "note"]
    readonly_fields = fields
    extra = 0


class ContactInline(ReadOnlyMixin, admin.TabularInline):
    model = Contact
    fields = ["occurred_on", "kind", "stage", "guardian_attitude", "result", "recorded_by"]
    readonly_fields = fields
    extra = 0


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, GuardedModelAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "student", "stage", "school", "owner", "deadline"]
    list_filter = ["stage", "school", "township"]
    search_fields = ["student__name"]
    inlines = [CaseEventInline, ContactInline]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["case", "step", "from_stage", "to_stage", "actor", "at"]
    list_filter = ["step", "to_stage"]
    date_hierarchy = "at"


@admin.register(Contact)
class ContactAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["case", "kind", "occurred_on", "guardian_attitude", "recorded_by"]
    list_filter = ["kind", "guardian_attitude"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log is evidence."""

    list_display = ["at", "user", "roles", "action", "case", "reason"]
    list_filter = ["action"]
    date_hierarchy = "at"


@admin.register(StaffPhone)
class StaffPhoneAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Numbers are shown masked in the list; the change form is for the administrator."""

    list_display = ["user", "mobile_masked"]
    search_fields = ["user__username", "user__first_name"]

    @admin.display(description=_("mobile number"))
    def mobile_masked(self, obj: StaffPhone) -> str:
        return mask_phone(obj.mobile)
