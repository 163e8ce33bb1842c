"""The client's address behind a load balancer: X-Forwarded-For is believed only from
TRUSTED_PROXIES, and only its right-most address that is not itself a trusted proxy."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from absher.core.proxy import ForwardedClientMiddleware, client_address

TRUSTED = [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8")]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        # Straight from the client: its header proves nothing.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        # Through the balancer: the address it saw.
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        # A client that forges the header gets its own address appended by the balancer.
        ("127.0.0.1", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # Two trusted hops (cloud balancer, then nginx).
        ("127.0.0.1", "198.51.100.1, 10.1.2.3", "198.51.100.1"),
        # No header, or nothing but trusted hops: the peer.
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "10.1.2.3", "127.0.0.1"),
        # A malformed chain is not guessed at.
        ("127.0.0.1", "1.2.3.4, not-an-address", "127.0.0.1"),
        # IPv6 clients.
        ("127.0.0.1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_client_address_is_taken_from_trusted_proxies_only(peer, forwarded_for, expected):
    assert client_address(peer=peer, forwarded_for=forwarded_for, trusted=TRUSTED) == expected


def _seen_address(**meta: str) -> str:
    seen: dict[str, str] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["address"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    ForwardedClientMiddleware(view)(RequestFactory().get("/", **meta))
    return seen["address"]


def test_behind_the_balancer_the_application_sees_the_client(settings: Any):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    assert _seen_address(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7") == (
        "198.51.100.7"
    )
    assert _seen_address(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.7") == (
        "203.0.113.5"
    )


def test_without_trusted_proxies_the_middleware_stays_out_of_the_way(settings: Any):
    settings.TRUSTED_PROXIES = []

    with pytest.raises(MiddlewareNotUsed):
        ForwardedClientMiddleware(lambda request: HttpResponse())
