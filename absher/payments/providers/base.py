"""What the platform needs of a card gateway. The platform never sees a card: it sends the person
to the gateway's hosted page with a checkout, and reads the outcome the gateway reports back."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from absher.core.errors import ApplicationError

# What a gateway may report for a checkout.
OUTCOME_PAID = "paid"
OUTCOMES_FAILED = frozenset({"declined", "3ds_failed", "timeout", "cancelled"})
OUTCOMES = frozenset({OUTCOME_PAID, *OUTCOMES_FAILED})


class GatewayRefused(ApplicationError):
    """What the gateway reported cannot be trusted (signature) or read (shape)."""

    http_status = 400


class GatewayUnavailable(ApplicationError):
    """The gateway did not answer; the operation may be tried again later."""

    http_status = 503

    def __init__(self) -> None:
        super().__init__(
            "card_gateway_unavailable",
            _("The card payment service is not available right now. Please try again later."),
        )


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str
    amount_halalas: int
    description: str
    return_url: str
    expires_at: dt.datetime
    language: str


@dataclass(frozen=True)
class GatewayOutcome:
    reference: str
    outcome: str  # one of OUTCOMES
    charge_id: str
    amount_halalas: int | None  # None only for what an unverifiable message claimed


class CardGateway(ABC):
    """One card gateway. `partner_code` names the integration partner whose secret signs what the
    gateway sends back (its webhook is verified by the platform's one request-signing check)."""

    name: str

    @property
    @abstractmethod
    def partner_code(self) -> str: ...

    @abstractmethod
    def checkout_url(self, checkout: CheckoutRequest) -> str:
        """Where to send the person's browser to pay this checkout on the gateway's page."""

    @abstractmethod
    def return_read(self, params: Mapping[str, str]) -> GatewayOutcome:
        """The outcome carried by the browser's return from the hosted page, once its signature
        checks out; raises GatewayRefused otherwise."""

    @abstractmethod
    def charge_refund(self, *, charge_id: str, amount_halalas: int) -> None:
        """Hands a charge back to the card. Raises GatewayUnavailable when it may be retried."""


def outcome_is_valid(outcome: str) -> bool:
    return outcome in OUTCOMES
