"""Webhooks to the platform: one delivery row per outcome, written in the outcome's transaction,
sent after it commits from a daemon thread, after a realistic delay, with retries on network
errors and 5xx answers. Only the standard library speaks HTTP here."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction

from sandbox_gateway import clock
from sandbox_gateway.constants import (
    WEBHOOK_BACKOFF_SECONDS,
    WEBHOOK_MAX_ATTEMPTS,
    WEBHOOK_TIMEOUT_SECONDS,
    DeliveryStatus,
)
from sandbox_gateway.models import SandboxCheckout, WebhookDelivery
from sandbox_gateway.signing import request_headers

logger = logging.getLogger(__name__)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET without its body: it counts as an answer."""

    def redirect_request(self, *args, **kwargs):
        return None


# The platform is reached directly, never through a proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def webhook_body(
    *, reference: str, status: str, charge_id: str, amount: int, occurred_at: dt.datetime
) -> str:
    return json.dumps(
        {
            "reference": reference,
            "status": status,
            "charge_id": charge_id,
            "amount": amount,
            "occurred_at": occurred_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        },
        separators=(",", ":"),
    )


def webhook_schedule(
    *, checkout: SandboxCheckout, status: str, charge_id: str, occurred_at: dt.datetime, url: str
) -> WebhookDelivery | None:
    """Records the delivery of an outcome; it leaves once the caller's transaction commits."""
    if not getattr(settings, "SANDBOX_GATEWAY_SEND_WEBHOOKS", True):
        return None
    delivery = WebhookDelivery.objects.create(
        checkout=checkout,
        outcome=status,
        url=getattr(settings, "SANDBOX_GATEWAY_WEBHOOK_URL", "") or url,
        body=webhook_body(
            reference=checkout.reference,
            status=status,
            charge_id=charge_id,
            amount=checkout.amount,
            occurred_at=occurred_at,
        ),
    )
    transaction.on_commit(partial(webhook_start, delivery_id=delivery.pk))
    return delivery


def webhook_start(*, delivery_id: int) -> threading.Thread:
    thread = threading.Thread(
        target=_deliver_in_thread,
        kwargs={"delivery_id": delivery_id},
        name=f"sandbox-webhook-{delivery_id}",
        daemon=True,
    )
    thread.start()
    return thread


def _deliver_in_thread(*, delivery_id: int) -> None:
    try:
        delay = float(getattr(settings, "SANDBOX_GATEWAY_WEBHOOK_DELAY_SECONDS", 2))
        webhook_deliver(delivery_id=delivery_id, delay=delay)
    except Exception:
        logger.exception("sandbox_gateway.webhook.crashed delivery=%s", delivery_id)
    finally:
        connection.close()


def _backoff() -> tuple[float, ...]:
    return tuple(getattr(settings, "SANDBOX_GATEWAY_WEBHOOK_BACKOFF_SECONDS", None) or ()) or (
        WEBHOOK_BACKOFF_SECONDS
    )


def webhook_deliver(
    *, delivery_id: int, delay: float = 0.0, sleep: Callable[[float], None] = time.sleep
) -> WebhookDelivery:
    """Sends one delivery until the platform answers 2xx, refuses it (another 4xx/3xx) or
    WEBHOOK_MAX_ATTEMPTS have failed on network errors or 5xx answers."""
    if delay > 0:
        sleep(delay)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PENDING:
        return delivery
    backoff = _backoff()
    for attempt in range(1, WEBHOOK_MAX_ATTEMPTS + 1):
        status_code, error = _post_once(url=delivery.url, body=delivery.body.encode())
        delivered = status_code is not None and 200 <= status_code < 300
        retryable = status_code is None or status_code >= 500
        if delivered:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = clock.now()
        elif not retryable or attempt == WEBHOOK_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        delivery.attempts = attempt
        delivery.last_status_code = status_code
        delivery.last_error = error[:200]
        delivery.save(
            update_fields=[
                "status",
                "delivered_at",
                "attempts",
                "last_status_code",
                "last_error",
                "updated_at",
            ]
        )
        logger.info(
            "sandbox_gateway.webhook.attempt delivery=%s attempt=%s http_status=%s status=%s",
            delivery.pk,
            attempt,
            status_code,
            delivery.status,
        )
        if delivery.status != DeliveryStatus.PENDING:
            break
        sleep(backoff[min(attempt - 1, len(backoff) - 1)])
    return delivery


def _post_once(*, url: str, body: bytes) -> tuple[int | None, str]:
    """(HTTP status or None, what went wrong). Signed afresh: a new timestamp and nonce."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None, "not an http(s) URL"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Content-Type": "application/json",
        **request_headers(method="POST", path=path, body=body),
    }
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with _opener.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, f"{type(error).__name__}: {reason}"
