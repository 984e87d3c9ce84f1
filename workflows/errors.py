"""Typed errors of the case services. Messages are module constants that tests and views reuse;
they are translatable, Chinese by default, and never carry a name, ID or phone number."""

import enum

from django.utils.translation import gettext_lazy as _

CONFLICT = _(
    "Someone else changed this case first: it is now at “%(stage)s”. Nothing of yours was "
    "saved; look at the case again and repeat your step if it still applies."
)
NOT_ALLOWED = _("“%(step)s” is not possible while the case is at “%(stage)s”.")
FORBIDDEN = _("You may not take the step “%(step)s” on this case.")
ALREADY_OPEN = _("This student already has an open case; continue that one.")
CASE_CLOSED = _("The case is closed; open a new case if the student drops out again.")
NOTE_REQUIRED = _("Write down the reason for this step.")
LAST_SEEN_FUTURE = _("The day last seen in school cannot be in the future.")
CONTACT_FUTURE = _("The contact date cannot be in the future.")
CONTACT_RESULT_REQUIRED = _("Write down the result of the contact.")
TUTOR_NOT_AT_SCHOOL = _("The tutor must be a teacher of the student's school.")
OWNER_OUT_OF_REACH = _(
    "The new owner must be staff who serve this student's class, school or township."
)
TOWNSHIP_UNCHANGED = _("The case is already with this township.")
TOWNSHIP_OUTSIDE_COUNTY = _(
    "Choose a township of the same county; a move out of the county closes the case as moved out."
)
OWNER_LEFT = _("The owner no longer serves this student; the case goes to the next owner.")
OWNER_UNCHANGED = _("The case already belongs to this person.")
PARTICIPANT_OUT_OF_REACH = _(
    "Every participant must be staff who serve this student's class, school, township or village."
)
RECORD_CONTACT = _("Record contact")  # the step name in FORBIDDEN
ORDER_DAYS_RANGE = _("The time limit of the order must be between %(low)s and %(high)s days.")


class Outcome(enum.IntEnum):
    """What a refusal means for the caller, as the HTTP status the pages and the API answer."""

    NOT_FOUND = 404  # no such case, or not in the user's reach: no hint that it exists
    NOT_ALLOWED = 403  # the user's roles may never take this step on this case
    CONFLICT = 409  # the case is not where the user saw it: moved on, or the step not possible
    GUARD_FAILED = 422  # a rule of the step is not met; the message says which


class CaseError(Exception):
    """A step on a case was refused. `str(error)` is the message for the user."""

    outcome = Outcome.GUARD_FAILED

    def __init__(self, message, **params) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class CaseConflict(CaseError):
    """Someone else moved the case since the user loaded it."""

    outcome = Outcome.CONFLICT


class StepNotAllowed(CaseError):
    """The ladder has no such step from the case's current stage."""

    outcome = Outcome.CONFLICT


class StepForbidden(CaseError):
    """The user's roles do not allow this step on this case."""

    outcome = Outcome.NOT_ALLOWED


class GuardFailed(CaseError):
    """A rule of the step is not met (a visit missing, a date in the future, a reason missing)."""


class CaseAlreadyOpen(CaseError):
    """The student already has an open case."""

    outcome = Outcome.CONFLICT
