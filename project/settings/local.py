"""A developer's laptop or the demo: SQLite by default, debug on, development keys."""

from .base import *  # noqa: F403 - settings modules extend the base namespace
from .base import development_secrets, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
vars().update(development_secrets(vars()))
