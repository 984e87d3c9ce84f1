"""Settling the students a new roll no longer lists: a transfer names the receiving school; a
case opened for the student, or the student back on a later roll, settles it by itself."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models import Proposal, ProposalStatus, RosterDeparture, Settlement
from cases.validators import refuse_numbers_in_text

RECEIVING_SCHOOL_NEEDED = _("Name the school the student moved to.")
ALREADY_SETTLED = _("This student was already settled.")
WITHDRAWN_TRANSFER = _("Withdrawn: the student transferred to another school.")


def settle_open(students, *, by, settlement: str) -> int:
    """Settle the open departures of `students` (ids or objects) as `settlement`."""
    return RosterDeparture.objects.filter(student__in=students, settled_at__isnull=True).update(
        settlement=settlement, settled_by=by, settled_at=clock.now()
    )


@transaction.atomic
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
    _withdraw_proposals(departure.student_id, by=by)


def _withdraw_proposals(student_id: int, *, by) -> None:
    """A child who moved to another school is no longer a suspected dropout here: what the
    attendance rules proposed for them and nobody answered is withdrawn, with the reason."""
    for proposal in Proposal.objects.select_for_update().filter(
        student_id=student_id, status=ProposalStatus.OPEN
    ):
        proposal.status = ProposalStatus.WITHDRAWN
        proposal.decided_by, proposal.decided_at = by, clock.now()
        proposal._history_user = by
        proposal._change_reason = str(WITHDRAWN_TRANSFER)
        proposal.save()
