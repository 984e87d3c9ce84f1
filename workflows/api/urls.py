"""The API's addresses, its OpenAPI schema and the schema's doc page."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .. import registry
from . import views

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view: its script is a file of its own (the Content-Security-Policy refuses an
    # inline one)
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("cases/", views.CaseList.as_view(), name="cases"),
    path("cases/<int:pk>/", views.CaseDetail.as_view(), name="case"),
    # each step its own address (and body in the schema); any other name: 404
    *(
        path(f"cases/<int:pk>/steps/{step}/", views.step_view(step), {"step": step}, name="step")
        for step in sorted(registry.CASE_STEPS)
    ),
    path("cases/<int:pk>/steps/<str:step>/", views.StepTake.as_view(), name="step"),
    path("cases/<int:pk>/contacts/", views.ContactCreate.as_view(), name="contacts"),
    path("students/search/", views.StudentSearch.as_view(), name="student_search"),
    path("inbox/", views.Inbox.as_view(), name="inbox"),
    path("attendance/", views.AttendanceRows.as_view(), name="attendance"),
    # anything else under /api/ (an id that is not a number, a path that is not there): the
    # API's own 404, in JSON
    re_path(r"^[\s\S]*$", views.NotFound.as_view(), name="not_found"),  # a newline too
]
