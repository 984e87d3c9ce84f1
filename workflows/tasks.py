"""Celery tasks of the engine; beat runs the sweep every few minutes (project/celery.py)."""

import dataclasses

from celery import shared_task

from .sweep import sweep_deadlines as run_sweep


@shared_task(name="workflows.tasks.sweep_deadlines")
def sweep_deadlines() -> dict:
    return dataclasses.asdict(run_sweep())


@shared_task(name="workflows.tasks.commit_roster_import")
def commit_roster_import(import_id: int, user_id: int, mode: str) -> None:
    from .roster import jobs

    jobs.run(import_id, user_id, mode)
