"""The production gateway: one JSON POST per SMS to an SMS provider's HTTP API.

Request: `POST SMS_HTTP_URL` with `Authorization: Bearer SMS_HTTP_TOKEN` and the body
`{"to": "+9665…", "text": "…", "sender": SMS_HTTP_SENDER}`. A 2xx answer accepts the message and
may carry `{"message_id": "…"}` (or `"id"`). Every attempt at one SMS carries the same
`Idempotency-Key` header (and `"reference"` in the body): a provider that honours it delivers a
repeat, after a timeout or a worker crash, only once. 5xx, 429, timeouts and connection errors
are worth a retry; any other 4xx is a refusal that a retry would repeat."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from absher.notifications.gateways.base import (
    PermanentGatewayError,
    SmsGateway,
    TransientGatewayError,
)

_RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})
_MAX_RESPONSE_BYTES = 64 * 1024


class HttpGateway(SmsGateway):
    name = "http"

    def __init__(
        self,
        *,
        url: str | None = None,
        token: str | None = None,
        sender: str | None = None,
        timeout_seconds: float | None = None,
    ) -> None:
        self.url = settings.SMS_HTTP_URL if url is None else url
        self.token = settings.SMS_HTTP_TOKEN if token is None else token
        self.sender = settings.SMS_HTTP_SENDER if sender is None else sender
        self.timeout_seconds = (
            settings.SMS_HTTP_TIMEOUT_SECONDS if timeout_seconds is None else timeout_seconds
        )
        if urllib.parse.urlsplit(self.url).scheme not in ("http", "https"):
            raise ImproperlyConfigured("SMS_HTTP_URL must be an http:// or https:// address")

    def send(
        self, *, to: str, text: str, is_sensitive: bool = False, idempotency_key: str = ""
    ) -> str:
        document = {"to": to, "text": text, "sender": self.sender}
        if idempotency_key:
            document["reference"] = idempotency_key
        body = json.dumps(document).encode()
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {self.token}",
        }
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __init__)
            self.url,
            data=body,
            method="POST",
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310  # nosec B310  # the scheme is checked (http or https) in __init__
                payload = response.read(_MAX_RESPONSE_BYTES)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code >= 500 or exc.code in _RETRYABLE_CLIENT_STATUSES:
                raise TransientGatewayError(f"http {exc.code}") from None
            raise PermanentGatewayError(f"http {exc.code}") from None
        except TimeoutError:
            raise TransientGatewayError("timeout") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise TransientGatewayError("timeout") from None
            raise TransientGatewayError(f"connection error: {type(exc.reason).__name__}") from None
        except OSError as exc:
            raise TransientGatewayError(f"connection error: {type(exc).__name__}") from None
        return _message_id(payload)


def _message_id(payload: bytes) -> str:
    try:
        document: Any = json.loads(payload or b"{}")
    except ValueError:
        return ""
    if not isinstance(document, dict):
        return ""
    value = document.get("message_id", document.get("id", ""))
    return str(value)[:128]
