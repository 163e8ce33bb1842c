"""Settings shared by every profile. Everything that differs between deployments comes from the
environment; the profiles (local, test, production) only choose safe defaults for their purpose."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("ABSHER_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Load balancers whose X-Forwarded-For is believed (addresses or networks, e.g. 10.0.0.0/8).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    # The platform's apps come first: their runserver (absher.core: a deeper listen backlog) and
    # their translations take precedence over Django's own.
    "absher.core",
    "absher.audit",
    "absher.identity",
    "absher.accounts",
    "absher.catalog",
    "absher.notifications",
    "absher.suspensions",
    "absher.payments",
    "absher.requests",
    "absher.transfers",
    "absher.privacy",
    "absher.portal",
    "absher.backoffice",
    "absher.api",
    "absher.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # Outermost: counts and times everything below it (GET /metrics, see absher.core.metrics).
    "absher.core.metrics.MetricsMiddleware",
    # The client's address behind a load balancer (TRUSTED_PROXIES; off when empty).
    "absher.core.proxy.ForwardedClientMiddleware",
    "absher.core.middleware.RequestContextMiddleware",
    "absher.api.errors.ApiErrorShapeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's AuthenticationMiddleware, with the account read through the cache when
    # AUTH_USER_CACHE_SECONDS > 0 (absher.core.auth_cache).
    "absher.core.auth_cache.CachedAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'absher.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the embedded default serve concurrent requests.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A server that does not answer fails a connection in seconds (then 503), not at the OS's
    # TCP timeout; libpq counts whole seconds, at least 2.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT_SECONDS", default=2)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env.str("REDIS_URL", default="")
# Web sessions may live in a Redis of their own (one that never evicts); the cache's by default.
SESSION_REDIS_URL = env.str("SESSION_REDIS_URL", default=REDIS_URL)
_REDIS_OPTIONS = {
    "SOCKET_CONNECT_TIMEOUT": 2,
    "SOCKET_TIMEOUT": 2,
    "CONNECTION_POOL_KWARGS": {"health_check_interval": 30},
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="absher"),
            "OPTIONS": _REDIS_OPTIONS,
        },
        "sessions": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": SESSION_REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="absher") + "-sessions",
            "OPTIONS": _REDIS_OPTIONS,
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "sessions": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sessions",
        },
    }
# The signed-in account of a web session is read from the cache for this long (0: off). Only a
# cache shared by every app server may hold it: production turns it on with Redis.
AUTH_USER_CACHE_SECONDS = env.int("AUTH_USER_CACHE_SECONDS", default=0)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "absher_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
DISPLAY_TIME_ZONE = "Asia/Riyadh"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Uploaded documents live outside the web root and are served only through views that authorise.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
# Documents of transfer-without-consent cases (SPEC 9): random file names under this private
# directory, never under the web root; each upload at most CASE_DOCUMENT_MAX_BYTES.
CASE_DOCUMENTS_DIR = Path(env.str("CASE_DOCUMENTS_DIR", default=str(PRIVATE_MEDIA_ROOT / "cases")))
CASE_DOCUMENT_MAX_BYTES = env.int("CASE_DOCUMENT_MAX_BYTES", default=5 * 1024 * 1024)

SESSION_COOKIE_NAME = "absher_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=15 * 60)
SESSION_SAVE_EVERY_REQUEST = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Background jobs. The embedded default runs them in-process (eager); production uses a broker.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Reliability: a job is acknowledged after it ran (acks_late above), so a worker that dies mid-job
# leaves it to another (reject_on_worker_lost); every job is idempotent and takes ids. On Redis an
# unacknowledged job comes back after the visibility timeout, which must outlast the longest
# countdown (the SMS backoff caps at an hour).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=2 * 3600)
}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
# Workers keep the platform's logging (JSON with the request id) instead of Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=1000)
# When set, each worker serves its job counts on this port for Prometheus (internal network only).
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0)

# Prometheus: GET /metrics answers only `Authorization: Bearer METRICS_TOKEN`; empty turns it off.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# SMS. The gateway is chosen by name from the notifications gateway registry.
SMS_GATEWAY = env.str("SMS_GATEWAY", default="http")
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env.str("SMS_HTTP_TOKEN", default="")
SMS_HTTP_SENDER = env.str("SMS_HTTP_SENDER", default="ABSHER")
SMS_HTTP_TIMEOUT_SECONDS = env.float("SMS_HTTP_TIMEOUT_SECONDS", default=5.0)
SMS_MAX_RETRIES = env.int("SMS_MAX_RETRIES", default=5)
SMS_RETRY_BACKOFF_SECONDS = env.int("SMS_RETRY_BACKOFF_SECONDS", default=10)
# A queued SMS never tried this long after queuing lost its hand-off: the sweep queues it again.
SMS_REDISPATCH_AFTER_SECONDS = env.int("SMS_REDISPATCH_AFTER_SECONDS", default=300)

# Card payment gateway (sandbox component in development).
CARD_GATEWAY = env.str("CARD_GATEWAY", default="")
CARD_GATEWAY_URL = env.str("CARD_GATEWAY_URL", default="")
# Where the platform reaches the gateway server to server (refunds); the page URL when empty.
CARD_GATEWAY_API_URL = env.str("CARD_GATEWAY_API_URL", default="")
# The integration partner (kind card_gateway) whose secret signs checkouts, returns and webhooks.
CARD_GATEWAY_PARTNER = env.str("CARD_GATEWAY_PARTNER", default="")
# The sandbox gateway component (its hosted page under /sandbox-gateway/); never in production.
SANDBOX_GATEWAY_ENABLED = False

# Development-only endpoints such as /dev/sms-outbox.json; never on in production.
DEV_ENDPOINTS = False

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "absher.core.logging.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Verification codes (OTP) and sign-in throttles.
OTP_HMAC_KEY = env.str("OTP_HMAC_KEY", default="")  # empty: derived from SECRET_KEY
OTP_TTL_SECONDS = env.int("OTP_TTL_SECONDS", default=180)
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=3)
OTP_RESEND_COOLDOWN_SECONDS = env.int("OTP_RESEND_COOLDOWN_SECONDS", default=60)
OTP_MAX_UNVERIFIED_PER_MOBILE_PER_HOUR = env.int(
    "OTP_MAX_UNVERIFIED_PER_MOBILE_PER_HOUR", default=5
)
OTP_MAX_UNVERIFIED_PER_ID_PER_DAY = env.int("OTP_MAX_UNVERIFIED_PER_ID_PER_DAY", default=10)
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_LOCK_SECONDS = env.int("LOGIN_LOCK_SECONDS", default=15 * 60)
LOGIN_MAX_FAILURES_PER_IP = env.int("LOGIN_MAX_FAILURES_PER_IP", default=30)
LOGIN_IP_WINDOW_SECONDS = env.int("LOGIN_IP_WINDOW_SECONDS", default=15 * 60)

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "absher.accounts.password_validation.CharacterClassesValidator"},
    {"NAME": "absher.accounts.password_validation.NotContainingIdentityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "portal:login"

# SADAD: the platform's biller code, shown beside every SADAD number.
SADAD_BILLER_CODE = env.str("SADAD_BILLER_CODE", default="090")

# Transfer of worker services (SPEC 8). Deadlines are checked by the services themselves; the
# sweeps only tidy statuses and send reminders.
TRANSFER_ACCEPTANCE_DAYS = env.int("TRANSFER_ACCEPTANCE_DAYS", default=15)
TRANSFER_SESSION_SECONDS = env.int("TRANSFER_SESSION_SECONDS", default=10 * 60)
TRANSFER_BILL_LIFETIME_DAYS = env.int("TRANSFER_BILL_LIFETIME_DAYS", default=15)
# By the worker's previous transfers: first, second, third and later (halalas).
TRANSFER_FEES_HALALAS = env.list(
    "TRANSFER_FEES_HALALAS", cast=int, default=[200_000, 400_000, 600_000]
)
# The conditions the real rules add to SPEC 8's five, each on unless switched off.
TRANSFER_CHECK_TRAFFIC_FINES = env.bool("TRANSFER_CHECK_TRAFFIC_FINES", default=True)
TRANSFER_CHECK_EXIT_VISA = env.bool("TRANSFER_CHECK_EXIT_VISA", default=True)
TRANSFER_CHECK_TRANSFER_LIMIT = env.bool("TRANSFER_CHECK_TRANSFER_LIMIT", default=True)
TRANSFER_MAX_PREVIOUS_TRANSFERS = env.int("TRANSFER_MAX_PREVIOUS_TRANSFERS", default=4)
TRANSFER_CHECK_IQAMA_DAYS_LEFT = env.bool("TRANSFER_CHECK_IQAMA_DAYS_LEFT", default=True)
TRANSFER_MIN_IQAMA_DAYS_LEFT = env.int("TRANSFER_MIN_IQAMA_DAYS_LEFT", default=15)
# The worker's own consent before the new sponsor may accept (off, as in the source).
TRANSFER_REQUIRES_WORKER_CONSENT = env.bool("TRANSFER_REQUIRES_WORKER_CONSENT", default=False)

# Periodic sweeps (Celery beat). Correctness never waits for them: services check deadlines
# themselves; the sweeps tidy statuses, notify and re-queue work lost after a commit.
CELERY_BEAT_SCHEDULE = {
    "payments-expire-bills": {"task": "payments.expire_bills", "schedule": 300.0},
    "payments-redispatch-fulfilments": {
        "task": "payments.redispatch_fulfilments",
        "schedule": 300.0,
    },
    "payments-redispatch-card-refunds": {
        "task": "payments.redispatch_card_refunds",
        "schedule": 600.0,
    },
    "transfers-expire-due": {"task": "transfers.expire_due", "schedule": 60.0},
    "transfers-send-reminders": {"task": "transfers.send_reminders", "schedule": 300.0},
    "notifications-redispatch-sms": {"task": "notifications.redispatch_sms", "schedule": 120.0},
    "core-purge-idempotency-records": {
        "task": "core.purge_idempotency_records",
        "schedule": 3600.0,
    },
}
