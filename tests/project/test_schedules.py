"""The periodic jobs are rows in the database, created by the data migrations: the sweep every
10 minutes, the delivery retries every minute; running a migration again adds nothing, and an
administrator's change to a row is kept."""

import importlib

import pytest
from django.apps import apps
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db

MIGRATIONS = {
    "workflows.tasks.sweep_deadlines": ("workflows.migrations.0003_sweep_schedule", 600),
    "notifications.tasks.deliver_due": ("notifications.migrations.0002_delivery_schedule", 60),
    "workflows.tasks.remind_missing_rolls": (
        "workflows.migrations.0005_roll_reminder_schedule",
        900,
    ),
    "workflows.tasks.take_enrolment": ("workflows.migrations.0006_enrolment_schedule", 21600),
}


def run(module: str) -> None:
    importlib.import_module(module).schedule(apps, None)


@pytest.mark.parametrize("task", MIGRATIONS)
def test_the_migration_schedules_the_job_once(task):
    module, seconds = MIGRATIONS[task]
    PeriodicTask.objects.filter(task=task).delete()
    run(module)
    run(module)
    row = PeriodicTask.objects.get(task=task)
    assert (row.enabled, row.interval.every, row.interval.period) == (True, seconds, "seconds")


def test_an_administrators_change_is_kept():
    module, _ = MIGRATIONS["workflows.tasks.sweep_deadlines"]
    run(module)
    row = PeriodicTask.objects.get(task="workflows.tasks.sweep_deadlines")
    row.enabled = False
    row.save()
    run(module)
    assert PeriodicTask.objects.get(pk=row.pk).enabled is False


def test_the_tasks_are_the_registered_ones():
    from project.celery import app

    app.loader.import_default_modules()
    assert set(MIGRATIONS) <= set(app.tasks)
