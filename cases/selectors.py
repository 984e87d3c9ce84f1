"""Reads filtered by reach: every list a user sees goes through here.

A user's reach is the set of units their staff roles are held over (DESIGN.md, "Access"):
teachers their classes, a school officer the school, township staff the students who live in
their township or village, supervisors their whole subtree; and any case they own or tutor.
"""

import contextlib

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from . import clock, crypto
from .access import CASE_ANCHORS, grants_of
from .ladder import REPORTS_QUEUE_ROLES, SUPERVISOR_ROLES, TOWNSHIP_QUEUE_ROLES, TOWNSHIP_STAGES
from .models import Case, CaseUserObjectPermission, Role, Stage, Student, Unit, UnitKind
from .validators import normalize_student_no

# role -> the case fields (units) whose path must lie under the role's unit
_STUDENT_ANCHORS = {
    Role.HOMEROOM_TEACHER: ("klass",),
    Role.SUBJECT_TEACHER: ("klass",),
    Role.SCHOOL_OFFICER: ("school",),
    Role.TOWNSHIP_OFFICIAL: ("residence_township",),
    Role.VILLAGE_CADRE: ("residence_village",),
    Role.DISTRICT_SUPERVISOR: ("school", "residence_township"),
    Role.COUNTY_SUPERVISOR: ("school", "residence_township"),
}


def roles_of(user) -> set[str]:
    return {grant.role for grant in grants_of(user)}


def _reach(user, anchors: dict, roles=None) -> Q:
    reach = Q(pk__in=[])
    for grant in grants_of(user):
        if roles is not None and grant.role not in roles:
            continue
        for field in anchors[grant.role]:
            reach |= Q(**{f"{field}__path__startswith": grant.unit.path})
    return reach


def _with_related(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return queryset.select_related("student", "school", "klass", "township", "owner")


def cases_in_reach(user, *, roles=None) -> QuerySet[Case]:
    """Cases the user may see. With `roles`, only those reached through these roles."""
    reach = _reach(user, CASE_ANCHORS, roles)
    if roles is None and user.is_authenticated:
        reach |= Q(
            pk__in=CaseUserObjectPermission.objects.filter(
                user=user, permission__codename="own_case"
            ).values("content_object_id")
        )
    return _with_related(Case.objects.filter(reach))


def students_in_reach(user, *, roles=None) -> QuerySet[Student]:
    """Students the user may see; with `roles`, only those reached through these roles."""
    return Student.objects.filter(_reach(user, _STUDENT_ANCHORS, roles)).select_related(
        "klass", "school", "residence_township", "residence_village"
    )


def students_matching(user, query: str) -> QuerySet[Student]:
    """Students in reach by class, whose name contains `query` or whose registry number it is
    (found by its keyed digest: the number itself is never compared in the clear)."""
    students = students_in_reach(user).order_by("klass__path", "name")
    query = query.strip()
    if not query:
        return students
    condition = Q(name__contains=query)
    with contextlib.suppress(ValidationError):  # not a registry number: a name
        condition |= Q(student_no_digest=crypto.digest(normalize_student_no(query)))
    return students.filter(condition)


def open_cases_of(user, students) -> dict[int, int]:
    """{student id: open case id} for those of `students` with an open case in the user's reach."""
    return dict(
        cases_in_reach(user)
        .filter(student__in=[student.pk for student in students])
        .exclude(stage=Stage.CLOSED)
        .values_list("student_id", "pk")
    )


def my_work(user) -> QuerySet[Case]:
    """Open cases the user owns, soonest deadline first."""
    return _with_related(Case.objects.filter(owner=user).exclude(stage=Stage.CLOSED)).order_by(
        "deadline", "id"
    )


def incoming_reports(user) -> QuerySet[Case]:
    """Reports waiting for a school officer to confirm or dismiss."""
    return cases_in_reach(user, roles=REPORTS_QUEUE_ROLES).filter(stage=Stage.REPORTED)


def township_queue(user) -> QuerySet[Case]:
    """Cases escalated to the township where the student lives."""
    return cases_in_reach(user, roles=TOWNSHIP_QUEUE_ROLES).filter(stage__in=TOWNSHIP_STAGES)


def overdue_cases(user) -> QuerySet[Case]:
    """Open cases in a supervisor's reach past their stage deadline."""
    return (
        cases_in_reach(user, roles=SUPERVISOR_ROLES)
        .exclude(stage=Stage.CLOSED)
        .filter(deadline__lt=clock.now())
    )


def school_counts(user) -> QuerySet[Unit]:
    """Schools under the user's supervision with their open and overdue case counts."""
    units = [grant.unit for grant in grants_of(user) if grant.role in SUPERVISOR_ROLES]
    if not units:
        return Unit.objects.none()
    under = Q(pk__in=[])
    for unit in units:
        under |= Q(path__startswith=unit.path)
    is_open = ~Q(school_cases__stage=Stage.CLOSED)
    return (
        Unit.objects.filter(under, kind=UnitKind.SCHOOL)
        .annotate(
            open_cases=Count("school_cases", filter=is_open),
            overdue_cases=Count(
                "school_cases", filter=is_open & Q(school_cases__deadline__lt=clock.now())
            ),
        )
        .order_by("-overdue_cases", "-open_cases", "path")
    )


def staff_reaching(case: Case):
    """Active staff who serve the case's class, school, township or village, or supervise them:
    the people a case may be given to and who may join a contact."""
    from django.contrib.auth import get_user_model

    paths = set()
    for unit in (case.klass, case.school, case.township, case.village):
        if unit is None:
            continue
        parts = unit.path.strip("/").split("/")
        paths |= {"/".join(parts[:length]) + "/" for length in range(1, len(parts) + 1)}
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_roles__unit__path__in=paths)
        .distinct()
        .order_by("first_name", "username")
    )
