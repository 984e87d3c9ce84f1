"""Staff roles that begin, move or end: the grant of the role follows at once, and the cases a
leaver owned but no longer reaches go to the next owner by the stage policy, as a reassignment
recorded by the system. The admin and the roster take roles through these, never a bare save."""

from django.contrib.auth import get_user_model
from django.db import transaction

from cases import grants
from cases.models import StaffRole

from .ownership import cases_of_departed_owner_reassign

SYSTEM_USERNAME = "system"


def system_user():
    """The actor of what the engine does by itself: inactive, no roles, cannot sign in."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"first_name": "系统", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def staff_role_save(*, staff_role: StaffRole) -> StaffRole:
    """Save a new or changed role. A role moved to another person, role or unit ends the old
    one first: its grant goes, and so do the cases its holder no longer reaches."""
    before = None
    if staff_role.pk:
        before = StaffRole.objects.select_related("user", "unit").filter(pk=staff_role.pk).first()
    staff_role.save()
    if before and (before.user_id, before.role, before.unit_id) != (
        staff_role.user_id,
        staff_role.role,
        staff_role.unit_id,
    ):
        grants.role_revoked(user=before.user, role=before.role, unit=before.unit)
        cases_of_departed_owner_reassign(user=before.user, by=system_user())
    grants.role_granted(staff_role)
    return staff_role


@transaction.atomic
def staff_role_end(*, staff_role: StaffRole) -> None:
    """A role ends (a teacher leaves the class): the record goes (its history stays), the grant
    goes, and the holder's cases they no longer reach get their next owner."""
    user = staff_role.user
    grants.role_revoked(user=user, role=staff_role.role, unit=staff_role.unit)
    staff_role.delete()
    cases_of_departed_owner_reassign(user=user, by=system_user())
