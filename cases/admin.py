"""Admin for the roster and cases. Cases, events and contacts are read-only here: they change
only through the service functions, which keep the ladder's rules and write the audit rows."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import clock
from .masking import mask_id_number, mask_phone, mask_student_no
from .models import (
    AccessLog,
    ApiToken,
    Case,
    CaseEvent,
    Contact,
    CountSource,
    Document,
    DropoutReason,
    Enrolment,
    Guardian,
    HouseholdChild,
    Movement,
    RiskFlag,
    RosterDeparture,
    RosterImport,
    Service,
    StaffPhone,
    Stage,
    Student,
    Targets,
    Unit,
    Wording,
)
from .staff import name_of


def labels(choices, values) -> str:
    """Stored codes as their labels: ["weary", "work"] reads 厌学、外出务工."""
    names = dict(choices)
    return "、".join(str(names.get(value, value)) for value in values or ()) or "—"


def person(field: str, description):
    """An admin column showing the person in `field` by name, not username."""

    @admin.display(description=description, ordering=f"{field}__first_name")
    def show(self, obj) -> str:
        return name_of(getattr(obj, field))

    return show


class NoDeleteMixin:
    """Nothing is deleted: a mistake is corrected by a new, recorded change."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyMixin(NoDeleteMixin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves a posted "revert" form without asking has_change_permission:
        # an old version is shown, never written back.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Unit)
class UnitAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """No object-permission page here: a unit's grants follow its staff roles (cases.grants).
    Code and parent are fixed once saved: the paths of everything below depend on them."""

    list_display = ["name", "kind", "school_type", "code", "parent", "township"]
    list_select_related = ["parent", "township"]
    list_filter = ["kind", "school_type"]
    search_fields = ["name", "code"]
    # a school's township (所在乡镇) stays editable: the figures per township follow it
    autocomplete_fields = ["parent", "township"]

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
    fields = [
        "at",
        "step",
        "from_stage",
        "to_stage",
        "actor_name",
        "owner_name",
        "deadline",
        "note",
    ]
    readonly_fields = fields
    extra = 0
    actor_name = person("actor", _("actor"))
    owner_name = person("owner", _("owner"))


class ContactInline(ReadOnlyMixin, admin.TabularInline):
    model = Contact
    fields = [
        "occurred_on",
        "kind",
        "stage_label",
        "guardian_attitude",
        "result",
        "recorded_by_name",
    ]
    readonly_fields = fields
    extra = 0
    recorded_by_name = person("recorded_by", _("recorded by"))

    @admin.display(description=_("stage at the time"))
    def stage_label(self, obj: Contact) -> str:
        return labels(Stage.choices, [obj.stage])


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Read-only: labels for codes, people by name, times in the site's time zone."""

    list_display = ["__str__", "student", "stage", "school", "owner_name", "deadline"]
    list_filter = ["stage", "school", "township"]
    list_select_related = ["student", "school", "owner"]
    # By case number only: a search term travels in the URL, and a child's name must not.
    search_fields = ["=id"]
    search_help_text = _("Case number")
    inlines = [CaseEventInline, ContactInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "student",
                    "stage",
                    "owner_name",
                    "deadline",
                    "school",
                    "klass",
                    "township",
                    "village",
                ]
            },
        ),
        (
            _("Why and where"),
            {
                "fields": [
                    "reason_labels",
                    "reason_note",
                    "risk_flag_labels",
                    "last_seen_on",
                    "whereabouts",
                ]
            },
        ),
        (
            _("Course of the case"),
            {
                "fields": [
                    "opened_at",
                    "opened_by_name",
                    "stage_started_at",
                    "order_served_on",
                    "order_days",
                    "returned_on",
                    "tutor_name",
                    "closure_reason",
                    "dismissal_reason",
                    "receiving_school",
                    "closure_requested_at",
                    "closed_at",
                    "previous_case",
                    "version",
                ]
            },
        ),
    ]
    readonly_fields = [field for _title, options in fieldsets for field in options["fields"]]
    owner_name = person("owner", _("owner"))
    opened_by_name = person("opened_by", _("opened by"))
    tutor_name = person("tutor", _("tutor"))

    @admin.display(description=_("reasons"))
    def reason_labels(self, obj: Case) -> str:
        return labels(DropoutReason.choices, obj.reasons)

    @admin.display(description=_("risk flags at opening"))
    def risk_flag_labels(self, obj: Case) -> str:
        return labels(RiskFlag.choices, obj.risk_flags)


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["case", "step", "from_stage", "to_stage", "actor_name", "at"]
    list_select_related = ["case", "actor"]
    actor_name = person("actor", _("actor"))
    list_filter = ["step", "to_stage"]
    date_hierarchy = "at"


