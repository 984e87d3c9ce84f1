"""The queues: my work, incoming reports, all cases in reach, the township queue, the overdue
queue, and the open/overdue count per school. Lists use viewflow's ListModelView (ordering,
filters, pagination); each one's rows come from a reach-filtered selector."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from viewflow.views import ListModelView

from cases import clock, selectors
from cases.access import grants_of
from cases.ladder import REPORTS_QUEUE_ROLES, SUPERVISOR_ROLES, TOWNSHIP_QUEUE_ROLES
from cases.models import Case, Stage, Unit, UnitKind
from cases.staff import name_of

from ..forms import PersonChoiceField
from ..selectors import days_left, overdue_with_alerts

# Columns of the joined student that no list shows: encrypted numbers and their digests.
NOT_LISTED = (
    "student__student_no",
    "student__student_no_digest",
    "student__id_number",
    "student__id_number_digest",
)
OPEN_STAGE_CHOICES = [(value, label) for value, label in Stage.choices if value != Stage.CLOSED]


def deadline_text(case: Case) -> str:
    left = days_left(case)
    if left is None:
        return "—"
    if case.deadline < clock.now():
        return _("Overdue %(days)s days") % {"days": max(-left, 0)} if left < 0 else _("Overdue")
    if left == 0:
        return _("Due today")
    return _("%(days)s days left") % {"days": left}


class CaseListView(ListModelView):
    """A list of cases in the user's reach; subclasses pick the selector and the title."""

    model = Case
    columns = (
        "student_name",
        "stage",
        "time_left",
        "school",
        "township",
        "owner_name",
        "deadline_on",
    )
    object_link_columns = ("student_name",)
    ordering = ("deadline", "id")
    paginate_by = 25
    title = _("Cases")
    template_name = "workflows/case_list.html"
    roles = None  # the roles this page is for; None: everyone signed in
    # Said when the list is empty: that nothing waits, and what brings cases here.
    empty_message = _("No cases in your reach yet.")

    @property
    def empty_text(self) -> str:
        filterset = getattr(self, "filterset", None)
        if filterset is not None and filterset.form.has_changed():
            return _("No case matches the filter.")
        return self.empty_message

    def has_view_permission(self, user, obj=None) -> bool:
        return user.is_authenticated and (
            self.roles is None or bool(selectors.roles_of(user) & self.roles)
        )

    def rows(self, user):
        return selectors.cases_in_reach(user)

    def get_queryset(self):
        # The numbers a list never shows are not read (nor decrypted) for every row.
        self.queryset = self.rows(self.request.user).defer(*NOT_LISTED)
        return super().get_queryset()

    def get_object_url(self, obj) -> str:
        return reverse("work:case_detail", args=[obj.pk])

    def student_name(self, obj: Case) -> str:
        return obj.student.name

    student_name.short_description = _("Student")
    student_name.orderby_column = "student__name"

    def owner_name(self, obj: Case) -> str:
        return name_of(obj.owner)

    owner_name.short_description = _("Owner")
    owner_name.orderby_column = "owner__first_name"

    def deadline_on(self, obj: Case) -> str:
        return obj.deadline.astimezone(clock.TZ).strftime("%Y-%m-%d") if obj.deadline else "—"

    deadline_on.short_description = _("Stage deadline")
    deadline_on.orderby_column = "deadline"

    def time_left(self, obj: Case) -> str:
        text = deadline_text(obj)
        if obj.deadline is not None and obj.deadline < clock.now():
            return format_html('<span class="kc-overdue">{}</span>', text)
        return text

    time_left.short_description = _("Time left")
    time_left.orderby_column = "deadline"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["now"] = clock.now()
        return context


class MyWorkView(CaseListView):
    title = _("My work")
    empty_message = _(
        "No cases need you now. A case appears here when you open one for a student of yours "
        "or when it is handed to you."
    )

    def rows(self, user):
        return selectors.my_work(user)


