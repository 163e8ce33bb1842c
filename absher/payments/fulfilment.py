"""What a paid bill sets off. Apps above payments (service requests, transfers) register a handler
for their purpose when they load; payments never imports them. A handler receives the locked, paid
bill inside the fulfilment's transaction and must be idempotent."""

from __future__ import annotations

from collections.abc import Callable

from absher.payments.models import Bill

Handler = Callable[[Bill], None]

_handlers: dict[str, Handler] = {}


def handler_register(purpose: str, handler: Handler) -> None:
    existing = _handlers.get(purpose)
    if existing is not None and existing is not handler:
        raise ValueError(f"a fulfilment handler for {purpose!r} is already registered")
    _handlers[purpose] = handler


def handler_for(purpose: str) -> Handler | None:
    return _handlers.get(purpose)


def purposes_registered() -> frozenset[str]:
    return frozenset(_handlers)
