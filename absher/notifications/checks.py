"""Start-up checks: a deployment with an unusable SMS gateway fails `manage.py check` instead of
failing every one-time code at run time."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from absher.notifications.gateways.registry import GATEWAYS


def check_sms_gateway(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    name = settings.SMS_GATEWAY
    if name not in GATEWAYS:
        return [
            Error(
                f"SMS_GATEWAY={name!r} is not a known SMS gateway.",
                hint=f"Use one of: {', '.join(sorted(GATEWAYS))}.",
                id="notifications.E001",
            )
        ]
    if name == "http" and not settings.SMS_HTTP_URL:
        return [
            Error(
                "SMS_GATEWAY is 'http' but SMS_HTTP_URL is empty.",
                hint="Set SMS_HTTP_URL (and SMS_HTTP_TOKEN) to the SMS provider's API.",
                id="notifications.E002",
            )
        ]
    return []
