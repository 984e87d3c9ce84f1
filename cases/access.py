"""Who may take which step on a case: roles held over the case's units, plus its owner.

A role reaches a case when the unit the role is held over contains the case's anchor for that
role: the class for teachers, the school for its officer, the residence township or village for
township staff, and either for supervisors of a subtree. The FSM transitions on `Case` ask
`may(step)` for permission; services must call `has_transition_perm` before running one.
"""

from collections.abc import Callable

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


def _anchors(role: str, case) -> tuple:
    """The units of a case that a role must contain to reach it."""
    if role in (Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER):
        return (case.klass,)
    if role == Role.SCHOOL_OFFICER:
        return (case.school,)
    if role == Role.TOWNSHIP_OFFICIAL:
        return (case.township,)
    if role == Role.VILLAGE_CADRE:
        return (case.village,)
    return (case.school, case.township)


def staff_roles_of(user) -> list:
    """The user's staff roles with their units, read once per user object."""
    if not hasattr(user, "_staff_roles_cache"):
        user._staff_roles_cache = (
            list(user.staff_roles.select_related("unit")) if user.is_authenticated else []
        )
    return user._staff_roles_cache


def roles_on(user, case) -> set[str]:
    """Every role through which `user` reaches `case` (OWNER included when they own it)."""
    roles = {
        staff_role.role
        for staff_role in staff_roles_of(user)
        if any(staff_role.unit.contains(anchor) for anchor in _anchors(staff_role.role, case))
    }
    if user.is_authenticated and case.owner_id == user.pk:
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
