"""Contacts with the family: home visits, calls, meetings (家访记录/动员记录)."""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction

from cases import access, chain, clock
from cases.ladder import RECORD_CONTACT
from cases.models import Case, Contact

from .. import errors
from ..errors import GuardFailed, StepForbidden
from .core import case_locked, full_clean


@transaction.atomic
def contact_record(
    *,
    case: Case,
    by: User,
    kind: str,
    occurred_on: datetime.date,
    guardian_attitude: str,
    result: str,
    place: str = "",
    participants: Iterable = (),
    other_participants: str = "",
    next_step: str = "",
) -> Contact:
    """Record a home visit, call or meeting (家访记录/动员记录). The recorder takes part."""
    locked = case_locked(case.pk)  # a contact does not depend on the case's version
    if not access.may_take(by, locked, RECORD_CONTACT):
        raise StepForbidden(errors.FORBIDDEN, step=errors.RECORD_CONTACT)
    if not locked.is_open:
        raise GuardFailed(errors.CASE_CLOSED)
    if occurred_on > clock.today():
        raise GuardFailed(errors.CONTACT_FUTURE)
    if not result.strip():
        raise GuardFailed(errors.CONTACT_RESULT_REQUIRED)
    people = {by.pk: by, **{person.pk: person for person in participants}}
    if any(not access.roles_on(person, locked) for person in people.values()):
        raise GuardFailed(errors.PARTICIPANT_OUT_OF_REACH)
    contact = Contact(
        case=locked,
        stage=locked.stage,
        kind=kind,
        occurred_on=occurred_on,
        place=place.strip(),
        other_participants=other_participants.strip(),
        guardian_attitude=guardian_attitude,
        result=result.strip(),
        next_step=next_step.strip(),
        recorded_by=by,
        recorded_at=clock.now(),
    )
    contact._history_user = by
    contact._history_date = contact.recorded_at
    full_clean(contact)
    chain.seal_contact(contact)
    contact.save()
    contact.participants.set(people.values())
    return contact
