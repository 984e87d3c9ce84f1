"""The project: settings, URLs, the viewflow Site and the Celery app.

The Celery app is loaded here so that `shared_task` in the apps binds to it whenever Django
starts, in a web process as in a worker.
"""

from .celery import app as celery_app

__all__ = ("celery_app",)
