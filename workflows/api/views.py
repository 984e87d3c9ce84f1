"""The API's views. Every case is fetched within the caller's reach (404 otherwise, as on the
pages); every step goes through the registry's form and service; every read of a case is in
the access log."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import audit, selectors
from cases.access import may_take
from cases.ladder import RECORD_CONTACT, Step
from cases.models import AttendanceSource, ImportKind
from cases.steps import may_record_contact, step_options
from notifications.models import InboxItem

from .. import registry
from ..attendance import upload
from ..errors import CONFLICT, CaseConflict
from ..forms import ContactForm
from ..notices.listing import documents_of
from ..roster import reach
from ..selectors import case_timeline
from . import serializers, step_bodies
from .errors import FormRefused

QUEUES = {
    "mine": selectors.my_work,
    "reports": selectors.incoming_reports,
    "township": selectors.township_queue,
    "overdue": selectors.overdue_cases,
    "all": selectors.cases_in_reach,
}
IF_MATCH_REQUIRED = _("Send the case's version in the If-Match header (from its detail).")


class Pages(CursorPagination):
    page_size = 50
    ordering = "-id"


def case_in_reach(request, pk: int):
    return get_object_or_404(selectors.cases_in_reach(request.user), pk=pk)


@extend_schema(
    parameters=[
        OpenApiParameter("queue", str, enum=list(QUEUES), description="which list (default all)"),
        OpenApiParameter("stage", str, description="only cases at this stage"),
    ]
)
class CaseList(generics.ListAPIView):
    serializer_class = serializers.CaseSerializer
    pagination_class = Pages

    def get_queryset(self):
        queue = QUEUES.get(self.request.query_params.get("queue", "all"), QUEUES["all"])
        cases = queue(self.request.user).select_related(
            "student", "school", "klass", "township", "owner"
        )
        stage = self.request.query_params.get("stage")
        return cases.filter(stage=stage) if stage else cases


def detail_of(case, user) -> dict:
    timeline = [
        {
            "at": entry.at,
            "kind": entry.kind,
            "actor": str(entry.actor.get_full_name() or entry.actor.username)
            if entry.actor
            else "",
            "text": str(entry.item),
        }
        for entry in case_timeline(case)
    ]
    documents = [
        {
            "id": row["document"].pk,
            "kind": row["document"].kind,
            "number": row["document"].number,
            "issued_on": row["document"].issued_on,
            "status": "voided" if row["voided_by"] else "served" if row["service"] else "issued",
        }
        for row in documents_of(case, user)
    ]
    steps = [
        {"step": o.step, "label": o.label, "blocked_by": o.blocked_by}
        for o in step_options(case, user)
    ]
    context = {"steps": steps, "timeline": timeline, "documents": documents}
    return serializers.CaseDetailSerializer(case, context=context).data


class CaseScoped(APIView):
    """An address about one case: outside the caller's reach it is not found, whatever the
    method (a wrong method says 405 only about a case the caller may see)."""

    def http_method_not_allowed(self, request, *args, **kwargs):
        case_in_reach(request, kwargs["pk"])
        return super().http_method_not_allowed(request, *args, **kwargs)


class CaseDetail(CaseScoped):
    @extend_schema(responses=serializers.CaseDetailSerializer)
    def get(self, request, pk: int):
        case = case_in_reach(request, pk)
        audit.case_viewed(user=request.user, case=case)
        response = Response(detail_of(case, request.user))
        response["ETag"] = f'"{case.version}"'
        return response


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = IF_MATCH_REQUIRED


def seen_version(request) -> int:
    """The version in `If-Match`: one strong tag ("3"); a weak tag, a list or * is refused."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    found = re.fullmatch(r'"?([0-9]{1,9})"?', header, flags=re.ASCII)
    if found is None:
        raise exceptions.ValidationError({"If-Match": [str(IF_MATCH_REQUIRED)]})
    return int(found.group(1))


class StepTake(CaseScoped):
    """A step named in the address that is not one (or not taken on this page): 404; each step
    has its own address and body in the schema (`step_view`)."""

    @extend_schema(exclude=True)
    def post(self, request, pk: int, step: str):
        if step not in registry.CASE_STEPS:
            raise exceptions.NotFound()
        case = case_in_reach(request, pk)
        if not may_take(request.user, case, step):
            raise exceptions.PermissionDenied(str(_("You may not take this step on this case.")))
        version = seen_version(request)
        if version != case.version:
            raise CaseConflict(CONFLICT, stage=case.get_stage_display())
        data = {**_plain(request.data), "seen_stage": case.stage, "seen_version": version}
        form = registry.STEPS[step].form(data=data, case=case)
        if not form.is_valid():
            raise FormRefused(form)
        changed = registry.submit(step, form, by=request.user, case=case)
        audit.case_viewed(user=request.user, case=changed)  # the answer shows the case
        return Response(detail_of(changed, request.user))


