"""The one enforcement point every e-service start goes through, and the list of those starts.

Apps above the catalogue that can block a service for a person (suspensions) register a blocker
here when they load; the catalogue never imports them. `service_start_check` asks every blocker and
refuses with `service_suspended` (naming the authority, the reference and how to lift it) when one
covers the service.

Every domain function that starts an e-service for a person (per-service activation today; a
transfer, a request, a card payment later) calls `service_start_check` before it changes anything,
and declares itself with `@e_service_entry_point(arguments=...)`. The declaration is what the
enumeration test (absher/suspensions/tests/test_enforcement_point.py) works from: it starts every
declared entry point as a suspended person and expects a refusal that changed nothing, and it walks
the URL patterns of the API, the portal and the back office and fails on any route that starts an
e-service without going through a declared entry point."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from absher.catalog.models import Service
from absher.core.errors import Forbidden


@dataclass(frozen=True)
class Block:
    """Why a service is blocked for a person (a suspension, for now): a stable code, the details a
    client shows, and the refusal's message (lazy, so it renders in the caller's language)."""

    code: str
    details: dict[str, Any] = field(default_factory=dict)
    message: str | Promise = ""


# A blocker answers: for this person, which of these services are blocked, and by what.
Blocker = Callable[[Any, list[Service]], dict[str, Block]]

_blockers: list[Blocker] = []


def blocker_register(blocker: Blocker) -> None:
    if blocker not in _blockers:
        _blockers.append(blocker)


def blocks_for(*, person: Any, services: Iterable[Service]) -> dict[str, Block]:
    """Service code → the first block found, for the services that are blocked. Services that
    suspensions cannot block (`is_suspendable` false, such as the suspensions inquiry itself) are
    never blocked."""
    candidates = [service for service in services if service.is_suspendable]
    found: dict[str, Block] = {}
    if person is None or not candidates:
        return found
    for blocker in _blockers:
        for code, block in blocker(person, candidates).items():
            found.setdefault(code, block)
    return found


def service_start_check(*, person: Any, service: Service) -> None:
    """Raises `service_suspended` (403) when anything blocks `service` for `person`; the details
    name the authority, the reference and how to lift the suspension."""
    block = blocks_for(person=person, services=[service]).get(service.code)
    if block is not None:
        raise Forbidden(
            "service_suspended",
            block.message or _("This service is temporarily suspended for you."),
            {"service": service.code, **block.details},
        )


# --- the e-service entry points ------------------------------------------------------------------

# The keyword arguments that start an entry point for an activated account and a service.
Arguments = Callable[[Any, Service], dict[str, Any]]


@dataclass(frozen=True)
class EntryPoint:
    """A domain function that starts an e-service for a person.

    `arguments(user, service)` gives the keyword arguments that start it the way the interfaces
    do, for an activated account and a service; arguments other than those two may be placeholders
    (an empty challenge id), because the suspension check comes before anything else.
    `service_codes` names the services it starts; empty means the caller chooses the service (as
    in per-service activation)."""

    name: str
    function: Callable[..., Any]
    arguments: Arguments
    service_codes: tuple[str, ...] = ()

    def start(self, *, user: Any, service: Service) -> Any:
        return self.function(**self.arguments(user, service))


_entry_points: dict[str, EntryPoint] = {}

F = TypeVar("F", bound=Callable[..., Any])


def e_service_entry_point(
    *, arguments: Arguments, service_codes: tuple[str, ...] = ()
) -> Callable[[F], F]:
    """Declares the decorated function an e-service entry point: it calls `service_start_check`
    before it changes anything. Returns the function unchanged."""

    def declare(function: F) -> F:
        name = f"{function.__module__}.{function.__qualname__}"
        _entry_points[name] = EntryPoint(
            name=name, function=function, arguments=arguments, service_codes=tuple(service_codes)
        )
        return function

    return declare


def e_service_entry_points() -> list[EntryPoint]:
    """Every declared entry point (declared when its module is imported; the URL configuration
    imports them all)."""
    return sorted(_entry_points.values(), key=lambda entry_point: entry_point.name)