@admin.register(Contact)
class ContactAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["case", "kind", "occurred_on", "guardian_attitude", "recorded_by_name"]
    recorded_by_name = person("recorded_by", _("recorded by"))
    list_filter = ["kind", "guardian_attitude"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log is evidence."""

    list_display = ["at", "user_name", "roles", "action", "case", "reason"]
    user_name = person("user", _("user"))
    list_filter = ["action"]
    date_hierarchy = "at"


@admin.register(StaffPhone)
class StaffPhoneAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Staff numbers: masked in the list; the administrator enters them on the form."""

    list_display = ["user_name", "mobile_masked"]
    user_name = person("user", _("user"))
    search_fields = ["user__username", "user__first_name"]

    @admin.display(description=_("mobile number"))
    def mobile_masked(self, obj: StaffPhone) -> str:
        return mask_phone(obj.mobile)


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Imports as the pages made them; the file itself (identity numbers) is never shown."""

    list_display = ["uploaded_at", "kind", "file_name", "uploader", "status", "rows", "new",
                    "changed", "refused", "committed_at"]  # fmt: skip
    uploader = person("uploaded_by", _("uploaded by"))
    list_filter = ["kind", "status"]
    list_select_related = ["uploaded_by"]
    exclude = ["content"]
    date_hierarchy = "uploaded_at"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")


@admin.register(RosterDeparture)
class RosterDepartureAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Students no longer on a roll: settled on the roster page, by the school or county."""

    list_display = ["student", "school", "found_by", "settlement", "receiving_school", "settled_at"]
    list_filter = ["settlement", ("school", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["student", "school", "found_by"]


@admin.register(HouseholdChild)
class HouseholdChildAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Children on the townships' 户籍 lists: numbers masked; changed by importing a new list."""

    list_display = ["name", "id_masked", "birth_date", "township", "village", "delisted_at"]
    list_filter = [("township", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["township", "village"]
    exclude = ["id_number", "id_number_digest"]

    @admin.display(description=_("identity number"))
    def id_masked(self, obj: HouseholdChild) -> str:
        return mask_id_number(obj.id_number)


class ServiceInline(ReadOnlyMixin, admin.StackedInline):
    """The photo is shown only on the case's page, which checks who may see the case."""

    model = Service
    exclude = ["receipt", "hash"]
    extra = 0


@admin.register(Document)
class DocumentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Issued documents are evidence: read-only; a mistake is corrected by a new document."""

    list_display = ["number", "kind", "case", "addressee", "issued_on"]
    list_select_related = ["case"]
    list_filter = ["kind", "year"]
    search_fields = ["number"]
    exclude = ["hash"]
    inlines = [ServiceInline]


@admin.register(Wording)
class WordingAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Saving a change adds a version; the documents issued under an older one keep it."""

    list_display = ["kind", "version", "title", "created_at"]
    list_filter = ["kind"]
    fields = ["kind", "title", "body"]

    def get_readonly_fields(self, request, obj=None):
        return ["kind"] if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        if change and not form.has_changed():
            return
        versions = Wording.objects.filter(kind=obj.kind).aggregate(last=Max("version"))
        obj.pk = None
        obj._state.adding = True
        obj.version = (versions["last"] or 0) + 1
        obj.created_by = request.user
        obj.created_at = clock.now()
        obj.save()
        from workflows.admin import say_when_read  # the processes' copies are the engine's

        say_when_read(self, request)


class CountAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Counts entered by hand (earlier years, the 学籍 system's figures): a mistake is corrected,
    its history kept, so a figure for an earlier day still reads what stood then."""

    list_filter = ["source"]
    autocomplete_fields = ["school"]
    readonly_fields = ["source", "recorded_by"]
    counted = ("count",)  # the fields whose change makes a count one entered by hand

    def save_model(self, request, obj, form, change) -> None:
        # a count counted from the roll and corrected here is a number entered by hand: the
        # students counted no longer add up to it, or are not that school's, grade's or
        # year's, so it keeps no list
        if not change or set(self.counted) & set(form.changed_data):
            obj.source = CountSource.HAND
            if hasattr(obj, "student_ids"):
                obj.student_ids = []
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Enrolment)
class EnrolmentAdmin(CountAdmin):
    list_display = ["school", "school_year", "grade_level", "count", "source", "taken_on"]
    counted = ("count", "school", "grade_level", "school_year")
    list_filter = ["school_year", "source"]


@admin.register(Movement)
class MovementAdmin(CountAdmin):
    list_display = ["school", "on", "grade_level", "kind", "count", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "on"


@admin.register(Targets)
class TargetsAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["county", "dropout", "dropout_primary", "dropout_junior", "consolidation"]


@admin.register(ApiToken)
class ApiTokenAdmin(NoDeleteMixin, admin.ModelAdmin):
    """A superuser makes a token for a service account (an account that is not staff, whose
    staff roles give its reach); its key is shown once, on the page that follows, and only its
    digest is kept. Revoke it with the action; nothing else changes."""

    list_display = ["name", "user", "prefix", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    fields = ["user", "name", "scope"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser  # a token acts as its account: not a delegated right

    def get_readonly_fields(self, request, obj=None):
        return ["user", "name", "scope", "revoked_at"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(
                is_active=True, is_staff=False, is_superuser=False
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return
        key, obj.prefix, obj.digest = ApiToken.new_key()
        obj.created_at = clock.now()
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        obj.shown_key = key

    def response_add(self, request, obj, post_url_continue=None):
        """The key on the page itself, never in a message (messages travel in a cookie)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "key": obj.shown_key,
            "title": _("The token's key"),
        }
        response = TemplateResponse(request, "admin/cases/apitoken/key.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the chosen tokens"), permissions=["change"])
    def revoke(self, request, queryset) -> None:
        queryset.filter(revoked_at__isnull=True).update(revoked_at=clock.now())
