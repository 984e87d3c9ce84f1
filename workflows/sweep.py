"""The deadline sweep: reminders before a stage's deadline, alerts when it passes, and the
automatic escalation a county's policy may ask for.

Idempotent by construction: each thing done for a stage of a case is a `DeadlineAlert` row under
a unique constraint, inserted in the same transaction as the notifications it causes. Run it
twice, run two at once, or kill it half-way and run it again: the second insert of a row fails,
so nothing is sent twice, and each case commits on its own, so nothing done is lost.
"""

import dataclasses
import datetime
import logging
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from cases import checkpoint, clock
from cases.ladder import NEXT_RUNG
from cases.models import Case, Stage
from cases.staff import name_of
from notifications.services import notify, notify_group

from . import messages, overdue, policies, routing, services
from .errors import CaseError
from .models import AlertKind, DeadlineAlert, StagePolicy

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class SweepReport:
    reminders: int = 0
    overdue: int = 0
    escalated: int = 0
    checkpoint_problems: int = 0


def _without_alert(kind: str):
    return ~Exists(
        DeadlineAlert.objects.filter(
            case=OuterRef("pk"), stage_started_at=OuterRef("stage_started_at"), kind=kind
        )
    )


def due_reminders(now: datetime.datetime):
    return (
        Case.objects.exclude(stage=Stage.CLOSED)
        .filter(remind_at__lte=now, deadline__gt=now)
        .filter(_without_alert(AlertKind.REMINDER))
        .order_by("remind_at", "pk")
        .values_list("pk", flat=True)
    )


def past_deadline(now: datetime.datetime):
    return (
        Case.objects.exclude(stage=Stage.CLOSED)
        .filter(deadline__lte=now)
        .filter(_without_alert(AlertKind.OVERDUE))
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)
    )


def pending_escalations(now: datetime.datetime):
    """Overdue cases whose stage started under a policy that escalates by itself, alerted but
    not yet escalated (nor refused): each pass takes them up again, so an escalation that
    failed for a passing reason (a lock, a lost worker) is retried."""
    running_policy_escalates = Exists(
        StagePolicy.history.filter(history_id=OuterRef("policy_version"), auto_escalate=True)
    )
    alerted = ~_without_alert(AlertKind.OVERDUE)
    return (
        Case.objects.filter(stage__in=list(NEXT_RUNG), deadline__lte=now)
        .filter(alerted, running_policy_escalates)
        .filter(_without_alert(AlertKind.ESCALATED), _without_alert(AlertKind.NOT_ESCALATED))
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)
    )


def policy_of_running_stage(case: Case):
    """The policy the current stage started under (its history row), else today's default."""
    if case.policy_version:
        record = StagePolicy.history.filter(history_id=case.policy_version).first()
        if record is not None:
            return record
    return policies.policy_for(case, case.stage)


def _claim(case: Case, kind: str) -> bool:
    """Insert the alert row; False when another run already did this."""
    try:
        with transaction.atomic():
            DeadlineAlert.objects.create(
                case=case,
                stage_started_at=case.stage_started_at,
                stage=case.stage,
                kind=kind,
                created_at=clock.now(),
            )
    except IntegrityError:
        return False
    return True


def _dedup(case: Case, kind: str, who: int | str = "") -> str:
    return f"case-{case.pk}-{case.stage_started_at.timestamp():.0f}-{kind}-{who}"


@transaction.atomic
def remind(case_id: int, now: datetime.datetime) -> bool:
    case = services.case_locked(case_id)
    if not case.is_open or not (case.remind_at and case.remind_at <= now < case.deadline):
        return False
    if not _claim(case, AlertKind.REMINDER):
        return False
    if case.owner is not None:
        notify(
            recipient=case.owner,
            template_key="case_reminder",
            context=messages.case_context(case),
            dedup_key=_dedup(case, AlertKind.REMINDER, case.owner_id),
        )
    return True


