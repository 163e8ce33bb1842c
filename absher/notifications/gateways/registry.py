"""SMS gateways by name. `settings.SMS_GATEWAY` picks one: "outbox" and "console" in development
and tests, "http" in production."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from absher.notifications.gateways.base import SmsGateway
from absher.notifications.gateways.console import ConsoleGateway
from absher.notifications.gateways.http import HttpGateway
from absher.notifications.gateways.outbox import OutboxGateway

GATEWAYS: dict[str, type[SmsGateway]] = {
    gateway.name: gateway for gateway in (ConsoleGateway, OutboxGateway, HttpGateway)
}


def gateway_name() -> str:
    return str(settings.SMS_GATEWAY)


def get_gateway(name: str | None = None) -> SmsGateway:
    """An instance of the named gateway (default: `settings.SMS_GATEWAY`)."""
    name = gateway_name() if name is None else name
    try:
        gateway_class = GATEWAYS[name]
    except KeyError:
        known = ", ".join(sorted(GATEWAYS))
        raise ImproperlyConfigured(
            f"SMS_GATEWAY={name!r} is not a known SMS gateway; use one of: {known}"
        ) from None
    return gateway_class()
