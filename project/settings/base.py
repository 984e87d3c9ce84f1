"""Settings shared by every environment; what differs per machine comes from the environment."""

import datetime
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# --- secrets: every one the code reads, declared here once ---
# {setting: (environment variable, development value)}. Each is read from the environment here;
# `production` refuses to start while any is empty and names its variable; `local` and `test`
# fall back to the development value, which is NOT secret and never used in production.
SECRETS = {
    "SECRET_KEY": ("DJANGO_SECRET_KEY", "development-only-not-secret"),
    # Fernet keys of the encrypted identity and phone numbers (cases/crypto.py), newest first.
    "FIELD_ENCRYPTION_KEYS": (
        "FIELD_ENCRYPTION_KEYS",
        ["Zm9yLWRldmVsb3BtZW50LW9ubHktbm90LXNlY3JldCE="],
    ),
    # HMAC key of the digests that find a number without decrypting it (cases/crypto.py).
    "FIELD_DIGEST_KEY": ("FIELD_DIGEST_KEY", "development-only-not-secret"),
    # HMAC key of each case's event chain (cases/chain.py), kept outside the database.
    "AUDIT_CHAIN_KEY": ("AUDIT_CHAIN_KEY", "development-audit-chain-not-secret"),
}
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_DIGEST_KEY = env("FIELD_DIGEST_KEY", default="")
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", default="")


def development_secrets(namespace: dict) -> dict:
    """The development value of each secret the environment left empty (local and test only)."""
    return {
        setting: development
        for setting, (_variable, development) in SECRETS.items()
        if not namespace.get(setting)
    }


def missing_secrets(namespace: dict) -> list[str]:
    """The environment variables of the secrets left empty, for production's refusal."""
    return [variable for setting, (variable, _dev) in SECRETS.items() if not namespace.get(setting)]


DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Under DEBUG, show the users' 404 and 500 pages (set it off for Django's technical pages).
ERROR_PAGES_UNDER_DEBUG = env.bool("DJANGO_ERROR_PAGES_UNDER_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "project.apps.AxesConfig",  # django-axes, named in Chinese in the admin
    "django_filters",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "viewflow",
    "simple_history",
    "cases",
    "workflows",
    "notifications",
    "project",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Under DEBUG (the demo), the users' error pages instead of Django's technical ones.
    "project.middleware.ErrorPagesMiddleware",
    # Content-Security-Policy and Permissions-Policy on every answer (below).
    "csp.middleware.CSPMiddleware",
    "project.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "project.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: it answers locked-out sign-in attempts.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "project" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_env(default_url: str) -> dict:
    """The database named by DATABASE_URL; SQLite gets WAL, a busy timeout and write-locking
    transactions so that two writers queue instead of failing with "database is locked"."""
    config = env.db_url("DATABASE_URL", default=default_url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(
            {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
            }
        )
    else:
        config.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    return config


DATABASES = {"default": database_from_env(f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses sign-in after too many failures, before a password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password guessing: 5 failures for one username from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind reverse proxies the client's address is read from X-Forwarded-For (project/throttle.py);
# 0: no proxy, REMOTE_ADDR is the client. Production defaults to one (nginx in front).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# The addresses the nearest proxy connects from; X-Forwarded-For from anywhere else is ignored.
TRUSTED_PROXY_NETWORKS = env.list("TRUSTED_PROXY_NETWORKS", default=["127.0.0.0/8", "::1/128"])
AXES_CLIENT_IP_CALLABLE = "project.throttle.client_address"
# Failures from one address over all usernames before that address is locked too (a password
# sprayed over many usernames); higher than the per-user limit, as a school shares one address.
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=30)
AXES_HANDLER = "project.throttle.ThrottlingHandler"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Sessions end after a working day and when the browser closes (shared office computers).
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Photos of signed receipts (送达回证): outside any served directory, shown only by a view
    # that checks the case.
    "receipts": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.path("RECEIPTS_ROOT", default=BASE_DIR / "var" / "receipts"),
            "base_url": None,
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Where the sweep writes the signed checkpoint of every case's chain head (cases/checkpoint.py):
# storage the database's users cannot write. Empty: no checkpoint.
AUDIT_CHECKPOINT_PATH = env("AUDIT_CHECKPOINT_PATH", default="")

# Content-Security-Policy: only this site's own scripts, styles, fonts and images; no inline
# script, no frames, no plugins (the pages keep their behaviour in kongchuo/site.js). Inline
# styles are allowed because viewflow's Material components (used unmodified) set styles at run
# time; our own templates carry none. A style cannot run code; a script could.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Features no page uses, switched off for every page (Permissions-Policy).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Anonymous permission checks in guardian need no anonymous user row.
ANONYMOUS_USER_NAME = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"no_numbers": {"()": "project.logs.NoNumbers"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django logs the address of every 404 and 500: scrubbed where they are made
    "loggers": {name: {"filters": ["no_numbers"]} for name in ("django.request", "django.server")},
}

# History is an audit trail: reverting a case from the admin would go around the ladder.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- notifications and Celery ---
# The outbox is the truth; Celery only carries it. With a broker configured (production) rows
# go to Celery after commit; without one (a laptop, the demo, tests) they are delivered in the
# same process after commit, and `manage.py deliver_notifications --loop` does the retries.
_BROKER_FROM_ENV = env("CELERY_BROKER_URL", default="") or env("REDIS_URL", default="")
CELERY_BROKER_URL = _BROKER_FROM_ENV or "redis://127.0.0.1:6379/0"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a task lost with its worker is redelivered; delivery is idempotent
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 3,  # a web request handing over a row must not hang on Redis
    "visibility_timeout": 7200,  # above the longest retry countdown: no retry handed out twice
}
# The schedule is rows in the database (django-celery-beat), seen and changed in the admin; the
# data migrations of `notifications` and `workflows` create the delivery retries and the sweep.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Roster imports commit as a background job: "celery" (a worker), "thread" (the web process,
# without a broker) or "inline" (in the request). Their progress bar reads the cache, which the
# worker shares only through Redis: with a broker other than Redis, the bar waits for the end.
ROSTER_IMPORT_RUN = env("ROSTER_IMPORT_RUN", default="celery" if _BROKER_FROM_ENV else "thread")
if env("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
        }
    }

# "celery", "inline", or "periodic": rows only, sent by the periodic delivery (every minute).
NOTIFICATIONS_DELIVERY = env(
    "NOTIFICATIONS_DELIVERY", default="celery" if _BROKER_FROM_ENV else "inline"
)
NOTIFICATIONS_DEFAULT_CHANNELS = env.list("NOTIFICATIONS_DEFAULT_CHANNELS", default=["inbox"])
NOTIFICATIONS_GROUP_CHANNELS = env.list("NOTIFICATIONS_GROUP_CHANNELS", default=["wecom"])
NOTIFICATIONS_LANGUAGE = env("NOTIFICATIONS_LANGUAGE", default=LANGUAGE_CODE)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.int("NOTIFICATIONS_RETRY_MAX_SECONDS", default=3600)
# How long a claimed row is left alone while it is being sent; longer than any channel's timeout.
NOTIFICATIONS_SEND_LEASE_SECONDS = env.int("NOTIFICATIONS_SEND_LEASE_SECONDS", default=120)
NOTIFICATIONS_SMS_PROVIDER = env(
    "NOTIFICATIONS_SMS_PROVIDER", default="notifications.channels.sms.ConsoleSmsProvider"
)
# Where the SMS channel finds a user's mobile number (kept encrypted by cases.StaffPhone).
NOTIFICATIONS_PHONE_LOOKUP = env("NOTIFICATIONS_PHONE_LOOKUP", default="cases.staff.mobile_of")
# {template key: the vendor's pre-approved template id}; a key without one sends no SMS.
NOTIFICATIONS_SMS_TEMPLATES = env.json("NOTIFICATIONS_SMS_TEMPLATES", default={})
# At most this many text messages a day to one person (0: no cap); the rest wait in the inbox.
NOTIFICATIONS_SMS_DAILY_CAP = env.int("NOTIFICATIONS_SMS_DAILY_CAP", default=5)
# Alibaba Cloud SMS (NOTIFICATIONS_SMS_PROVIDER=notifications.channels.aliyun.AliyunSmsProvider)
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
ALIYUN_SMS_ACCESS_KEY_ID = env("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_SIGN_NAME = env("ALIYUN_SMS_SIGN_NAME", default="")
# Tencent Cloud SMS (NOTIFICATIONS_SMS_PROVIDER=notifications.channels.tencent.TencentSmsProvider)
TENCENT_SMS_ENDPOINT = env("TENCENT_SMS_ENDPOINT", default="https://sms.tencentcloudapi.com/")
TENCENT_SMS_REGION = env("TENCENT_SMS_REGION", default="ap-guangzhou")
TENCENT_SMS_SECRET_ID = env("TENCENT_SMS_SECRET_ID", default="")
TENCENT_SMS_SECRET_KEY = env("TENCENT_SMS_SECRET_KEY", default="")
TENCENT_SMS_APP_ID = env("TENCENT_SMS_APP_ID", default="")
TENCENT_SMS_SIGN_NAME = env("TENCENT_SMS_SIGN_NAME", default="")
WECOM_WEBHOOK_URL = env("WECOM_WEBHOOK_URL", default="")  # holds the robot's key: a secret
# DingTalk's custom robot: its address (with access_token) and its signing secret; both secret.
DINGTALK_WEBHOOK_URL = env("DINGTALK_WEBHOOK_URL", default="")
DINGTALK_SECRET = env("DINGTALK_SECRET", default="")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")  # links in e-mail and group robots
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # below the send lease above
TEMPLATES[0]["OPTIONS"]["context_processors"].append("notifications.context_processors.inbox")

# The API (workflows/api): the pages' session for their own scripts, tokens for systems; every
# answer through the same services, reach and refusals as the pages.
# Bad API tokens from one address (an IPv6 /64): after this many within the window (seconds),
# the address waits out the window before any token it sends is looked up again, except the
# keys that worked from it in the last day (its other systems behind the same router).
API_BAD_TOKEN_LIMIT = env.int("API_BAD_TOKEN_LIMIT", default=20)
API_BAD_TOKEN_WINDOW = env.int("API_BAD_TOKEN_WINDOW", default=600)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "workflows.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["workflows.api.auth.ScopeAllows"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["workflows.api.auth.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_RATE", default="120/minute")},
    "EXCEPTION_HANDLER": "workflows.api.errors.answer",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "控辍保学 case engine API",
    "DESCRIPTION": "Cases, steps, contacts, students and the inbox, within the caller's reach.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema and its doc page are public: they show the API's shape, never data.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "workflows.api.schema.add_errors",
        "workflows.api.schema.add_links",
    ],
}
