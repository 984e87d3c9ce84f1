"""Production: every secret from the environment; refuses to start naming what is missing."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403 - settings modules extend the base namespace
from .base import database_from_env, env, missing_secrets

if missing := missing_secrets(vars()):
    raise ImproperlyConfigured(
        f"Production needs these environment variables set: {', '.join(missing)}."
    )

DEBUG = False
# No defaults: environ names the variable when one is missing.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# No SQLite file by accident: production names its database.
DATABASES = {"default": database_from_env(env.str("DATABASE_URL"))}
SITE_URL = env("SITE_URL")  # links in e-mail, SMS and group robots must reach this server
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# A load balancer's health check speaks plain HTTP to the application server.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind the reverse proxy, the client's address for sign-in throttling (project/throttle.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)

# Static files: hashed names and compressed copies from `collectstatic`, served by whitenoise
# (straight after the security headers) with far-future cache headers.
MIDDLEWARE = [
    MIDDLEWARE[0],  # noqa: F405 - from base: SecurityMiddleware
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],  # noqa: F405
]
# collectstatic without viewflow's stray node_modules copy of its font CSS, whose references
# point at files the package does not ship (hashing refuses them).
INSTALLED_APPS = [
    "project.apps.StaticFilesConfig" if app == "django.contrib.staticfiles" else app
    for app in INSTALLED_APPS  # noqa: F405 - from base
]
STORAGES = {
    **STORAGES,  # noqa: F405 - from base
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
