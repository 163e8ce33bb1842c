"""The two signatures of the protocol (README), implemented here rather than shared with the
platform: the sandbox stands in for an outside gateway and speaks to the platform only over HTTP.

- Signed params (checkout and return): hex HMAC-SHA256 of `k=v&k=v…` over the sorted params but
  `signature`.
- Signed requests (webhook out, refund in): headers X-Partner, X-Timestamp, X-Nonce, X-Signature =
  hex HMAC-SHA256 of `timestamp.nonce.METHOD.path?query.body`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

from django.conf import settings
from django.core.cache import cache

from sandbox_gateway import clock
from sandbox_gateway.constants import (
    NONCE_MEMORY_SECONDS,
    NONCE_PATTERN,
    SIGNATURE_WINDOW_SECONDS,
    TIMESTAMP_PATTERN,
)


def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def params_signature(params: Mapping[str, str], *, secret: str | None = None) -> str:
    message = "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "signature")
    return _hmac(secret or settings.SANDBOX_GATEWAY_SECRET, message.encode())


def params_sign(params: Mapping[str, str]) -> dict[str, str]:
    signed = {key: value for key, value in params.items() if key != "signature"}
    signed["signature"] = params_signature(signed)
    return signed


def params_signature_is_valid(params: Mapping[str, str]) -> bool:
    given = params.get("signature", "")
    if not given:
        return False
    return hmac.compare_digest(params_signature(params), given.lower())


def request_signature(
    *, timestamp: str, nonce: str, method: str, path: str, body: bytes, secret: str | None = None
) -> str:
    message = f"{timestamp}.{nonce}.{method.upper()}.{path}.".encode() + body
    return _hmac(secret or settings.SANDBOX_GATEWAY_SECRET, message)


def request_headers(*, method: str, path: str, body: bytes) -> dict[str, str]:
    """Fresh integration headers for one request (a new nonce and timestamp every time)."""
    timestamp = str(int(clock.now().timestamp()))
    nonce = secrets.token_urlsafe(24)
    return {
        "X-Partner": settings.SANDBOX_GATEWAY_PARTNER,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": request_signature(
            timestamp=timestamp, nonce=nonce, method=method, path=path, body=body
        ),
    }


class RequestRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def request_verify(*, headers: Mapping[str, str], method: str, path: str, body: bytes) -> None:
    """Raises RequestRefused (`bad_signature`, `stale_timestamp`, `replayed_request`) unless the
    request was signed by the platform, recently, and never seen before."""
    partner = headers.get("X-Partner", "")
    timestamp = headers.get("X-Timestamp", "")
    nonce = headers.get("X-Nonce", "")
    signature = headers.get("X-Signature", "")
    if not hmac.compare_digest(partner.encode(), settings.SANDBOX_GATEWAY_PARTNER.encode()):
        raise RequestRefused("bad_signature")
    if not TIMESTAMP_PATTERN.fullmatch(timestamp) or not NONCE_PATTERN.fullmatch(nonce):
        raise RequestRefused("bad_signature")
    expected = request_signature(
        timestamp=timestamp, nonce=nonce, method=method, path=path, body=body
    )
    if not hmac.compare_digest(expected, signature.lower()):
        raise RequestRefused("bad_signature")
    if abs(clock.now().timestamp() - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        raise RequestRefused("stale_timestamp")
    nonce_key = hashlib.sha256(nonce.encode()).hexdigest()
    if not cache.add(f"sandbox-gateway:nonce:{nonce_key}", 1, timeout=NONCE_MEMORY_SECONDS):
        raise RequestRefused("replayed_request")
