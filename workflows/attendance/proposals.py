"""The homeroom teacher's answer to a proposal: confirm it (the case opens at `identified`, the
first absence as the day last seen) or say the student is not a suspected dropout. Both are
recorded with who and when."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.models import Proposal, ProposalStatus, Step

from .. import registry
from .roll import MAY_NOT, may_take_roll

ANSWERED = _("This proposal has already been answered or withdrawn.")
OPENED_NOTE = _("Proposed by the attendance rule “%(rule)s”: absent %(days)s.")


def _locked(proposal: Proposal, by) -> Proposal:
    locked = (
        Proposal.objects.select_for_update().select_related("student__klass").get(pk=proposal.pk)
    )
    if not may_take_roll(by, locked.student.klass):
        raise PermissionDenied(MAY_NOT)
    if locked.status != ProposalStatus.OPEN:
        raise ValidationError(ANSWERED)
    return locked


@transaction.atomic
def proposal_confirm(*, proposal: Proposal, by):
    """Open the case (through the ladder's own step, with its checks) and link it."""
    proposal = _locked(proposal, by)
    days = "、".join(f"{day:%m-%d}" for day in proposal.day_list)
    case = registry.run(
        Step.OPEN,
        by=by,
        student=proposal.student,
        last_seen_on=proposal.first_absent_on,
        note=str(OPENED_NOTE % {"rule": proposal.get_rule_display(), "days": days}),
    )
    proposal.refresh_from_db()  # the opening answers the student's waiting proposals
    if proposal.case_id != case.pk:
        proposal.status, proposal.case = ProposalStatus.CONFIRMED, case
        proposal.decided_by, proposal.decided_at = by, clock.now()
        proposal._history_user = by
        proposal.save()
    return case


@transaction.atomic
def proposal_reject(*, proposal: Proposal, by) -> Proposal:
    proposal = _locked(proposal, by)
    proposal.status = ProposalStatus.REJECTED
    proposal.decided_by, proposal.decided_at = by, clock.now()
    proposal._history_user = by
    proposal.save()
    return proposal
