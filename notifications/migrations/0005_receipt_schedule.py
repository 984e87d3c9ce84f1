"""The SMS vendors' delivery reports as a django-celery-beat row: read every ten minutes, seen
and changed in the admin."""

from django.db import migrations

from project.schedules import schedule_every, unschedule

TASK = "notifications.tasks.pull_sms_receipts"


def schedule(apps, schema_editor):
    schedule_every(
        apps,
        name="短信回执 pull SMS delivery reports",
        task=TASK,
        seconds=600,
        description="Asks the SMS vendor what became of the text messages still waiting.",
    )


def remove(apps, schema_editor):
    unschedule(apps, task=TASK)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_robots_and_receipts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, remove)]
