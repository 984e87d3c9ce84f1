"""The test suite: SQLite unless DATABASE_URL names PostgreSQL; fast password hashing."""

from .base import *  # noqa: F403 - settings modules extend the base namespace
from .base import BASE_DIR, database_from_env

SECRET_KEY = "test-only-not-secret"  # noqa: S105 - tests only
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
DATABASES = {"default": database_from_env(f"sqlite:///{BASE_DIR / 'var' / 'test.sqlite3'}")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
