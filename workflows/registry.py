"""The step registry: each step's service function and its input form, in one table.

The pages take every step through it (`submit`), the demo replay too (`run`), and so will the
API: one service per step, its input validated once by its form, and every refusal a typed
`CaseError` whose `outcome` (workflows.errors.Outcome) is the answer's status.
"""

import dataclasses
from collections.abc import Callable

from cases.ladder import PAGED_STEPS, RECORD_CONTACT, Step

from . import forms, services
from .notices import forms as notice_forms
from .notices import issuing, serving


@dataclasses.dataclass(frozen=True)
class Entry:
    step: str
    service: Callable  # keyword-only: the case (or student) and `by`, then the form's inputs
    form: type  # the Django form that validates the step's input


STEPS: dict[str, Entry] = {
    entry.step: entry
    for entry in (
        Entry(Step.OPEN, services.case_open, forms.OpenCaseForm),
        Entry(Step.REPORT, services.case_report, forms.ReportForm),
        Entry(Step.DISMISS, services.case_dismiss, forms.DismissForm),
        Entry(Step.START_HOME_VISIT, services.case_start_home_visit, forms.StartHomeVisitForm),
        Entry(Step.ESCALATE, services.case_escalate, forms.EscalateForm),
        Entry(Step.ORDER_ENFORCEMENT, services.case_order_enforcement, forms.OrderEnforcementForm),
        Entry(Step.REFER, services.case_refer, forms.ReferForm),
        Entry(Step.MARK_RETURNED, services.case_mark_returned, forms.MarkReturnedForm),
        Entry(Step.START_FOLLOWUP, services.case_start_followup, forms.StartFollowupForm),
        Entry(Step.CLOSE, services.case_close, forms.CloseForm),
        Entry(Step.CLOSE_VERIFIED, services.case_close_verified, forms.CloseVerifiedForm),
        Entry(Step.REQUEST_CLOSURE, services.case_request_closure, forms.RequestClosureForm),
        Entry(Step.APPROVE_CLOSURE, services.case_approve_closure, forms.ApproveClosureForm),
        Entry(Step.REFUSE_CLOSURE, services.case_refuse_closure, forms.RefuseClosureForm),
        Entry(Step.RELAPSE, services.case_relapse, forms.RelapseForm),
        Entry(Step.OVERRIDE, services.case_override, forms.OverrideForm),
        Entry(Step.REASSIGN, services.case_reassign, forms.ReassignForm),
        Entry(Step.HAND_OVER, services.case_hand_over, forms.HandOverForm),
        Entry(RECORD_CONTACT, services.contact_record, forms.ContactForm),
        # A notice to return on its own (the report and the order come with their steps).
        Entry(Step.ISSUE_DOCUMENT, issuing.notice_issue, notice_forms.NoticeForm),
        # Its target is the document (`document=`), not the case.
        Entry(Step.RECORD_SERVICE, serving.service_record, notice_forms.ServiceForm),
    )
}
# Steps a person takes on an existing case through the step page (not those with pages of
# their own: opening, contacts, notices and their service).
CASE_STEPS = frozenset(STEPS) - set(PAGED_STEPS)


def run(step: str, *, by, **inputs):
    """Take `step` through its service with inputs already validated (the demo replay)."""
    return STEPS[step].service(by=by, **inputs)


def submit(step: str, form, *, by, **target):
    """Take `step` with a valid form's input; `target` is `case=` (or `student=` to open one)."""
    return run(step, by=by, **target, **form.inputs())
