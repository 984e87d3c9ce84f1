"""Routing: the person who owns a case in a stage.

The owner role comes from the stage policy; the person is the holder of that role over the
case's unit (the class, the school, the residence township). When nobody holds it, the case
goes up to whoever supervises that unit, so that a gap in the staff list never strands a case.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from cases.ladder import TUTOR
from cases.models import Case, Role

from .policies import policy_for

# role -> the roles to try after it, in order, when nobody holds it
FALLBACK = {
    Role.HOMEROOM_TEACHER: (Role.SCHOOL_OFFICER, Role.DISTRICT_SUPERVISOR, Role.COUNTY_SUPERVISOR),
    Role.SCHOOL_OFFICER: (Role.DISTRICT_SUPERVISOR, Role.COUNTY_SUPERVISOR),
    Role.TOWNSHIP_OFFICIAL: (Role.COUNTY_SUPERVISOR,),
}


# role -> the unit of a case that the role is held over (as an id, read without a query)
_UNIT_OF = {
    Role.HOMEROOM_TEACHER: lambda case: case.klass_id,
    Role.SCHOOL_OFFICER: lambda case: case.school_id,
    Role.TOWNSHIP_OFFICIAL: lambda case: case.township_id,
    Role.VILLAGE_CADRE: lambda case: case.village_id,
    Role.DISTRICT_SUPERVISOR: lambda case: case.school.parent_id,
    Role.COUNTY_SUPERVISOR: lambda case: case.county_id,
}


def holders_of(role: str, case: Case):
    """Every active user holding `role` over the case's unit for that role, with their
    notification settings (one query for both)."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True, staff_roles__role=role, staff_roles__unit_id=_UNIT_OF[role](case)
        )
        .select_related("notification_settings")
        .distinct()
        .order_by("pk")
    )


def holders_of_any(roles, case: Case):
    """Every active user holding any of `roles` over the case's unit for it (one query)."""
    if not roles:
        return get_user_model().objects.none()
    wanted = Q()
    for role in roles:
        wanted |= Q(staff_roles__role=role, staff_roles__unit_id=_UNIT_OF[role](case))
    return (
        get_user_model()
        .objects.filter(wanted, is_active=True)
        .select_related("notification_settings")
        .distinct()
        .order_by("pk")
    )


def holder_of(role: str, case: Case):
    """The first active holder of `role` over the case (lowest id, so the choice is stable)."""
    return holders_of(role, case).first()


def owner_for(stage: str, case: Case):
    """Who owns `case` once it enters `stage`; None for a closed case."""
    policy = policy_for(case, stage)
    if policy is None:
        return None
    role = policy.owner_role
    if role == TUTOR:
        return case.tutor or owner_for_role(Role.HOMEROOM_TEACHER, case)
    return owner_for_role(role, case)


def owner_for_role(role: str, case: Case):
    for candidate in (role, *FALLBACK.get(role, ())):
        user = holder_of(candidate, case)
        if user is not None:
            return user
    return None


def staff_of_school(case: Case):
    """Active users who teach or work at the case's school (candidates for tutor)."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            staff_roles__unit__path__startswith=case.school.path,
            staff_roles__role__in=[
                Role.HOMEROOM_TEACHER,
                Role.SUBJECT_TEACHER,
                Role.SCHOOL_OFFICER,
            ],
        )
        .distinct()
    )
