"""The test suite: SQLite unless DATABASE_URL names PostgreSQL; fast password hashing."""

import os

from .base import *  # noqa: F403 - settings modules extend the base namespace
from .base import BASE_DIR, database_from_env, development_secrets, env

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
DATABASES = {"default": database_from_env(f"sqlite:///{BASE_DIR / 'var' / 'test.sqlite3'}")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Notifications: delivered in process (tests that need Celery override this); a broker database
# of its own so that the end-to-end test never meets a developer's worker; a file database on
# SQLite so that the end-to-end test's worker process can open the test database too.
NOTIFICATIONS_DELIVERY = "inline"
ROSTER_IMPORT_RUN = "inline"  # the thread and the worker have tests of their own
# The schema's fuzzing sends hundreds of requests a minute: a test of its own checks the limit.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"token": "100000/minute"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
WECOM_WEBHOOK_URL = env("TEST_WECOM_WEBHOOK_URL", default="")  # never a real robot from a test
DINGTALK_WEBHOOK_URL = ""
DINGTALK_SECRET = ""
# One file per test process, so that two runs at once do not share it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}

vars().update(development_secrets(vars()))
