"""The deadline sweep as a django-celery-beat row: every 10 minutes, seen and changed in the
admin."""

from django.db import migrations

from project.schedules import schedule_every, unschedule

TASK = "workflows.tasks.sweep_deadlines"


def schedule(apps, schema_editor):
    schedule_every(
        apps,
        name="期限巡查 sweep deadlines",
        task=TASK,
        seconds=600,
        description="Reminds owners, flags overdue cases and escalates by the policies.",
    )


def remove(apps, schema_editor):
    unschedule(apps, task=TASK)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0002_reminder_help"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, remove)]
