"""Card gateways by name; settings.CARD_GATEWAY chooses the one in use."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from absher.core.errors import ApplicationError
from absher.payments.providers.base import CardGateway

_factories: dict[str, Callable[[], CardGateway]] = {}


def gateway_register(name: str, factory: Callable[[], CardGateway]) -> None:
    _factories[name] = factory


def card_gateway() -> CardGateway:
    """The configured gateway; card payment is refused clearly when none is configured."""
    from absher.payments.providers import hosted  # noqa: F401  (registers the shipped gateways)

    factory = _factories.get(settings.CARD_GATEWAY or "")
    if factory is None:
        raise ApplicationError(
            "card_payments_unavailable",
            _(
                "Paying by card is not available. "
                "Please pay the bill at a bank or ATM through SADAD."
            ),
            http_status=503,
        )
    return factory()
