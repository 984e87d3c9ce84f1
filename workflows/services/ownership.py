"""Who has the case: reassignment, a leaver's cases, and the hand-over to another township;
changes that keep the stage."""

from django.contrib.auth.models import User
from django.db import transaction

from cases import access
from cases.ladder import OWNER, TOWNSHIP_STAGES
from cases.models import Case, Stage, Step

from .. import errors, routing
from ..errors import GuardFailed
from .core import checked_note, lock_seen, locked_for, record_stage_kept


@transaction.atomic
def case_reassign(*, case: Case, by: User, owner: User, note: str) -> Case:
    """Give the case to another person who serves the student; the stage does not change."""
    note = checked_note(Step.REASSIGN, note)
    locked = locked_for(Step.REASSIGN, case=case, by=by)
    if owner.pk == locked.owner_id:
        raise GuardFailed(errors.OWNER_UNCHANGED)
    if not owner.is_active or not access.roles_on(owner, locked) - {OWNER}:
        raise GuardFailed(errors.OWNER_OUT_OF_REACH)
    previous_owner = locked.owner
    locked.owner = owner
    record_stage_kept(locked, by=by, step=Step.REASSIGN, note=note, previous_owner=previous_owner)
    return locked


@transaction.atomic
def cases_of_departed_owner_reassign(*, user: User, by: User) -> int:
    """`user` lost a role: every open case they own but no longer reach goes to whoever the
    stage policy names now (a recorded reassignment by the system). Returns how many moved."""
    moved = 0
    for case in Case.objects.filter(owner=user).exclude(stage=Stage.CLOSED):
        locked = lock_seen(case)
        fresh = type(user).objects.get(pk=user.pk)  # no cached grants
        if access.roles_on(fresh, locked) - {OWNER}:
            continue
        if locked.tutor_id == user.pk:
            # A tutor (一帮一) may teach another class: they keep the child while they still
            # work at the school; one who left it is no longer the tutor.
            if routing.staff_of_school(locked).filter(pk=user.pk).exists():
                continue
            locked.tutor = None
        previous_owner = locked.owner
        locked.owner = routing.owner_for(locked.stage, locked)
        if locked.owner == previous_owner:
            continue  # nobody else to give it to; nothing to record
        record_stage_kept(
            locked,
            by=by,
            step=Step.REASSIGN,
            note=str(errors.OWNER_LEFT),
            previous_owner=previous_owner,
        )
        moved += 1
    return moved


@transaction.atomic
def case_hand_over(*, case: Case, by: User, township, note: str) -> Case:
    """The family moved to another township of the county: the case follows the child. From now
    on the new township's staff reach it and the old township's do not; a case in a township
    stage gets the new township's official as owner."""
    note = checked_note(Step.HAND_OVER, note)
    locked = locked_for(Step.HAND_OVER, case=case, by=by)
    if township.pk == locked.township_id:
        raise GuardFailed(errors.TOWNSHIP_UNCHANGED)
    if township.kind != "township" or township.parent_id != locked.county_id:
        raise GuardFailed(errors.TOWNSHIP_OUTSIDE_COUNTY)
    previous_owner = locked.owner
    locked.township, locked.village = township, None
    if locked.stage in TOWNSHIP_STAGES:
        locked.owner = routing.owner_for(locked.stage, locked)
    record_stage_kept(locked, by=by, step=Step.HAND_OVER, note=note, previous_owner=previous_owner)
    return locked
