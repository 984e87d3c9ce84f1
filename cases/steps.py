"""What a user may do to a case now: the FSM's transitions from the current stage that the user
has permission for, each with the reason it is blocked when the case's record does not allow
it yet. Pages show these and nothing else."""

import dataclasses

from django_fsm import Transition

from .access import may_take
from .ladder import FORWARD_STEPS, KEPT_STAGE_STEPS, RECORD_CONTACT, RULES, WAITING_STEPS, Step
from .models import Case


@dataclasses.dataclass(frozen=True)
class StepOption:
    step: str
    label: str
    blocked_by: str | None = None  # the message of the first record guard that fails

    @property
    def forward(self) -> bool:
        """Whether the step carries the case up its ladder (the page's main action)."""
        return self.step in FORWARD_STEPS


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
        options[transition.name] = StepOption(
            transition.name,
            Step(transition.name).label,
            _blocked_by(transition.conditions, case),
        )
    for step in KEPT_STAGE_STEPS:
        if may_take(user, case, step):
            options[step] = StepOption(
                step, Step(step).label, _blocked_by(RULES[step].guards, case)
            )
    # An approval or a refusal is offered only while a closure waits for one.
    for step in WAITING_STEPS:
        if step in options and options[step].blocked_by:
            del options[step]
    ordered = [options[step] for step in Step.values if step in options]
    return sorted(ordered, key=lambda option: not option.forward)  # the main actions first


def _blocked_by(guards, case) -> str | None:
    """The message of the first record guard the case does not meet."""
    blocked = next((g.message for g in guards if not g.on_input and not g(case)), None)
    return blocked and str(blocked)


def may_record_contact(case: Case, user) -> bool:
    return case.is_open and may_take(user, case, RECORD_CONTACT)
