"""Routing: the person who owns a case in a stage.

The owner role comes from the stage policy; the person is the holder of that role over the
case's unit (the class, the school, the residence township). When nobody holds it, the case
goes up to whoever supervises that unit, so that a gap in the staff list never strands a case.
"""

from django.contrib.auth import get_user_model

from cases.ladder import TUTOR
from cases.models import Case, Role

from .policies import policy_for

# role -> the roles to try after it, in order, when nobody holds it
FALLBACK = {
    Role.HOMEROOM_TEACHER: (Role.SCHOOL_OFFICER, Role.DISTRICT_SUPERVISOR, Role.COUNTY_SUPERVISOR),
    Role.SCHOOL_OFFICER: (Role.DISTRICT_SUPERVISOR, Role.COUNTY_SUPERVISOR),
    Role.TOWNSHIP_OFFICIAL: (Role.COUNTY_SUPERVISOR,),
}


def _unit_for(role: str, case: Case):
    return {
        Role.HOMEROOM_TEACHER: case.klass,
        Role.SCHOOL_OFFICER: case.school,
        Role.TOWNSHIP_OFFICIAL: case.township,
        Role.VILLAGE_CADRE: case.village,
        Role.DISTRICT_SUPERVISOR: case.school.parent,
        Role.COUNTY_SUPERVISOR: case.county,
    }[role]


def holders_of(role: str, case: Case):
    """Every active user holding `role` over the case's unit for that role."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True, staff_roles__role=role, staff_roles__unit=_unit_for(role, case)
        )
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
