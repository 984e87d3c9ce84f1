"""Who may take which step on a case: roles held over the case's units, plus its owner.

A role reaches a case when the unit the role is held over contains the case's anchor for that
role: the class for teachers, the school for its officer, the residence township or village for
township staff, and either for supervisors of a subtree. Which roles may take a step is the
ladder's table (`cases.ladder.RULES`); the services ask `may_take` once, before anything else.
"""

import dataclasses

from .ladder import OWNER, RULES, Step
from .models.case import Case
from .models.grants import CaseUserObjectPermission, UnitUserObjectPermission
from .models.units import Role, UnitKind

# role -> the fields of a case whose unit the role's unit must contain to reach it (the same
# table filters lists in cases.selectors)
CASE_ANCHORS: dict[str, tuple[str, ...]] = {
    Role.HOMEROOM_TEACHER: ("klass",),
    Role.SUBJECT_TEACHER: ("klass",),
    Role.SCHOOL_OFFICER: ("school",),
    Role.TOWNSHIP_OFFICIAL: ("township",),
    Role.VILLAGE_CADRE: ("village",),
    Role.DISTRICT_SUPERVISOR: ("school", "township"),
    Role.COUNTY_SUPERVISOR: ("school", "township"),
}


@dataclasses.dataclass(frozen=True)
class Grant:
    """A role's reach over a unit, read from the guardian grants."""

    role: str
    unit: object


def grants_of(user) -> list[Grant]:
    """The user's unit grants (`serve_<role>` on a unit), read once per user object."""
    if not hasattr(user, "_unit_grants_cache"):
        rows = (
            UnitUserObjectPermission.objects.filter(
                user=user, permission__codename__startswith="serve_"
            ).select_related("permission", "content_object")
            if user.is_authenticated
            else []
        )
        user._unit_grants_cache = [
            Grant(row.permission.codename.removeprefix("serve_"), row.content_object)
            for row in rows
        ]
    return user._unit_grants_cache


def owns(user, case) -> bool:
    """Whether the user holds the case's `own_case` grant (its assignee)."""
    if not user.is_authenticated or case.pk is None:
        return False
    cache = user.__dict__.setdefault("_owned_cases_cache", {})
    if case.pk not in cache:
        cache[case.pk] = CaseUserObjectPermission.objects.filter(
            user=user, content_object_id=case.pk, permission__codename="own_case"
        ).exists()
    return cache[case.pk]


# The kind of unit each anchor of a case is: a grant on a unit of the same kind reaches the
# case only when it is that very unit.
ANCHOR_KINDS = {
    "klass": UnitKind.CLASS,
    "school": UnitKind.SCHOOL,
    "township": UnitKind.TOWNSHIP,
    "village": UnitKind.VILLAGE,
}


def _reaches(grant: Grant, case) -> bool:
    """Whether the grant's unit is, or contains, one of the case's anchors for its role. A
    grant over a unit of the anchor's own kind (a class, a school, a township) is compared by
    id, without reading any unit; one over an ancestor (a supervisor's district or county), by
    the anchors' paths."""
    for field in CASE_ANCHORS[grant.role]:
        if getattr(case, f"{field}_id") == grant.unit.pk:
            return True
        if grant.unit.kind != ANCHOR_KINDS[field] and grant.unit.contains(getattr(case, field)):
            return True
    return False


def unit_roles_on(user, case) -> set[str]:
    """The roles held over units through which `user` reaches `case` (ownership aside)."""
    return {grant.role for grant in grants_of(user) if _reaches(grant, case)}


def roles_on(user, case) -> set[str]:
    """Every role through which `user` reaches `case` (OWNER included when they own it)."""
    roles = unit_roles_on(user, case)
    if owns(user, case):
        roles.add(OWNER)
    return roles


def may_take(user, case, step: str) -> bool:
    """Whether a role (or ownership) through which `user` reaches `case` may take `step`, by the
    ladder's table; whether the step is possible from the case's stage is the FSM's question.
    Ownership is looked up only when the unit roles do not already allow the step."""
    allowed = RULES[step].roles_for(case)
    if any(grant.role in allowed and _reaches(grant, case) for grant in grants_of(user)):
        return True
    return OWNER in allowed and owns(user, case)


def may_open_case_for(user, student) -> bool:
    """Whether `user` may open a case for `student` (the case does not exist yet)."""
    draft = Case(
        student=student,
        school=student.school,
        klass=student.klass,
        township=student.residence_township,
        village=student.residence_village,
    )
    return may_take(user, draft, Step.OPEN)