def step_view(step: str):
    """The view of one step: StepTake with the step's own body in the schema."""

    @extend_schema(
        operation_id=f"case_step_{step}",
        summary=str(Step(step).label),
        request=step_bodies.body_of(step),
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
        responses={200: serializers.CaseDetailSerializer},
    )
    def post(self, request, pk: int, step: str = step):
        return StepTake.post(self, request, pk, step)

    name = "".join(part.title() for part in step.split("_"))
    return type(f"Take{name}", (StepTake,), {"post": post}).as_view()


class ContactCreate(CaseScoped):
    @extend_schema(
        request=step_bodies.body_of(RECORD_CONTACT),
        responses={201: serializers.CaseDetailSerializer},
    )
    def post(self, request, pk: int):
        case = case_in_reach(request, pk)
        if not may_record_contact(case, request.user):
            raise exceptions.PermissionDenied()
        form = ContactForm(data=_plain(request.data), case=case, user=request.user)
        if not form.is_valid():
            raise FormRefused(form)
        registry.submit(RECORD_CONTACT, form, by=request.user, case=case)
        case.refresh_from_db()
        audit.case_viewed(user=request.user, case=case)  # the answer shows the case
        return Response(detail_of(case, request.user), status=status.HTTP_201_CREATED)


class StudentSearch(APIView):
    """Find students in reach by registry number or name, by POST (a number never in a URL);
    a read, so a read-only token may search."""

    reads_only = True

    @extend_schema(
        request=serializers.StudentSearchSerializer,
        responses=serializers.StudentSerializer(many=True),
    )
    def post(self, request):
        query = serializers.StudentSearchSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        students = selectors.students_matching(request.user, query.validated_data["number"])
        return Response(serializers.StudentSerializer(students[:50], many=True).data)


class Inbox(generics.ListAPIView):
    serializer_class = serializers.InboxSerializer
    pagination_class = Pages

    def get_queryset(self):
        return InboxItem.objects.filter(user=self.request.user)


SCALARS = (str, int, float, bool)
NOT_A_VALUE = _("Give a text, a number, or a list of them.")


def _plain(data) -> dict:
    """Request data as a form takes it: a text or number per field, or a list of them for the
    fields that hold several; anything else (an object, a list of objects) is refused."""
    if hasattr(data, "lists"):
        return {key: values if len(values) > 1 else values[0] for key, values in data.lists()}
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"__all__": [str(NOT_A_VALUE)]})
    wrong = [
        key
        for key, value in data.items()
        if not (
            value is None
            or isinstance(value, SCALARS)
            or (isinstance(value, list) and all(isinstance(item, SCALARS) for item in value))
        )
    ]
    if wrong:
        raise exceptions.ValidationError({key: [str(NOT_A_VALUE)] for key in wrong})
    return {key: "" if value is None else value for key, value in data.items()}


ROWS_REFUSED = _("Some rows were refused; nothing was recorded. See each row's reason.")
NO_ATTENDANCE_POST = _("Only a school's dropout officer or the county sends attendance.")


class AttendanceRows(APIView):
    """Attendance from a school's electronic system (the same check and service as the file
    upload): all rows are recorded, or none when any is refused; sending a day again changes
    nothing."""

    @extend_schema(
        request=serializers.AttendanceRowsSerializer,
        responses={
            200: serializers.AttendanceResultSerializer,
            422: serializers.AttendanceRefusedSerializer,
        },
    )
    def post(self, request):
        if not reach.units_of(request.user, ImportKind.ATTENDANCE):
            raise exceptions.PermissionDenied(str(NO_ATTENDANCE_POST))
        body = serializers.AttendanceRowsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        places = reach.places_of(request.user, ImportKind.ATTENDANCE)
        checked = upload.check_rows(body.validated_data["rows"], places)
        if checked.refusals:
            refused = [
                {"row": r.row, "field": r.field, "message": r.reason} for r in checked.refusals
            ]
            return Response({"detail": str(ROWS_REFUSED), "rows": refused}, status=422)
        try:
            with transaction.atomic():
                upload.write(
                    checked, by=request.user, roster_import=None, on_row=lambda count: None,
                    source=AttendanceSource.API,
                )  # fmt: skip
        except ValidationError as error:  # what the service checks again under its lock
            raise exceptions.ValidationError({"rows": error.messages}) from None
        return Response(
            {
                "rows": checked.rows,
                "new": checked.count("new"),
                "changed": checked.count("changed"),
                "unchanged": checked.count("unchanged"),
            }
        )


@extend_schema(exclude=True)
class NotFound(APIView):
    """No such address: the API's 404 (whatever the method), not the pages' HTML one."""

    permission_classes = []
    authentication_classes = []
    throttle_classes = []

    def initial(self, request, *args, **kwargs):
        raise exceptions.NotFound()
