"""Settling the students a new roll no longer lists: a transfer names the receiving school; a
case opened for the student, or the student back on a later roll, settles it by itself. A child
who transferred away and is later on that school's roll again is recorded as back, so that the
transfer no longer takes them off it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models import Proposal, ProposalStatus, RosterDeparture, Settlement, Student
from cases.validators import refuse_numbers_in_text

RECEIVING_SCHOOL_NEEDED = _("Name the school the student moved to.")
ALREADY_SETTLED = _("This student was already settled.")
WITHDRAWN_TRANSFER = _("Withdrawn: the student transferred to another school.")


def settle_open(students, *, by, settlement: str) -> int:
    """Settle the open departures of `students` (ids or objects) as `settlement`."""
    return RosterDeparture.objects.filter(student__in=students, settled_at__isnull=True).update(
        settlement=settlement, settled_by=by, settled_at=clock.now()
    )


def settle_returns(students, *, schools, by, found_by) -> int:
    """Of `students` (ids: the ones a new roll of `schools` lists), those who had transferred
    away from the school they are at now: each gets a departure settled 回到名册 (back on the
    roll) from `found_by`, so the roll, the rules and the register count them again. The
    transfer stays as it was: the figures count it as it happened."""
    listed = set(students)
    back = [
        RosterDeparture(
            student_id=student_id,
            school_id=school_id,
            found_by=found_by,
            settlement=Settlement.BACK_ON_ROLL,
            settled_by=by,
            settled_at=clock.now(),
        )
        for student_id, school_id in Student.objects.filter(school_id__in=schools)
        .transferred_away()
        .values_list("pk", "school_id")
        if student_id in listed
    ]
    RosterDeparture.objects.bulk_create(back)
    return len(back)


@transaction.atomic
def settle_transfer(departure: RosterDeparture, *, by, receiving_school: str) -> None:
    receiving_school = receiving_school.strip()
    if not receiving_school:
        raise ValidationError(RECEIVING_SCHOOL_NEEDED)
    refuse_numbers_in_text(receiving_school)
    # The student locked as the attendance rules lock them: a roll taken meanwhile proposes
    # nothing for the child until this is committed, and then finds them gone.
    Student.objects.select_for_update(of=("self",)).filter(pk=departure.student_id).first()
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
