"""The townships' morning digest of overdue cases as a django-celery-beat row: every day at
08:30 China time (the job sends only on the county's working days), seen and changed in the
admin."""

from django.db import migrations

from project.schedules import schedule_daily, unschedule

TASK = "workflows.tasks.send_overdue_digests"


def schedule(apps, schema_editor):
    schedule_daily(
        apps,
        name="乡镇逾期案件日报 township overdue digests",
        task=TASK,
        hour=8,
        minute=30,
        description="Sends each township's DingTalk group its overdue cases on working days.",
    )


def remove(apps, schema_editor):
    unschedule(apps, task=TASK)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0006_enrolment_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, remove)]
