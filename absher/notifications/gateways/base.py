"""The one interface every SMS gateway implements, and the two ways a send can fail."""

from __future__ import annotations

import abc


class GatewayError(Exception):
    """A send that did not happen. `reason` is stored and logged, so it never contains the
    number or the text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientGatewayError(GatewayError):
    """Worth trying again later: the gateway was unreachable, slow or overloaded."""


class PermanentGatewayError(GatewayError):
    """Trying again would fail the same way: the gateway refused this message."""


class SmsGateway(abc.ABC):
    """Sends one SMS. Implementations are looked up by `name` in `registry.GATEWAYS`."""

    name: str = ""

    @abc.abstractmethod
    def send(
        self, *, to: str, text: str, is_sensitive: bool = False, idempotency_key: str = ""
    ) -> str:
        """Send `text` to `to` (E.164) and return the provider's message id. `is_sensitive` says
        the text holds a secret (a one-time code) that must not be logged. `idempotency_key` is
        the same on every attempt at one SMS, for gateways that can drop a repeat. Raises
        `TransientGatewayError` or `PermanentGatewayError`."""
