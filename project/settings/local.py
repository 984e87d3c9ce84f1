"""A developer's laptop or the demo: SQLite by default, debug on, a throwaway key."""

from .base import *  # noqa: F403 - settings modules extend the base namespace
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-only-not-secret")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Development keys for identity and phone numbers: NOT secret, never used in production.
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS", default=["Zm9yLWRldmVsb3BtZW50LW9ubHktbm90LXNlY3JldCE="]
)
FIELD_DIGEST_KEY = env("FIELD_DIGEST_KEY", default="development-only-not-secret")
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", default="development-audit-chain-not-secret")