class IncomingReportsView(CaseListView):
    title = _("Reports to confirm")
    roles = REPORTS_QUEUE_ROLES
    empty_message = _(
        "No reports wait for confirmation. A homeroom teacher's report of a suspected dropout "
        "appears here."
    )

    def rows(self, user):
        return selectors.incoming_reports(user)


class TownshipQueueView(CaseListView):
    title = _("Township queue")
    roles = TOWNSHIP_QUEUE_ROLES
    empty_message = _(
        "No cases wait for the township. A case appears here when a school's home visits have "
        "not brought the child back."
    )

    def rows(self, user):
        return selectors.township_queue(user)


def _reach_paths(request) -> list[str]:
    return [grant.unit.path for grant in grants_of(request.user)]


def _under(paths: list[str], field: str = "path") -> Q:
    """Within any of the units at `paths` (nothing when there are none)."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def _units(kind):
    """The schools or townships in the user's reach: read from the units, never by scanning
    the cases (a county has a million of them over the years)."""

    def queryset(request):
        if request is None:
            return Unit.objects.none()
        return Unit.objects.filter(_under(_reach_paths(request)), kind=kind).order_by("path")

    return queryset


def _owners(request):
    """Staff holding a role in the user's reach (the people a case in reach can be owned by),
    from the staff roles, never by scanning the cases."""
    if request is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(_under(_reach_paths(request), "staff_roles__unit__path"), is_active=True)
        .distinct()
        .order_by("first_name")
    )


ALL = _("All")


class PersonFilter(django_filters.ModelChoiceFilter):
    """A choice of people, by their names."""

    field_class = PersonChoiceField


class CaseFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(
        label=_("Stage"), choices=OPEN_STAGE_CHOICES, empty_label=ALL
    )
    school = django_filters.ModelChoiceFilter(
        label=_("School"), queryset=_units(UnitKind.SCHOOL), empty_label=ALL
    )
    township = django_filters.ModelChoiceFilter(
        label=_("Township"), queryset=_units(UnitKind.TOWNSHIP), empty_label=ALL
    )
    owner = PersonFilter(label=_("Owner"), queryset=_owners, empty_label=ALL)

    class Meta:
        model = Case
        fields = ["stage", "school", "township", "owner"]


class AllCasesView(CaseListView):
    title = _("All cases in my reach")
    filterset_class = CaseFilter


class OverdueQueueView(CaseListView):
    title = _("Overdue cases")
    template_name = "workflows/overdue_list.html"  # with the unconfirmed-holidays notice
    filterset_class = CaseFilter
    roles = SUPERVISOR_ROLES
    columns = (*CaseListView.columns, "alerted")
    empty_message = _("No case in your reach is past its stage deadline.")

    def rows(self, user):
        return overdue_with_alerts(user)

    def alerted(self, obj: Case) -> str:
        """When the sweep told the owner and the supervisors; empty until it has run."""
        if obj.alerted_at is None:
            return "—"
        return obj.alerted_at.astimezone(clock.TZ).strftime("%Y-%m-%d %H:%M")

    alerted.short_description = _("Alert sent")
    alerted.orderby_column = "alerted_at"


class SchoolCountsView(ListModelView):
    """Open and overdue cases per school, most overdue first."""

    model = Unit
    columns = ("name", "open_count", "overdue_count")
    object_link_columns = ()
    paginate_by = 50
    title = _("Cases per school")
    template_name = "viewflow/views/list.html"
    roles = SUPERVISOR_ROLES

    def has_view_permission(self, user, obj=None) -> bool:
        return user.is_authenticated and bool(selectors.roles_of(user) & self.roles)

    def get_queryset(self):
        self.queryset = selectors.school_counts(self.request.user)
        return super().get_queryset()

    def open_count(self, obj) -> int:
        return obj.open_cases

    open_count.short_description = _("Open cases")
    open_count.orderby_column = "open_cases"

    def overdue_count(self, obj) -> int:
        return obj.overdue_cases

    overdue_count.short_description = _("Overdue cases")
    overdue_count.orderby_column = "overdue_cases"
