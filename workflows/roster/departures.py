"""Settling the students a new roll no longer lists: a transfer names the receiving school; a
case opened for the student, or the student back on a later roll, settles it by itself."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models import RosterDeparture, Settlement
from cases.validators import refuse_numbers_in_text

RECEIVING_SCHOOL_NEEDED = _("Name the school the student moved to.")
ALREADY_SETTLED = _("This student was already settled.")


def settle_open(students, *, by, settlement: str) -> int:
    """Settle the open departures of `students` (ids or objects) as `settlement`."""
    return RosterDeparture.objects.filter(student__in=students, settled_at__isnull=True).update(
        settlement=settlement, settled_by=by, settled_at=clock.now()
    )


def settle_transfer(departure: RosterDeparture, *, by, receiving_school: str) -> None:
    receiving_school = receiving_school.strip()
    if not receiving_school:
        raise ValidationError(RECEIVING_SCHOOL_NEEDED)
    refuse_numbers_in_text(receiving_school)
    settled = RosterDeparture.objects.filter(pk=departure.pk, settled_at__isnull=True).update(
        settlement=Settlement.TRANSFERRED,
        receiving_school=receiving_school[:100],
        settled_by=by,
        settled_at=clock.now(),
    )
    if not settled:
        raise ValidationError(ALREADY_SETTLED)