@transaction.atomic
def mark_overdue(case_id: int, now: datetime.datetime) -> tuple[bool, bool]:
    """Alert the owner and the supervisors the policy names; escalate when it says so.
    Returns (alerted, escalated)."""
    case = services.case_locked(case_id)
    if not case.is_open or case.deadline is None or case.deadline > now:
        return False, False
    if not _claim(case, AlertKind.OVERDUE):
        return False, False
    # Counted in started days: a deadline that ran out tonight is one day overdue.
    days = max((clock.today() - case.deadline.astimezone(clock.TZ).date()).days, 1)
    context = messages.case_context(case, days_overdue=days)
    if case.owner is not None:
        notify(
            recipient=case.owner,
            template_key="case_overdue",
            context=context,
            dedup_key=_dedup(case, AlertKind.OVERDUE, case.owner_id),
        )
    policy = policy_of_running_stage(case)
    owner_name = name_of(case.owner)
    notify_group(
        template_key="case_overdue",
        context=context,
        dedup_key=_dedup(case, AlertKind.OVERDUE, "group"),
        if_configured=True,
        units=(case.township_id, case.county_id),  # its township's robot, else its county's
    )
    if policy.escalate_to_role:
        for supervisor in routing.holders_of(policy.escalate_to_role, case):
            notify(
                recipient=supervisor,
                template_key="case_overdue_supervisor",
                context={**context, "owner_name": owner_name},
                dedup_key=_dedup(case, AlertKind.OVERDUE, supervisor.pk),
            )
    if not (policy.auto_escalate and case.stage in NEXT_RUNG):
        return True, False
    return True, _escalate(case)


def _escalate(case: Case) -> bool:
    """The automatic escalation, in a savepoint of its own: when the ladder refuses it (no
    official for the township, a guard), the alerts above stay sent and the case stays where it
    is for a person to move; the refusal is logged by case number and kind."""
    try:
        with transaction.atomic():
            if not _claim(case, AlertKind.ESCALATED):
                return False
            services.case_auto_escalate(
                case=case,
                by=services.system_user(),
                note=_("The deadline passed; the county's policy escalates."),
            )
    except CaseError as refusal:
        logger.warning(
            "Automatic escalation of case %s refused (%s)", case.pk, type(refusal).__name__
        )
        # Settled: the ladder said no; the case waits for a person, and no pass asks again.
        _claim(case, AlertKind.NOT_ESCALATED)
        return False
    return True


def sweep_deadlines() -> SweepReport:
    """One pass over every open case; safe to run at any time, as often as wanted. A case that
    fails is logged and left for the next pass; the others go on."""
    now = clock.now()
    report = SweepReport()
    for case_id in list(due_reminders(now)):
        report.reminders += _isolated(remind, case_id, now, default=False)
    due = list(past_deadline(now))
    for start in range(0, len(due), overdue.BATCH):
        alerted, escalated = _overdue_batch(due[start : start + overdue.BATCH], now)
        report.overdue += alerted
        report.escalated += escalated
    for case_id in list(pending_escalations(now)):
        report.escalated += _isolated(escalate_overdue, case_id, now, default=False)
    if settings.AUDIT_CHECKPOINT_PATH:
        # after the pass: the heads include what it wrote (cases/checkpoint.py)
        report.checkpoint_problems = len(
            _advance_checkpoint(Path(settings.AUDIT_CHECKPOINT_PATH), now)
        )
    return report


def _advance_checkpoint(path: Path, now: datetime.datetime) -> list[str]:
    problems = checkpoint.advance(path, now=now)
    if problems:
        # Counts only; `verify_audit` names the cases to the operator.
        logger.error(
            "The audit checkpoint was kept, not advanced: %s differences from the database; "
            "run verify_audit",
            len(problems),
        )
    return problems


def _overdue_batch(case_ids: list[int], now: datetime.datetime) -> tuple[int, int]:
    """A batch at once (workflows/overdue.py); should it fail, its cases one by one."""
    try:
        claimed = overdue.alert_batch(case_ids, now)
    except Exception:
        logger.exception("Overdue batch of %s cases failed; taking them one by one", len(case_ids))
        alerted = escalated = 0
        for case_id in case_ids:
            one, up = _isolated(mark_overdue, case_id, now, default=(False, False))
            alerted, escalated = alerted + one, escalated + up
        return alerted, escalated
    return len(claimed), 0


@transaction.atomic
def escalate_overdue(case_id: int, now: datetime.datetime) -> bool:
    """The county's policy escalates a case the batch has just alerted: locked, and still in
    the stage that ran out."""
    case = services.case_locked(case_id)
    if not case.is_open or case.deadline is None or case.deadline > now:
        return False
    if case.stage not in NEXT_RUNG:
        return False
    return _escalate(case)


def _isolated(action, case_id: int, now: datetime.datetime, *, default):
    try:
        return action(case_id, now)
    except Exception:
        # The case number only: no names or numbers in logs.
        logger.exception("Deadline sweep failed for case %s; it will be retried", case_id)
        return default
