"""The viewflow Material frontend: one Site, its applications and their menu entries.

Each menu entry is a one-page viewset shown to the roles that use it; the case pages sit in the
work application without a menu entry of their own.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from viewflow.urls import Application, Site, Viewset
from viewflow.urls.sites import AppMenuMixin

from cases.selectors import roles_of
from notifications.views import InboxView
from workflows.views import (
    attendance,
    case_pages,
    figures,
    lists,
    monthly,
    notices,
    reconcile,
    registers,
    roster,
    students,
)

BASE_TEMPLATE = "kongchuo/base_page.html"


class Page(AppMenuMixin, Viewset):
    """A menu entry with one page, shown to the roles its view is for (`view_class.roles`;
    everyone signed in when None). The view itself refuses other roles with 403."""

    view_class = None

    @property
    def roles(self):
        return getattr(self.view_class, "roles", None)

    @property
    def index_path(self):
        return path("", self.view_class.as_view(), name="index")

    def has_view_permission(self, user, obj=None) -> bool:
        if not user.is_authenticated:
            return False
        return self.roles is None or bool(roles_of(user) & self.roles)


def is_staff(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


@method_decorator(login_required, name="dispatch")
class ToAdmin(RedirectView):
    """To the admin, for staff; anyone else is refused here rather than at the admin's login."""

    url = reverse_lazy("admin:index")
    http_method_names = ["get", "head"]

    def dispatch(self, request, *args, **kwargs):
        if not is_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AdminLink(Page):
    """The menu's way to the admin (stage policies, calendar, people), for staff only."""

    view_class = ToAdmin

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff(user)


class WorkApp(Application):
    title = _("Dropout cases")
    icon = "assignment"
    app_name = "work"
    base_template_name = BASE_TEMPLATE
    viewsets = [
        Page(
            app_name="mine", title=_("My work"), icon="assignment_ind", view_class=lists.MyWorkView
        ),
        Page(
            app_name="reports",
            title=_("Reports to confirm"),
            icon="fact_check",
            view_class=lists.IncomingReportsView,
        ),
        Page(
            app_name="township",
            title=_("Township queue"),
            icon="holiday_village",
            view_class=lists.TownshipQueueView,
        ),
        Page(
            app_name="overdue",
            title=_("Overdue cases"),
            icon="alarm",
            view_class=lists.OverdueQueueView,
        ),
        Page(
            app_name="schools",
            title=_("Cases per school"),
            icon="bar_chart",
            view_class=lists.SchoolCountsView,
        ),
        Page(
            app_name="all", title=_("All cases"), icon="folder_open", view_class=lists.AllCasesView
        ),
        Page(
            app_name="students",
            title=_("My students"),
            icon="groups",
            view_class=students.StudentListView,
        ),
        Page(
            app_name="roll",
            title=_("Daily roll"),
            icon="how_to_reg",
            view_class=attendance.RollView,
        ),
        Page(
            app_name="attendance",
            title=_("Attendance"),
            icon="event_available",
            view_class=attendance.AttendanceOverviewView,
        ),
        Page(
            app_name="risk",
            title=_("Students at risk"),
            icon="support",
            view_class=attendance.RiskRegisterView,
        ),
        Page(app_name="inbox", title=_("Inbox"), icon="notifications", view_class=InboxView),
        Page(
            app_name="figures",
            title=_("Figures"),
            icon="insights",
            view_class=figures.FiguresView,
        ),
        Page(
            app_name="monthly",
            title=_("Monthly report"),
            icon="summarize",
            view_class=monthly.MonthlyView,
        ),
        Page(
            app_name="reconcile",
            title=_("Reconciliation"),
            icon="compare_arrows",
            view_class=reconcile.ReconcileView,
        ),
        Page(
            app_name="registers",
            title=_("Registers"),
            icon="table_view",
            view_class=registers.RegisterView,
        ),
        Page(
            app_name="roster",
            title=_("Roster import"),
            icon="upload_file",
            view_class=roster.RosterUploadView,
        ),
        AdminLink(app_name="admin", title=_("Administration"), icon="settings"),
    ]
    urlpatterns = [
        path("cases/<int:pk>/", case_pages.CaseDetailView.as_view(), name="case_detail"),
        path("cases/<int:pk>/steps/<str:step>/", case_pages.StepView.as_view(), name="case_step"),
        path("cases/<int:pk>/contacts/new/", case_pages.ContactView.as_view(), name="case_contact"),
        path("cases/<int:pk>/identity/", case_pages.UnmaskView.as_view(), name="case_unmask"),
        # a parameter, so that the site's index does not take it for the first page
        path("figures/<str:kind>/cases/", figures.FigureCasesView.as_view(), name="figure_cases"),
        path("monthly/<int:pk>/<str:fmt>/", monthly.MonthlyFileView.as_view(), name="monthly_file"),
        path("cases/<int:pk>/notices/new/", notices.NoticeIssueView.as_view(), name="notice_issue"),
        path(
            "cases/<int:pk>/documents/<int:document>/pdf/",
            notices.DocumentPdfView.as_view(),
            name="document_pdf",
        ),
        path(
            "cases/<int:pk>/documents/<int:document>/correct/",
            notices.DocumentCorrectView.as_view(),
            name="document_correct",
        ),
        path(
            "cases/<int:pk>/documents/<int:document>/service/",
            notices.ServiceView.as_view(),
            name="document_serve",
        ),
        path(
            "cases/<int:pk>/documents/<int:document>/receipt/",
            notices.ReceiptView.as_view(),
            name="service_receipt",
        ),
        path(
            "cases/<int:pk>/chronology/", notices.ChronologyView.as_view(), name="case_chronology"
        ),
        path("students/<int:pk>/open/", case_pages.OpenCaseView.as_view(), name="case_open"),
        path(
            "students/<int:pk>/plan/",
            attendance.SupportPlanView.as_view(),
            name="support_plan",
        ),
        path("roster/<int:pk>/", roster.RosterPreviewView.as_view(), name="roster_preview"),
        path(
            "roster/<int:pk>/refused.xlsx",
            roster.RosterRefusedView.as_view(),
            name="roster_refused",
        ),
        path(
            "roster/<int:pk>/progress/",
            roster.RosterProgressView.as_view(),
            name="roster_progress",
        ),
    ]


# One application: its own menu is the whole navigation, so the site's list of apps is hidden.
site = Site(title=_("Keep every child in school"), viewsets=[WorkApp()], menu_template_name=None)
