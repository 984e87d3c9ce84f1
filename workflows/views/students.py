"""My classes and students: a teacher's roster, searched by name or registry number (by POST,
so that neither travels in a URL). Supervisors, above many schools, get the search alone: a
list of every student of a district or a county is no use to anyone."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from cases import selectors
from cases.access import may_open_case_for
from cases.ladder import STUDENT_PAGE_ROLES, SUPERVISOR_ROLES

from ..forms import StudentSearchForm


@method_decorator([login_required, never_cache], name="dispatch")
class StudentListView(TemplateView):
    template_name = "workflows/student_list.html"
    paginate_by = 30
    roles = STUDENT_PAGE_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not selectors.roles_of(request.user) & self.roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        form = StudentSearchForm(self.request.POST or None)
        query = form.cleaned_data["query"].strip() if form.is_valid() else ""
        user = self.request.user
        # Only supervisors' roles: nothing is listed until they search.
        search_only = not (selectors.roles_of(user) - SUPERVISOR_ROLES)
        students = selectors.students_matching(user, query)
        if search_only and not query:
            students = students.none()
        page = Paginator(students, self.paginate_by).get_page(self.request.GET.get("page"))
        open_cases = selectors.open_cases_of(user, page.object_list)
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
            "search_only": search_only,
        }
