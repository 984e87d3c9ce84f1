"""Admin for the roster and cases. Cases, events and contacts are read-only here: they change
only through the service functions, which keep the ladder's rules and write the audit rows."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .masking import mask_id_number, mask_phone, mask_student_no
from .models import (
    AccessLog,
    Case,
    CaseEvent,
    Contact,
    Guardian,
    StaffPhone,
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
class UnitAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """No object-permission page here: a unit's grants follow its staff roles (cases.grants).
    Code and parent are fixed once saved: the paths of everything below depend on them."""

    list_display = ["name", "kind", "school_type", "code", "parent"]
    list_filter = ["kind", "school_type"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "code", "parent"] if obj is not None else []


class GuardianInline(admin.TabularInline):
    """Phones are not shown here: full numbers only through the case page's unmasking, which
    asks for the permission and a reason and writes the access log."""

    model = Guardian
    extra = 0
    can_delete = False
    exclude = ["phone"]
    readonly_fields = ["phone_masked"]

    @admin.display(description=_("phone"))
    def phone_masked(self, obj: Guardian) -> str:
        return mask_phone(obj.phone) if obj.phone else "—"


@admin.register(Student)
class StudentAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Identity and registry numbers appear masked and cannot be edited here; the roster import
    sets them (see the case page for unmasking with a reason)."""

    list_display = ["name", "gender", "school", "klass", "residence_township"]
    exclude = ["student_no", "id_number"]
    readonly_fields = ["student_no_masked", "id_number_masked"]
    list_filter = ["school", "gender", "left_behind", "migrant", "disability", "poor_household"]
    # No search box: the admin's search travels in the URL (?q=), and neither a child's name nor
    # a number may. Find a student by school and class filters, or on "My students" (by POST).
    autocomplete_fields = ["klass", "residence_township", "residence_village"]
    inlines = [GuardianInline]

    @admin.display(description=_("student registry number"))
    def student_no_masked(self, obj: Student) -> str:
        return mask_student_no(obj.student_no) if obj.student_no else "—"

    @admin.display(description=_("identity number"))
    def id_number_masked(self, obj: Student) -> str:
        return mask_id_number(obj.id_number) if obj.id_number else "—"

    def has_add_permission(self, request) -> bool:
        return False  # students come from the registry import, with their numbers


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
class CaseAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "student", "stage", "school", "owner", "deadline"]
    list_filter = ["stage", "school", "township"]
    # By case number only: a search term travels in the URL, and a child's name must not.
    search_fields = ["=id"]
    search_help_text = _("Case number")
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
    """Staff numbers: masked in the list; the administrator enters them on the form."""

    list_display = ["user", "mobile_masked"]
    search_fields = ["user__username", "user__first_name"]

    @admin.display(description=_("mobile number"))
    def mobile_masked(self, obj: StaffPhone) -> str:
        return mask_phone(obj.mobile)
