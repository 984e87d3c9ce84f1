"""The service functions: the only code that changes a case, one per step, by subject.

Each step runs in one transaction (`core.take_step`); callers import them from here.
"""

from .closing import (
    case_approve_closure,
    case_close,
    case_close_verified,
    case_refuse_closure,
    case_request_closure,
)
from .contacts import contact_record
from .core import case_locked
from .escalation import (
    case_auto_escalate,
    case_escalate,
    case_order_enforcement,
    case_override,
    case_refer,
)
from .opening import case_dismiss, case_open, case_report, case_start_home_visit
from .ownership import case_hand_over, case_reassign, cases_of_departed_owner_reassign
from .returning import case_mark_returned, case_relapse, case_start_followup
from .staff import staff_role_end, staff_role_save, system_user

__all__ = [
    "case_approve_closure",
    "case_auto_escalate",
    "case_close",
    "case_close_verified",
    "case_dismiss",
    "case_escalate",
    "case_hand_over",
    "case_locked",
    "case_mark_returned",
    "case_open",
    "case_order_enforcement",
    "case_override",
    "case_reassign",
    "case_refer",
    "case_refuse_closure",
    "case_relapse",
    "case_report",
    "case_request_closure",
    "case_start_followup",
    "case_start_home_visit",
    "cases_of_departed_owner_reassign",
    "contact_record",
    "staff_role_end",
    "staff_role_save",
    "system_user",
]
