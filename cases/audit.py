"""Writing the access log. Views call these; nothing else writes to it."""

from . import clock
from .access import roles_on
from .models import AccessAction, AccessLog, Case
from .selectors import roles_of


def access_record(*, user, case: Case, action: str, reason: str = "") -> AccessLog:
    return AccessLog.objects.create(
        user=user,
        roles=",".join(sorted(roles_on(user, case))),
        case=case,
        action=action,
        reason=reason,
        at=clock.now(),
    )


def case_viewed(*, user, case: Case) -> AccessLog:
    return access_record(user=user, case=case, action=AccessAction.VIEW_CASE)


def register_exported(*, user, reason: str) -> AccessLog:
    """An export of a register: which one, for which dates, how many rows (never their
    contents), and the reason given when the numbers were shown in full."""
    return AccessLog.objects.create(
        user=user,
        roles=",".join(sorted(roles_of(user))),
        action=AccessAction.EXPORT,
        reason=reason[:200],
        at=clock.now(),
    )
