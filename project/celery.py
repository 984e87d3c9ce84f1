"""The Celery app: carries outbox rows and runs the periodic jobs (beat schedule in settings).

Configured from Django settings under the CELERY_ prefix; the broker is CELERY_BROKER_URL or
REDIS_URL. Run a worker with `celery -A project worker` and the schedule with
`celery -A project beat`. Without Redis nothing here is needed: notifications are delivered in
process after commit, or by `manage.py deliver_notifications`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")

app = Celery("kongchuo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
