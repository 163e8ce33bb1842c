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

# The sandbox card gateway ships with the platform and serves its hosted page from this process.
INSTALLED_APPS = [*INSTALLED_APPS, "sandbox_gateway"]
SANDBOX_GATEWAY_ENABLED = True
CARD_GATEWAY_URL = env.str("CARD_GATEWAY_URL", default="/sandbox-gateway/")
CARD_GATEWAY_API_URL = env.str(
    "CARD_GATEWAY_API_URL", default="http://127.0.0.1:8000/sandbox-gateway/"
)
CARD_GATEWAY_PARTNER = env.str("CARD_GATEWAY_PARTNER", default="demo-gateway")
# What the sandbox uses to sign: the demo partner's documented secret (README).
SANDBOX_GATEWAY_PARTNER = CARD_GATEWAY_PARTNER
SANDBOX_GATEWAY_SECRET = env.str("SANDBOX_GATEWAY_SECRET", default="demo-gateway-secret")
SANDBOX_GATEWAY_SEND_WEBHOOKS = env.bool("SANDBOX_GATEWAY_SEND_WEBHOOKS", default=True)
# Empty: the platform that served the hosted page (same host), at its webhook path.
SANDBOX_GATEWAY_WEBHOOK_URL = env.str("SANDBOX_GATEWAY_WEBHOOK_URL", default="")
# A real gateway's webhook often arrives after the browser's return; so does the sandbox's.
SANDBOX_GATEWAY_WEBHOOK_DELAY_SECONDS = env.float(
    "SANDBOX_GATEWAY_WEBHOOK_DELAY_SECONDS", default=2
)

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
VAR_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
