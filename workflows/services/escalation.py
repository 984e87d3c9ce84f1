"""Up the ladder: to the township, the order to return, and the escalations over the usual
guards (a supervisor's override, the sweep's automatic escalation)."""

from django.contrib.auth.models import User

from cases import clock
from cases.models import Case, Step

from .. import errors, policies
from ..errors import GuardFailed
from .core import take_step


def case_escalate(*, case: Case, by: User, note: str = "") -> Case:
    """Visits failed: 辍学报告单 filed; the residence township takes over."""
    return take_step(case=case, by=by, step=Step.ESCALATE, note=note)


def case_order_enforcement(*, case: Case, by: User, days: int, note: str = "") -> Case:
    """The township orders the guardian to return the child within `days` (责令限期复学)."""
    if not policies.ORDER_DAYS_MIN <= days <= policies.ORDER_DAYS_MAX:
        raise GuardFailed(
            errors.ORDER_DAYS_RANGE, low=policies.ORDER_DAYS_MIN, high=policies.ORDER_DAYS_MAX
        )

    def change(locked: Case) -> None:
        locked.order_served_on = clock.today()
        locked.order_days = days

    return take_step(
        case=case,
        by=by,
        step=Step.ORDER_ENFORCEMENT,
        note=note,
        change=change,
        deadline_days=days,
    )


def case_override(*, case: Case, by: User, note: str) -> Case:
    """A supervisor escalates one rung past the usual guards, with a written reason."""
    return take_step(case=case, by=by, step=Step.OVERRIDE, note=note)


def case_auto_escalate(*, case: Case, by: User, note: str) -> Case:
    """The deadline passed and the county's policy escalates by itself: one rung up, by the
    system user, with the same event, history row and notifications as any step."""
    return take_step(
        case=case,
        by=by,
        step=Step.AUTO_ESCALATE,
        transition="override",
        note=note,
        by_system=True,
        tell="case_escalated",
    )
