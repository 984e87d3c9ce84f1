"""Staff as people: their names as pages and messages show them, and contact details other
apps may ask for, through settings, without importing cases."""

from .models import StaffPhone

NOBODY = "—"  # no person: a closed case has no owner


def name_of(user) -> str:
    """A user's full name, else the username, else a dash."""
    if user is None:
        return NOBODY
    return user.get_full_name() or user.get_username()


def mobile_of(user) -> str:
    """The NOTIFICATIONS_PHONE_LOOKUP: a staff member's mobile number, or "" if none."""
    return StaffPhone.objects.filter(user=user).values_list("mobile", flat=True).first() or ""
