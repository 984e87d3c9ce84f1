"""My classes and students: a teacher's roster, searched by name or registry number (by POST,
so that neither travels in a URL)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from cases import crypto, selectors
from cases.access import may_open_case_for
from cases.models import Role, Stage
from cases.validators import normalize_student_no

from ..forms import StudentSearchForm


@method_decorator([login_required, never_cache], name="dispatch")
class StudentListView(TemplateView):
    template_name = "workflows/student_list.html"
    paginate_by = 30
    roles = frozenset(
        {
            Role.HOMEROOM_TEACHER,
            Role.SUBJECT_TEACHER,
            Role.SCHOOL_OFFICER,
            *selectors.SUPERVISOR_ROLES,
        }
    )

    def dispatch(self, request, *args, **kwargs):
        if not selectors.roles_of(request.user) & self.roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        form = StudentSearchForm(self.request.POST or None)
        students = selectors.students_in_reach(self.request.user).order_by("klass__path", "name")
        query = ""
        if form.is_valid():
            query = form.cleaned_data["query"].strip()
        if query:
            condition = Q(name__contains=query)
            number = _as_student_no(query)
            if number:
                condition |= Q(student_no_digest=crypto.digest(number))
            students = students.filter(condition)
        page = Paginator(students, self.paginate_by).get_page(self.request.GET.get("page"))
        open_cases = dict(
            selectors.cases_in_reach(self.request.user)
            .filter(student__in=[s.pk for s in page.object_list])
            .exclude(stage=Stage.CLOSED)
            .values_list("student_id", "pk")
        )
        user = self.request.user
        rows = [
            (student, open_cases.get(student.pk), may_open_case_for(user, student))
            for student in page.object_list
        ]
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "query": query,
            "page": page,
            "rows": rows,
        }


def _as_student_no(query: str) -> str:
    """The query as a registry number, or "" when it is not one (then it is a name)."""
    try:
        return normalize_student_no(query)
    except ValidationError:
        return ""
