"""Settings for the benchmarks: the project's production shape on the harness's database.

DEBUG off and no query logging; outbox rows are written and left for the periodic delivery
(as with a broker, the step itself sends nothing)."""

import os

from project.settings.base import *  # noqa: F403 - settings modules extend the base namespace
from project.settings.base import development_secrets

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("BENCH_DB", "bench"),
        "USER": os.environ.get("BENCH_USER", "postgres"),
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
        "HOST": os.environ.get("BENCH_HOST", "127.0.0.1"),
        "PORT": os.environ.get("BENCH_PORT", "5432"),
        "CONN_MAX_AGE": None,
    }
}
if os.environ.get("BENCH_DSN"):
    from common.djangoboot import database_from_env  # the harness's own helper

    DATABASES = {"default": database_from_env()}
NOTIFICATIONS_DELIVERY = "periodic"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

vars().update(development_secrets(vars()))
