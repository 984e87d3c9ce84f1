"""The enrolment count at the start of each school year as a django-celery-beat row: checked
every six hours, taken once per county when its autumn term has begun."""

from django.db import migrations

from project.schedules import schedule_every, unschedule

TASK = "workflows.tasks.take_enrolment"


def schedule(apps, schema_editor):
    schedule_every(
        apps,
        name="学年初在校生数 take enrolment",
        task=TASK,
        seconds=6 * 3600,
        description="Counts each school's roll by grade once the county's autumn term begins.",
    )


def remove(apps, schema_editor):
    unschedule(apps, task=TASK)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0005_roll_reminder_schedule")]
    operations = [migrations.RunPython(schedule, remove)]
