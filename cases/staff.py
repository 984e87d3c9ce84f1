"""Staff contact details other apps may ask for, through settings, without importing cases."""

from .models import StaffPhone


def mobile_of(user) -> str:
    """The NOTIFICATIONS_PHONE_LOOKUP: a staff member's mobile number, or "" if none."""
    return StaffPhone.objects.filter(user=user).values_list("mobile", flat=True).first() or ""
