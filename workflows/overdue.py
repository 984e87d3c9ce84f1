"""The sweep's overdue pass, set-based: claim the alert rows of a whole batch of overdue cases
in one statement and write every message they cause in one more. (The escalations a county's
policy asks for follow, case by case: `sweep.pending_escalations`.)

The claim is the same unique `DeadlineAlert` row as the per-case pass (`sweep.mark_overdue`),
inserted with ON CONFLICT DO NOTHING and RETURNING the cases this run claimed: a case claimed
by another run, or by an earlier one, is skipped. On PostgreSQL the cases are locked while they
are claimed, and one a step holds right now is left for the next pass (SKIP LOCKED). Claim and
messages commit together; a batch that fails rolls back whole and is retried case by case.
"""

import datetime

from django.conf import settings
from django.db import connection, transaction

from cases import clock
from cases.models import Case
from cases.staff import name_of
from notifications.channels import get as channel_named
from notifications.services import Notice, notify_group, notify_many

from . import messages, routing
from .models import AlertKind, DeadlineAlert, StagePolicy

BATCH = 500


def claim(case_ids: list[int], now: datetime.datetime) -> list[int]:
    """Insert the overdue alert row of each case still open and past its deadline; the ids of
    the cases this call claimed."""
    if not case_ids:
        return []
    alert, case = DeadlineAlert._meta, Case._meta
    column = {field.name: field.column for field in alert.concrete_fields}
    placeholders = ", ".join(["%s"] * len(case_ids))
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = (
        f'INSERT INTO "{alert.db_table}" ("{column["case"]}", "{column["stage_started_at"]}", '  # noqa: S608 - our own table and column names
        f'"{column["stage"]}", "{column["kind"]}", "{column["created_at"]}") '
        f'SELECT "id", "stage_started_at", "stage", %s, %s FROM "{case.db_table}" '
        f'WHERE "id" IN ({placeholders}) AND "stage" <> \'closed\' AND "deadline" <= %s'
        f'{lock} ON CONFLICT DO NOTHING RETURNING "{column["case"]}"'
    )
    with connection.cursor() as cursor:
        adapt = connection.ops.adapt_datetimefield_value  # SQLite compares stored text
        cursor.execute(sql, [AlertKind.OVERDUE, adapt(clock.now()), *case_ids, adapt(now)])
        return [row[0] for row in cursor.fetchall()]


def _dedup(case: Case, who) -> str:
    return f"case-{case.pk}-{case.stage_started_at.timestamp():.0f}-{AlertKind.OVERDUE}-{who}"


class _Batch:
    """What one batch reads once: the policies the stages started under, and the holders of a
    role over a unit."""

    def __init__(self, cases: list[Case]) -> None:
        versions = {case.policy_version for case in cases if case.policy_version}
        self.versions = {
            row.history_id: row for row in StagePolicy.history.filter(history_id__in=versions)
        }
        self.holders: dict[tuple[str, int], list] = {}

    def policy(self, case: Case):
        from . import policies

        return self.versions.get(case.policy_version) or policies.policy_for(case, case.stage)

    def holders_of(self, role: str, case: Case) -> list:
        key = (role, routing._UNIT_OF[role](case))
        if key not in self.holders:
            self.holders[key] = list(routing.holders_of(role, case))
        return self.holders[key]


@transaction.atomic
def alert_batch(case_ids: list[int], now: datetime.datetime) -> list[Case]:
    """Claim and tell, for a batch; returns the cases claimed."""
    claimed = claim(case_ids, now)
    cases = list(
        Case.objects.filter(pk__in=claimed)
        .select_related("owner__notification_settings", "school")
        .order_by("deadline", "pk")
    )
    batch = _Batch(cases)
    group = any(channel_named(name).configured() for name in settings.NOTIFICATIONS_GROUP_CHANNELS)
    notices = []
    with messages.in_message_language():
        for case in cases:
            _tell(case, batch, group, notices)
    notify_many(notices)
    return cases


def _tell(case: Case, batch: _Batch, group: bool, notices: list) -> None:
    """The owner's, the group's and the supervisors' alerts of one claimed case."""
    # Counted in started days: a deadline that ran out tonight is one day overdue.
    days = max((clock.today() - case.deadline.astimezone(clock.TZ).date()).days, 1)
    context = messages.case_context(case, days_overdue=days)
    if case.owner is not None:
        notices.append(Notice(case.owner, "case_overdue", context, _dedup(case, case.owner_id)))
    if group:
        notify_group(
            template_key="case_overdue",
            context=context,
            dedup_key=_dedup(case, "group"),
            if_configured=True,
            units=(case.township_id, case.county_id),  # its township's robot, else its county's
        )
    policy = batch.policy(case)
    if policy.escalate_to_role:
        told = {**context, "owner_name": name_of(case.owner)}
        notices.extend(
            Notice(supervisor, "case_overdue_supervisor", told, _dedup(case, supervisor.pk))
            for supervisor in batch.holders_of(policy.escalate_to_role, case)
        )
