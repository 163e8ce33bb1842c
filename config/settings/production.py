"""Production profile: safe by default. Every secret and address comes from the environment and has
no default; HTTPS, secure cookies, HSTS and CSP are on; development endpoints are off."""

from config.settings.base import *

DEBUG = False
if not ALLOWED_HOSTS:
    raise RuntimeError("ALLOWED_HOSTS must be set in production")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Probes and the metrics scrape come from inside the network, over plain HTTP to the pod.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
# The __Host- prefix: a browser keeps these cookies only when Secure, for the whole site (Path=/)
# and without a Domain, so no neighbouring subdomain can plant or overwrite a session or CSRF token.
SESSION_COOKIE_NAME = "__Host-absher_session"
CSRF_COOKIE_NAME = "__Host-absher_csrftoken"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading binds the whole domain to HTTPS for years: an explicit decision for the operator.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env.bool("DB_POOL", default=True):
        # psycopg 3's pool, one per process: connections are checked out per request and handed
        # back (health-checked on checkout, CONN_HEALTH_CHECKS). The pool and persistent
        # connections exclude each other, so CONN_MAX_AGE stays 0. Size: max_size at least the
        # threads of one process; times the processes, within the server's max_connections.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DB_POOL_MAX_SIZE", default=8),
            # How long a request waits for a connection. Short: with the server down the pool
            # cannot connect, and the request should answer 503 in under 2 s, not hang. Threads
            # per process stay within max_size, so a healthy server never makes one wait this long.
            "timeout": env.float("DB_POOL_TIMEOUT_SECONDS", default=1.5),
            "max_idle": env.float("DB_POOL_MAX_IDLE_SECONDS", default=300.0),
        }
    else:
        # Behind pgbouncer (docs/operations.md): persistent connections to it, no pool of our own.
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    # pgbouncer in transaction mode cannot keep a server-side cursor (iterator()) across the
    # transactions it multiplexes: turn them off there.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DB_DISABLE_SERVER_SIDE_CURSORS", default=False
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)

if REDIS_URL:
    # Web sessions in Redis, and the signed-in account cached beside them (absher.core.auth_cache):
    # a signed-in page costs no session or account query. Every app server shares this Redis, so
    # a change to an account (sign out everywhere, password, deactivation) reaches all of them.
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    SESSION_CACHE_ALIAS = "sessions"
    AUTH_USER_CACHE_SECONDS = env.int("AUTH_USER_CACHE_SECONDS", default=300)
else:
    # A per-process cache cannot be invalidated across app servers.
    AUTH_USER_CACHE_SECONDS = 0

DEV_ENDPOINTS = False
CELERY_TASK_ALWAYS_EAGER = False
