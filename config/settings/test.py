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
