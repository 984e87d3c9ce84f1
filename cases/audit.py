"""Writing the access log. Views call these; nothing else writes to it."""

from . import clock
from .access import roles_on
from .models import AccessAction, AccessLog, Case


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
