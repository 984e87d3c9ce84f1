"""Who may take which step on a case: roles held over the case's units, plus its owner.

A role reaches a case when the unit the role is held over contains the case's anchor for that
role: the class for teachers, the school for its officer, the residence township or village for
township staff, and either for supervisors of a subtree. The FSM transitions on `Case` ask
`may(step)` for permission; services must call `has_transition_perm` before running one.
"""

import dataclasses
from collections.abc import Callable

from .models.grants import CaseUserObjectPermission, UnitUserObjectPermission
from .models.units import Role

OWNER = "owner"  # pseudo-role: the case's current owner (e.g. the 一帮一 tutor)

# step -> roles that may take it. Steps are the `Step` values of cases.models.case.
STEP_ROLES: dict[str, frozenset[str]] = {
    "open": frozenset({Role.HOMEROOM_TEACHER, Role.SCHOOL_OFFICER}),
    "report": frozenset({Role.HOMEROOM_TEACHER, Role.SCHOOL_OFFICER}),
    "dismiss": frozenset({Role.SCHOOL_OFFICER}),
    "start_home_visit": frozenset({Role.SCHOOL_OFFICER}),
    "escalate": frozenset({Role.HOMEROOM_TEACHER, Role.SCHOOL_OFFICER}),
    "order_enforcement": frozenset({Role.TOWNSHIP_OFFICIAL}),
    "mark_returned": frozenset(
        {Role.HOMEROOM_TEACHER, Role.SCHOOL_OFFICER, Role.TOWNSHIP_OFFICIAL}
    ),
    "start_followup": frozenset({Role.HOMEROOM_TEACHER, Role.SCHOOL_OFFICER}),
    "close": frozenset({Role.SCHOOL_OFFICER}),
    "close_verified": frozenset({Role.SCHOOL_OFFICER}),
    "relapse": frozenset({Role.HOMEROOM_TEACHER, Role.SCHOOL_OFFICER, OWNER}),
    "override": frozenset({Role.DISTRICT_SUPERVISOR, Role.COUNTY_SUPERVISOR}),
    "reassign": frozenset({Role.SCHOOL_OFFICER, Role.DISTRICT_SUPERVISOR, Role.COUNTY_SUPERVISOR}),
    "hand_over": frozenset(
        {
            Role.SCHOOL_OFFICER,
            Role.TOWNSHIP_OFFICIAL,
            Role.DISTRICT_SUPERVISOR,
            Role.COUNTY_SUPERVISOR,
        }
    ),
    "record_contact": frozenset(
        {
            Role.HOMEROOM_TEACHER,
            Role.SUBJECT_TEACHER,
            Role.SCHOOL_OFFICER,
            Role.TOWNSHIP_OFFICIAL,
            Role.VILLAGE_CADRE,
            OWNER,
        }
    ),
}


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


def _anchors(role: str, case) -> tuple:
    """The units of a case that a role must contain to reach it."""
    return tuple(getattr(case, field) for field in CASE_ANCHORS[role])


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


def roles_on(user, case) -> set[str]:
    """Every role through which `user` reaches `case` (OWNER included when they own it)."""
    roles = {
        grant.role
        for grant in grants_of(user)
        if any(grant.unit.contains(anchor) for anchor in _anchors(grant.role, case))
    }
    if owns(user, case):
        roles.add(OWNER)
    return roles


def may_take(user, case, step: str) -> bool:
    return bool(roles_on(user, case) & STEP_ROLES[step])


def may(step: str) -> Callable:
    """The `permission=` callable for an FSM transition."""

    def check(case, user) -> bool:
        return may_take(user, case, step)

    check.__name__ = f"may_{step}"
    return check


def may_open_case_for(user, student) -> bool:
    """Whether `user` may open a case for `student` (the case does not exist yet)."""
    from .models import Case

    draft = Case(
        student=student,
        school=student.school,
        klass=student.klass,
        township=student.residence_township,
        village=student.residence_village,
    )
    return may_take(user, draft, "open")
