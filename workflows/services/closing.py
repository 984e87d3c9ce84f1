"""Closing a case: returned and stable, or on a verified change."""

from django.contrib.auth.models import User

from cases.models import Case, ClosureReason, Step

from .core import take_step


def case_close(*, case: Case, by: User, note: str = "") -> Case:
    """Returned and stable after the follow-up period: closed."""
    return take_step(case=case, by=by, step=Step.CLOSE, note=note)


def case_close_verified(
    *, case: Case, by: User, reason: str, note: str, receiving_school: str = ""
) -> Case:
    """Closed on a verified change: transfer (with the receiving school), approved 休学,
    moved out of the jurisdiction, or deceased."""

    def change(locked: Case) -> None:
        locked.closure_reason = reason if reason in ClosureReason.values else ""
        locked.receiving_school = receiving_school.strip()

    return take_step(case=case, by=by, step=Step.CLOSE_VERIFIED, note=note, change=change)
