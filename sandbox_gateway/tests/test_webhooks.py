"""Webhooks to the platform, received by a tiny local http.server: signed with the integration
headers, the documented body, sent after the commit from a daemon thread, retried on 5xx and
network errors (freshly signed each time), recorded."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import socket
import threading
import time

import pytest

from sandbox_gateway import webhooks
from sandbox_gateway.models import SandboxAttempt, SandboxCheckout, WebhookDelivery
from sandbox_gateway.tests.support import (
    CHALLENGE_CARD,
    DECLINED_CARD,
    NOW,
    SUCCESS_CARD,
    TIMEOUT_CARD,
    WEBHOOK_URL,
    challenge_url,
    open_checkout,
    page_url,
    pay,
    returned,
    sign_request,
)

PATH = "/api/v1/integrations/card-gateway/webhook"


@pytest.fixture
def webhooks_on(settings):
    settings.SANDBOX_GATEWAY_SEND_WEBHOOKS = True
    settings.SANDBOX_GATEWAY_WEBHOOK_URL = ""
    settings.SANDBOX_GATEWAY_WEBHOOK_DELAY_SECONDS = 0
    settings.SANDBOX_GATEWAY_WEBHOOK_BACKOFF_SECONDS = (0.01,)
    return settings


def no_sleep(seconds: float) -> None:
    pass


def assert_signed(received) -> None:
    """The platform's check, computed again from the protocol's words."""
    headers = received.headers
    assert headers["X-Partner"] == "demo-gateway"
    assert headers["Content-Type"] == "application/json"
    assert 16 <= len(headers["X-Nonce"]) <= 64
    assert abs(int(headers["X-Timestamp"]) - NOW.timestamp()) <= 1
    expected = sign_request(
        timestamp=headers["X-Timestamp"],
        nonce=headers["X-Nonce"],
        method="POST",
        path=received.path,
        body=received.body,
    )
    assert hmac.compare_digest(headers["X-Signature"], expected)


@pytest.mark.django_db
def test_an_outcome_records_a_delivery_that_leaves_only_after_the_commit(
    client, webhooks_on, django_capture_on_commit_callbacks
):
    checkout = open_checkout(client)

    with django_capture_on_commit_callbacks() as callbacks:
        params = returned(pay(client, checkout, SUCCESS_CARD))

    assert len(callbacks) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.url == WEBHOOK_URL
    assert (delivery.status, delivery.attempts, delivery.outcome) == ("pending", 0, "paid")
    assert json.loads(delivery.body) == {
        "reference": "chk_Ab3-dE9_xYz",
        "status": "paid",
        "charge_id": params["charge_id"],
        "amount": 15000,
        "occurred_at": "2030-03-10T09:30:00Z",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "status"), [(DECLINED_CARD, "declined"), (TIMEOUT_CARD, "timeout")]
)
def test_a_failed_outcome_is_sent_with_the_attempt_id(client, webhooks_on, number, status):
    checkout = open_checkout(client)

    params = returned(pay(client, checkout, number))

    body = json.loads(WebhookDelivery.objects.get().body)
    assert body["status"] == status
    assert body["charge_id"] == params["charge_id"] == SandboxAttempt.objects.get().attempt_id
    assert body["amount"] == 15000


@pytest.mark.django_db
def test_a_failed_challenge_is_sent_and_a_challenge_alone_sends_nothing(client, webhooks_on):
    checkout = open_checkout(client)
    challenge = challenge_url(pay(client, checkout, CHALLENGE_CARD))
    assert WebhookDelivery.objects.count() == 0

    returned(client.post(challenge, {"code": "9999", "action": "confirm"}))

    assert json.loads(WebhookDelivery.objects.get().body)["status"] == "3ds_failed"


@pytest.mark.django_db
def test_a_cancel_sends_no_webhook(client, webhooks_on):
    checkout = open_checkout(client)

    returned(client.post(page_url(checkout), {"action": "cancel"}))

    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_the_configured_webhook_url_wins_over_the_pages_host(client, webhooks_on):
    webhooks_on.SANDBOX_GATEWAY_WEBHOOK_URL = "http://platform.internal:8000/api/v1/hook?x=1"
    checkout = open_checkout(client)

    returned(pay(client, checkout, SUCCESS_CARD))

    assert WebhookDelivery.objects.get().url == "http://platform.internal:8000/api/v1/hook?x=1"


@pytest.mark.django_db
def test_no_webhook_is_recorded_when_they_are_turned_off(client, settings):
    settings.SANDBOX_GATEWAY_SEND_WEBHOOKS = False
    checkout = open_checkout(client)

    returned(pay(client, checkout, SUCCESS_CARD))

    assert WebhookDelivery.objects.count() == 0


def _delivery(client, url: str) -> WebhookDelivery:
    checkout = open_checkout(client)
    returned(pay(client, checkout, SUCCESS_CARD))
    delivery = WebhookDelivery.objects.get()
    delivery.url = url
    delivery.save(update_fields=["url"])
    return delivery


@pytest.mark.django_db
def test_a_delivery_is_signed_with_the_integration_headers(client, webhooks_on, webhook_receiver):
    delivery = _delivery(client, webhook_receiver.url)

    webhooks.webhook_deliver(delivery_id=delivery.pk, sleep=no_sleep)

    (received,) = webhook_receiver.requests
    assert received.method == "POST"
    assert received.path == PATH
    assert_signed(received)
    assert received.body == delivery.body.encode()
    body = received.json()
    assert set(body) == {"reference", "status", "charge_id", "amount", "occurred_at"}
    assert isinstance(body["amount"], int)
    assert dt.datetime.fromisoformat(body["occurred_at"]) == NOW
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "delivered",
        1,
        200,
    )
    assert delivery.delivered_at == NOW


@pytest.mark.django_db
def test_the_signature_covers_the_query_string(client, webhooks_on, webhook_receiver):
    delivery = _delivery(client, webhook_receiver.url + "?tenant=demo")

    webhooks.webhook_deliver(delivery_id=delivery.pk, sleep=no_sleep)

    (received,) = webhook_receiver.requests
    assert received.path == PATH + "?tenant=demo"
    assert_signed(received)


@pytest.mark.django_db
def test_a_5xx_answer_is_retried_with_a_fresh_signature(client, webhooks_on, webhook_receiver):
    webhook_receiver.answers = [500, 503, 200]
    delivery = _delivery(client, webhook_receiver.url)
    waits: list[float] = []

    webhooks.webhook_deliver(delivery_id=delivery.pk, sleep=waits.append)

    assert len(webhook_receiver.requests) == 3
    for received in webhook_receiver.requests:
        assert_signed(received)
        assert received.body == delivery.body.encode()
    nonces = {received.headers["X-Nonce"] for received in webhook_receiver.requests}
    assert len(nonces) == 3
    assert waits == [0.01, 0.01]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "delivered",
        3,
        200,
    )


@pytest.mark.django_db
def test_the_backoff_grows_between_attempts_by_default(client, webhooks_on, webhook_receiver):
    del webhooks_on.SANDBOX_GATEWAY_WEBHOOK_BACKOFF_SECONDS
    webhook_receiver.answers = [500]
    delivery = _delivery(client, webhook_receiver.url)
    waits: list[float] = []

    webhooks.webhook_deliver(delivery_id=delivery.pk, sleep=waits.append)

    assert waits == [2.0, 4.0, 8.0, 16.0]


@pytest.mark.django_db
def test_a_delivery_gives_up_after_five_attempts(client, webhooks_on, webhook_receiver):
    webhook_receiver.answers = [502]
    delivery = _delivery(client, webhook_receiver.url)

    webhooks.webhook_deliver(delivery_id=delivery.pk, sleep=no_sleep)

    assert len(webhook_receiver.requests) == 5
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 5, 502)
    assert delivery.delivered_at is None


@pytest.mark.django_db
def test_a_4xx_answer_is_not_retried(client, webhooks_on, webhook_receiver):
    webhook_receiver.answers = [401]
    delivery = _delivery(client, webhook_receiver.url)

    webhooks.webhook_deliver(delivery_id=delivery.pk, sleep=no_sleep)

    assert len(webhook_receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 401)


@pytest.mark.django_db
def test_a_network_error_is_retried(client, webhooks_on):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    delivery = _delivery(client, f"http://127.0.0.1:{port}{PATH}")

    webhooks.webhook_deliver(delivery_id=delivery.pk, sleep=no_sleep)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 5, None)
    assert "ConnectionRefused" in delivery.last_error or "Errno" in delivery.last_error


@pytest.mark.django_db
def test_a_delivered_webhook_is_not_sent_again(client, webhooks_on, webhook_receiver):
    delivery = _delivery(client, webhook_receiver.url)
    webhooks.webhook_deliver(delivery_id=delivery.pk, sleep=no_sleep)

    webhooks.webhook_deliver(delivery_id=delivery.pk, sleep=no_sleep)

    assert len(webhook_receiver.requests) == 1


def _wait_for_webhook_threads() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("sandbox-webhook-"):
            thread.join(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_after_the_commit_a_daemon_thread_delivers_the_webhook(
    client, webhooks_on, webhook_receiver
):
    webhooks_on.SANDBOX_GATEWAY_WEBHOOK_URL = webhook_receiver.url
    webhooks_on.SANDBOX_GATEWAY_WEBHOOK_DELAY_SECONDS = 0.2
    webhook_receiver.answers = [500, 200]
    checkout = open_checkout(client)
    started = time.monotonic()

    params = returned(pay(client, checkout, SUCCESS_CARD))

    # The browser's return does not wait for the webhook.
    assert time.monotonic() - started < 0.2
    assert webhook_receiver.arrived.wait(timeout=10)
    _wait_for_webhook_threads()
    assert len(webhook_receiver.requests) == 2
    assert webhook_receiver.requests[-1].json()["charge_id"] == params["charge_id"]
    for received in webhook_receiver.requests:
        assert_signed(received)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "delivered",
        2,
        200,
    )
    assert SandboxCheckout.objects.get().status == "paid"
