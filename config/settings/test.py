"""Test profile: the embedded default unless DATABASE_URL / REDIS_URL point at real services."""

import os

os.environ.setdefault("SECRET_KEY", "insecure-test-key")
os.environ.setdefault("SMS_GATEWAY", "outbox")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("LOG_FORMAT", "plain")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from config.settings.base import *

DEBUG = False
ALLOWED_HOSTS = ["*"]
DEV_ENDPOINTS = True
CARD_GATEWAY = "sandbox"

# The sandbox card gateway ships with the platform and serves its hosted page from this process.
INSTALLED_APPS = [*INSTALLED_APPS, "sandbox_gateway"]
SANDBOX_GATEWAY_ENABLED = True
CARD_GATEWAY_URL = env.str("CARD_GATEWAY_URL", default="/sandbox-gateway/")
CARD_GATEWAY_PARTNER = env.str("CARD_GATEWAY_PARTNER", default="demo-gateway")
# What the sandbox uses to sign: the demo partner's documented secret (README).
SANDBOX_GATEWAY_PARTNER = CARD_GATEWAY_PARTNER
SANDBOX_GATEWAY_SECRET = env.str("SANDBOX_GATEWAY_SECRET", default="demo-gateway-secret")
# Tests that want the sandbox's webhook turn it on and point it at a local server.
SANDBOX_GATEWAY_SEND_WEBHOOKS = False
SANDBOX_GATEWAY_WEBHOOK_URL = ""
SANDBOX_GATEWAY_WEBHOOK_DELAY_SECONDS = 0
SMS_RETRY_BACKOFF_SECONDS = 0
# Fast hashing keeps the suite quick; production uses Argon2 (base settings).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Test teardown empties tables with TRUNCATE, which the audit log's trigger refuses unless the
    # session opts in; production sessions never do.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c absher.audit_allow_truncate=on"
