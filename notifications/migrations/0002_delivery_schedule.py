"""The delivery retries as a django-celery-beat row: every minute, seen and changed in the admin."""

from django.db import migrations

from project.schedules import schedule_every, unschedule

TASK = "notifications.tasks.deliver_due"


def schedule(apps, schema_editor):
    schedule_every(
        apps,
        name="投递到期消息 deliver due notifications",
        task=TASK,
        seconds=60,
        description="Delivers outbox rows whose retry time has come.",
    )


def remove(apps, schema_editor):
    unschedule(apps, task=TASK)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, remove)]
