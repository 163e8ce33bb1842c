"""Development profile: the embedded default that `make run` serves on one machine. SQLite,
in-process jobs, the outbox SMS gateway and the sandbox card gateway; dev endpoints on."""

import os

os.environ.setdefault("SECRET_KEY", "insecure-development-key-never-used-in-production")
os.environ.setdefault("SMS_GATEWAY", "outbox")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("LOG_FORMAT", "plain")

from config.settings.base import *

DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
DEV_ENDPOINTS = True
CARD_GATEWAY = env.str("CARD_GATEWAY", default="sandbox")

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
VAR_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
