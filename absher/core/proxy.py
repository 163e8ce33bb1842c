"""The client's address behind a load balancer.

Behind nginx or a cloud load balancer REMOTE_ADDR is the balancer's address, so every client would
share one per-IP sign-in throttle and the audit log would record the balancer. When the direct peer
is one of TRUSTED_PROXIES (addresses or networks), the client is the right-most address of
X-Forwarded-For that is not itself a trusted proxy: addresses further left were written by the
client and prove nothing. With no TRUSTED_PROXIES the middleware switches itself off."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def client_address(*, peer: str, forwarded_for: str, trusted: list[Network]) -> str:
    """The address to believe: `peer` unless it is a trusted proxy that says who it forwards for."""

    def is_trusted(address: str) -> bool:
        parsed = _parse(address)
        return parsed is not None and any(parsed in network for network in trusted)

    if not forwarded_for or not is_trusted(peer):
        return peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if _parse(hop) is None:
            return peer  # a malformed chain: keep the peer rather than guess
        if not is_trusted(hop):
            return hop
    return peer


class ForwardedClientMiddleware:
    """Sets REMOTE_ADDR to the client's address when the request came through a trusted proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.TRUSTED_PROXIES:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.trusted = [
            ipaddress.ip_network(entry, strict=False) for entry in settings.TRUSTED_PROXIES
        ]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META["REMOTE_ADDR"] = client_address(
            peer=request.META.get("REMOTE_ADDR", ""),
            forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR", ""),
            trusted=self.trusted,
        )
        return self.get_response(request)
