"""The daily roll's reminder as a django-celery-beat row: every 15 minutes (each class is told
once a day), seen and changed in the admin."""

from django.db import migrations

from project.schedules import schedule_every, unschedule

TASK = "workflows.tasks.remind_missing_rolls"


def schedule(apps, schema_editor):
    schedule_every(
        apps,
        name="到校日报告提醒 remind missing rolls",
        task=TASK,
        seconds=900,
        description="Tells homeroom teachers whose class has no roll after the county's time.",
    )


def remove(apps, schema_editor):
    unschedule(apps, task=TASK)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0004_not_escalated")]
    operations = [migrations.RunPython(schedule, remove)]
