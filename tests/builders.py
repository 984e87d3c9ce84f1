"""Build a case already standing in a given stage, with what that stage implies on record."""

import datetime

from cases import chain, clock
from cases.models import ClosureReason, Contact, ContactKind, GuardianAttitude, Role, Stage

from . import factories

OWNER_ROLE = {
    Stage.IDENTIFIED: Role.HOMEROOM_TEACHER,
    Stage.REPORTED: Role.SCHOOL_OFFICER,
    Stage.HOME_VISIT: Role.HOMEROOM_TEACHER,
    Stage.TOWNSHIP_PERSUASION: Role.TOWNSHIP_OFFICIAL,
    Stage.LEGAL_ENFORCEMENT: Role.TOWNSHIP_OFFICIAL,
    Stage.RETURNED: Role.HOMEROOM_TEACHER,
    Stage.TUTORING_FOLLOWUP: Role.SUBJECT_TEACHER,  # the tutor
    Stage.CLOSED: None,
}
REACHED_HOME_VISIT = {Stage.HOME_VISIT, Stage.TOWNSHIP_PERSUASION, Stage.LEGAL_ENFORCEMENT}
REACHED_TOWNSHIP = {Stage.TOWNSHIP_PERSUASION, Stage.LEGAL_ENFORCEMENT}


def add_contact(case, *, by, stage, kind=ContactKind.HOME_VISIT, participants=()):
    contact = Contact.objects.create(
        case=case,
        stage=stage,
        kind=kind,
        occurred_on=clock.today() - datetime.timedelta(days=1),
        place="学生家中",
        guardian_attitude=GuardianAttitude.HESITANT,
        result="家长同意考虑",
        recorded_by=by,
        recorded_at=clock.now(),
    )
    chain.seal_contact(contact)
    contact.save(update_fields=["previous_hash", "hash"])
    contact.participants.set([by, *participants])
    return contact


def case_in_stage(world, stage: str, student=None):
    now = clock.now()
    role = OWNER_ROLE[stage]
    fields = {
        "student": student or world.student(),
        "stage": stage,
        "owner": world[role] if role else None,
        "opened_by": world[Role.HOMEROOM_TEACHER],
    }
    if stage in (Stage.RETURNED, Stage.TUTORING_FOLLOWUP, Stage.CLOSED):
        fields["returned_on"] = clock.today() - datetime.timedelta(days=60)
    if stage == Stage.TUTORING_FOLLOWUP:
        fields["tutor"] = world[Role.SUBJECT_TEACHER]
        fields["stage_started_at"] = now - datetime.timedelta(days=60)
    if stage == Stage.CLOSED:
        fields["closure_reason"] = ClosureReason.RETURNED_STABLE
        fields["closed_at"] = now
    case = factories.CaseFactory(**fields)
    if stage in REACHED_HOME_VISIT:
        add_contact(
            case,
            by=world[Role.HOMEROOM_TEACHER],
            stage=Stage.HOME_VISIT,
            participants=[world[Role.SUBJECT_TEACHER]],
        )
    if stage in REACHED_TOWNSHIP:
        add_contact(
            case,
            by=world[Role.TOWNSHIP_OFFICIAL],
            stage=Stage.TOWNSHIP_PERSUASION,
            kind=ContactKind.JOINT_VISIT,
            participants=[world[Role.VILLAGE_CADRE]],
        )
    return case
