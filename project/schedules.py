"""Periodic jobs as django-celery-beat rows, for the data migrations that create them.

Takes the migration's historical `apps`, so it works at any point of the migration history; an
administrator may change the interval or pause a job in the admin afterwards, and a job already
there (by name) is left as it is.
"""

from django.conf import settings


def schedule_every(apps, *, name: str, task: str, seconds: int, description: str) -> None:
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = interval_model.objects.get_or_create(every=seconds, period="seconds")
    task_model.objects.get_or_create(
        name=name, defaults={"task": task, "interval": interval, "description": description}
    )


def unschedule(apps, *, task: str) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=task).delete()


def schedule_daily(apps, *, name: str, task: str, hour: int, minute: int, description: str) -> None:
    """A job once a day at hour:minute in the project's time zone (CELERY_TIMEZONE); the job
    itself decides whether the day is one to act on (working days)."""
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = crontab_model.objects.get_or_create(
        minute=str(minute),
        hour=str(hour),
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.CELERY_TIMEZONE,
    )
    task_model.objects.get_or_create(
        name=name, defaults={"task": task, "crontab": crontab, "description": description}
    )
