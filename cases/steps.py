"""What a user may do to a case now: the FSM's transitions from the current stage that the user
has permission for, each with the reason it is blocked when the case's record does not allow
it yet. Pages show these and nothing else."""

import dataclasses

from django_fsm import Transition

from .access import may_take
from .ladder import RECORD_CONTACT, Step
from .models import Case


@dataclasses.dataclass(frozen=True)
class StepOption:
    step: str
    label: str
    blocked_by: str | None = None  # the message of the first record guard that fails


def _transitions_from(case: Case) -> list[Transition]:
    return [t for t in case.get_all_stage_transitions() if t.source == case.stage]


def step_options(case: Case, user) -> list[StepOption]:
    """The steps `user` may take on `case` now, in ladder order."""
    if not case.is_open:
        return []
    options = {}
    for transition in _transitions_from(case):
        if not may_take(user, case, transition.name):
            continue
        blocked = next(
            (
                condition.message
                for condition in transition.conditions
                if not condition.on_input and not condition(case)
            ),
            None,
        )
        options[transition.name] = StepOption(
            transition.name, Step(transition.name).label, blocked and str(blocked)
        )
    for step in (Step.REASSIGN, Step.HAND_OVER):
        if may_take(user, case, step):
            options[step] = StepOption(step, step.label)
    return [options[step] for step in Step.values if step in options]


def may_record_contact(case: Case, user) -> bool:
    return case.is_open and may_take(user, case, RECORD_CONTACT)
