"""Back in class: the return, the 一帮一 follow-up, and a relapse."""

import datetime

from django.contrib.auth.models import User

from cases.models import Case, Step

from .. import errors, routing
from ..errors import GuardFailed
from .core import take_step


def case_mark_returned(*, case: Case, by: User, returned_on: datetime.date, note: str = "") -> Case:
    """The student is back in class on `returned_on`."""

    def change(locked: Case) -> None:
        locked.returned_on = returned_on

    return take_step(case=case, by=by, step=Step.MARK_RETURNED, note=note, change=change)


def case_start_followup(*, case: Case, by: User, tutor: User, note: str = "") -> Case:
    """一帮一: `tutor` (a teacher of the school) follows the student up and owns the case."""

    def change(locked: Case) -> None:
        if not routing.staff_of_school(locked).filter(pk=tutor.pk).exists():
            raise GuardFailed(errors.TUTOR_NOT_AT_SCHOOL)
        locked.tutor = tutor

    return take_step(case=case, by=by, step=Step.START_FOLLOWUP, note=note, change=change)


def case_relapse(*, case: Case, by: User, note: str) -> Case:
    """Absent again after returning: back to home visits."""
    return take_step(case=case, by=by, step=Step.RELAPSE, note=note)
