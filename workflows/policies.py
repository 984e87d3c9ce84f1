"""Stage policies: who owns a case in each stage, how many working days they have, and what
happens around the deadline. Per county, edited in the admin (`StagePolicy`), versioned by its
history; where a county has no row for a stage, the ladder's defaults (cases.ladder.STAGES)
apply.
"""

import dataclasses
import datetime

from cases import clock
from cases.ladder import STAGES, closable_on
from cases.models import Case, Stage

from . import cache, errors, workdays
from .errors import GuardFailed
from .models import StagePolicy

ORDER_DAYS_MIN = 1
ORDER_DAYS_MAX = 60
REMIND_AT = datetime.time(8, 0)  # reminders go out at the start of a working day


def default_policy(county, stage: str) -> StagePolicy:
    """The ladder's default for a stage (cases.ladder.STAGES), as an unsaved policy row."""
    rule = STAGES[stage]
    return StagePolicy(
        county_id=getattr(county, "pk", county),
        stage=stage,
        owner_role=rule.owner_role,
        working_days=rule.working_days,
        reminder_days=rule.reminder_days,
        escalate_to_role=rule.overdue_tells,
        auto_escalate=rule.auto_escalate,
    )


def ensure_default_policies(county) -> int:
    """Write the default policies a county does not have yet; returns how many were added."""
    existing = set(StagePolicy.objects.filter(county=county).values_list("stage", flat=True))
    added = 0
    for stage in STAGES:
        if stage not in existing:
            default_policy(county, stage).save()
            added += 1
    return added


def policy_for(case: Case, stage: str) -> StagePolicy | None:
    """The county's policy for a stage, or the default (unsaved); None for a closed case.
    Shared by the process (workflows.cache): read it, never change it."""
    return versioned_policy(case, stage)[0]


def versioned_policy(case: Case, stage: str) -> tuple[StagePolicy | None, int | None]:
    """The policy and its version (the history row; None for a default)."""
    if stage == Stage.CLOSED:
        return None, None
    found = cache.policies_of(case.county_id).get(stage)
    return found if found else (default_policy(case.county_id, stage), None)


def check_order_days(days) -> None:
    """Refuse an order's limit outside the range the law's practice allows."""
    if days is None or not ORDER_DAYS_MIN <= days <= ORDER_DAYS_MAX:
        raise GuardFailed(errors.ORDER_DAYS_RANGE, low=ORDER_DAYS_MIN, high=ORDER_DAYS_MAX)


def order_ends_on(served_on: datetime.date, days: int, county=None) -> datetime.date:
    """The last day of an order's limit of `days` calendar days, served on `served_on`."""
    return workdays.add_working_days(served_on + datetime.timedelta(days=days), 0, county)


@dataclasses.dataclass(frozen=True)
class StageClock:
    deadline: datetime.datetime | None
    remind_at: datetime.datetime | None
    policy_version: int | None  # the history row of the policy the stage started under


def stage_clock(
    case: Case,
    stage: str,
    *,
    calendar_days: int | None = None,
    served_on: datetime.date | None = None,
) -> StageClock:
    """Deadline, reminder time and policy version for a stage that starts now.

    `calendar_days` is an order's own time limit ("自接到本通知书之日起 N 日内"), served on
    `served_on` (today if not given):
    counted from tomorrow, and a last day that is a holiday or rest day moves to the next
    working day (民法典 第二百零一条、第二百零三条). A follow-up's deadline is never before the
    first day the case may be closed.
    """
    policy, version = versioned_policy(case, stage)
    if policy is None:
        return StageClock(None, None, None)
    county, today = case.county_id, clock.today()
    if calendar_days is not None:
        due = order_ends_on(served_on or today, calendar_days, county)
    else:
        due = workdays.add_working_days(today, policy.working_days, county)
    if stage == Stage.TUTORING_FOLLOWUP:
        due = max(due, workdays.add_working_days(closable_on(today), 0, county))
    remind_at = None
    if policy.reminder_days:
        remind_on = workdays.subtract_working_days(due, policy.reminder_days, county)
        remind_at = max(
            datetime.datetime.combine(remind_on, REMIND_AT, tzinfo=clock.TZ), clock.now()
        )
    # A policy loaded without history (loaddata, raw SQL) has no version: none is recorded.
    return StageClock(clock.end_of_day(due), remind_at, version)
