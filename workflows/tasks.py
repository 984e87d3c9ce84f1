"""Celery tasks of the engine; beat runs the sweep every few minutes (project/celery.py)."""

import dataclasses

from celery import shared_task

from .sweep import sweep_deadlines as run_sweep


@shared_task(name="workflows.tasks.sweep_deadlines")
def sweep_deadlines() -> dict:
    return dataclasses.asdict(run_sweep())


# Acknowledged once done, and given back to the queue when the worker dies mid-way: the job is
# one transaction, and a second run finds the import committed.
@shared_task(
    name="workflows.tasks.commit_roster_import", acks_late=True, reject_on_worker_lost=True
)
def commit_roster_import(import_id: int, user_id: int) -> None:
    from .roster import jobs

    jobs.run(import_id, user_id)


@shared_task(name="workflows.tasks.remind_missing_rolls")
def remind_missing_rolls() -> int:
    from .attendance.reminders import remind_missing_rolls as remind

    return remind()


@shared_task(name="workflows.tasks.take_enrolment")
def take_enrolment() -> list[str]:
    from .figures.snapshot import take_due

    return take_due()


@shared_task(name="workflows.tasks.send_overdue_digests")
def send_overdue_digests() -> list[str]:
    from .digest import send_overdue_digests as send

    return send()
