"""Up the ladder: to the township, the order to return, and the escalations over the usual
guards (a supervisor's override, the sweep's automatic escalation)."""

from django.contrib.auth.models import User

from cases import clock
from cases.ladder import order_limit_passed, order_served
from cases.models import Case, DocumentKind, Guardian, Role, Service, Stage, Step

from .. import policies, routing
from ..errors import GuardFailed
from ..notices import issuing
from .core import take_step


def case_escalate(*, case: Case, by: User, note: str = "") -> Case:
    """Visits failed: the school files the 辍学报告单; the residence township takes over."""
    return take_step(
        case=case, by=by, step=Step.ESCALATE, note=note, after=report_filer(by, signed=True)
    )


def report_filer(by: User, *, signed: bool):
    """The `after` of a step that may take a case from home visits to the township: it files
    the school's 辍学报告单, signed by whoever took the step if `signed`, else by the school's
    dropout officer (a supervisor's override, the sweep)."""

    def file_report(locked: Case, event) -> None:
        if event.from_stage != Stage.HOME_VISIT:
            return
        signer = by if signed else routing.owner_for_role(Role.SCHOOL_OFFICER, locked)
        issuing.issue(locked, by=by, kind=DocumentKind.DROPOUT_REPORT, signer=signer)

    return file_report


def case_order_enforcement(
    *, case: Case, by: User, days: int, guardian: Guardian | None = None, note: str = ""
) -> Case:
    """The township orders the guardian to return the child within `days` (责令限期复学通知书).
    The limit runs from the day after the order is served; until its proof of service is
    recorded, the stage's deadline is the limit as if it were served today."""
    policies.check_order_days(days)

    def change(locked: Case) -> None:
        issuing.check_guardian(locked, guardian)
        locked.order_served_on = None
        locked.order_ends_on = None
        locked.order_days = days

    def issue_order(locked: Case, event) -> None:
        issuing.issue(locked, by=by, kind=DocumentKind.ORDER, guardian=guardian, days=days)

    return take_step(
        case=case,
        by=by,
        step=Step.ORDER_ENFORCEMENT,
        note=note,
        change=change,
        deadline_days=days,
        after=issue_order,
    )


def case_refer(*, case: Case, by: User, note: str) -> Case:
    """The served order's limit passed: the township applies for a penalty or sues. Besides
    the ladder's guards on the case row, the proof of service itself (whose fields its HMAC
    covers) must show the limit over."""

    def check_served(locked: Case) -> None:
        order = locked.documents.filter(kind=DocumentKind.ORDER).order_by("-id").first()
        service = Service.objects.filter(document=order).first() if order else None
        if service is None:
            raise GuardFailed(order_served.message)
        if clock.today() <= service.ends_on:
            raise GuardFailed(order_limit_passed.message)

    return take_step(case=case, by=by, step=Step.REFER, note=note, change=check_served)


def case_override(*, case: Case, by: User, note: str) -> Case:
    """A supervisor escalates one rung past the usual guards, with a written reason."""
    return take_step(
        case=case, by=by, step=Step.OVERRIDE, note=note, after=report_filer(by, signed=False)
    )


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
        after=report_filer(by, signed=False),
    )
