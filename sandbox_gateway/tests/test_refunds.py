"""POST /sandbox-gateway/api/refunds, signed by the platform with the integration headers."""

from __future__ import annotations

import datetime as dt
import json
import secrets

import pytest

from sandbox_gateway.models import SandboxCheckout
from sandbox_gateway.tests.support import (
    DECLINED_CARD,
    NOW,
    SUCCESS_CARD,
    open_checkout,
    pay,
    returned,
    sign_request,
)

pytestmark = pytest.mark.django_db

PATH = "/sandbox-gateway/api/refunds"


def refund(
    client,
    body: dict | bytes,
    *,
    partner: str = "demo-gateway",
    timestamp: int | None = None,
    nonce: str | None = None,
    signature: str | None = None,
    path: str = PATH,
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = str(int(NOW.timestamp()) if timestamp is None else timestamp)
    chosen_nonce = nonce or secrets.token_hex(16)
    headers = {
        "X-Partner": partner,
        "X-Timestamp": stamp,
        "X-Nonce": chosen_nonce,
        "X-Signature": signature
        or sign_request(timestamp=stamp, nonce=chosen_nonce, method="POST", path=path, body=raw),
    }
    return client.post(path, raw, content_type="application/json", headers=headers)


@pytest.fixture
def charge(client) -> dict[str, str]:
    checkout = open_checkout(client)
    return returned(pay(client, checkout, SUCCESS_CARD))


def test_a_charge_is_refunded(client, charge):
    response = refund(client, {"charge_id": charge["charge_id"], "amount": 15000})

    assert response.status_code == 200
    assert response.json() == {"result": "refunded", "charge_id": charge["charge_id"]}
    checkout = SandboxCheckout.objects.get()
    assert checkout.status == "refunded"
    assert checkout.refunded_at == NOW
    assert checkout.charge_id == charge["charge_id"]


def test_a_second_refund_answers_already_refunded(client, charge):
    refund(client, {"charge_id": charge["charge_id"], "amount": 15000})

    response = refund(client, {"charge_id": charge["charge_id"], "amount": 15000})

    assert response.status_code == 200
    assert response.json() == {"result": "already_refunded", "charge_id": charge["charge_id"]}


def test_a_refunded_checkout_is_never_charged_again(client, charge):
    refund(client, {"charge_id": charge["charge_id"], "amount": 15000})
    checkout = SandboxCheckout.objects.get()

    response = pay(client, checkout, SUCCESS_CARD)

    assert response.status_code == 200
    assert "تم الدفع مسبقًا" in response.content.decode()
    assert SandboxCheckout.objects.get().status == "refunded"


@pytest.mark.parametrize("charge_id", ["ch_unknown", ""])
def test_an_unknown_charge_is_not_found(client, charge, charge_id):
    response = refund(client, {"charge_id": charge_id, "amount": 15000})

    assert response.status_code == 404
    assert response.json()["code"] == "charge_not_found"
    assert SandboxCheckout.objects.get().status == "paid"


def test_an_attempt_id_is_not_a_charge(client):
    checkout = open_checkout(client)
    declined = returned(pay(client, checkout, DECLINED_CARD))

    response = refund(client, {"charge_id": declined["charge_id"], "amount": 15000})

    assert response.status_code == 404
    assert response.json()["code"] == "charge_not_found"


@pytest.mark.parametrize("amount", [14999, 15001, 0])
def test_another_amount_is_refused(client, charge, amount):
    response = refund(client, {"charge_id": charge["charge_id"], "amount": amount})

    assert response.status_code == 422
    assert response.json()["code"] == "amount_mismatch"
    assert SandboxCheckout.objects.get().status == "paid"


def _unchanged() -> None:
    checkout = SandboxCheckout.objects.get()
    assert (checkout.status, checkout.refunded_at) == ("paid", None)


def test_a_bad_signature_is_refused(client, charge):
    response = refund(
        client, {"charge_id": charge["charge_id"], "amount": 15000}, signature="0" * 64
    )

    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
    _unchanged()


def test_another_partner_is_refused(client, charge):
    response = refund(
        client, {"charge_id": charge["charge_id"], "amount": 15000}, partner="other-gateway"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
    _unchanged()


def test_a_body_changed_after_signing_is_refused(client, charge):
    good = json.dumps({"charge_id": charge["charge_id"], "amount": 15000}).encode()
    stamp, nonce = str(int(NOW.timestamp())), secrets.token_hex(16)
    signature = sign_request(timestamp=stamp, nonce=nonce, method="POST", path=PATH, body=good)

    response = refund(
        client,
        good.replace(b"15000", b"15000 "),
        timestamp=int(stamp),
        nonce=nonce,
        signature=signature,
    )

    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
    _unchanged()


@pytest.mark.parametrize("nonce", ["short", "x" * 65, "spaces are not allowed here"])
def test_a_malformed_nonce_is_refused(client, charge, nonce):
    response = refund(client, {"charge_id": charge["charge_id"], "amount": 15000}, nonce=nonce)

    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"


@pytest.mark.parametrize("offset", [301, -301, 3600])
def test_a_stale_timestamp_is_refused(client, charge, offset):
    response = refund(
        client,
        {"charge_id": charge["charge_id"], "amount": 15000},
        timestamp=int(NOW.timestamp()) + offset,
    )

    assert response.status_code == 401
    assert response.json()["code"] == "stale_timestamp"
    _unchanged()


def test_a_timestamp_300_seconds_away_is_still_fresh(client, charge):
    response = refund(
        client,
        {"charge_id": charge["charge_id"], "amount": 15000},
        timestamp=int(NOW.timestamp()) - 300,
    )

    assert response.status_code == 200


def test_a_replayed_request_is_refused(client, charge, gateway_clock):
    nonce = secrets.token_hex(16)
    first = refund(client, {"charge_id": charge["charge_id"], "amount": 1}, nonce=nonce)
    gateway_clock(NOW + dt.timedelta(seconds=10))

    again = refund(client, {"charge_id": charge["charge_id"], "amount": 15000}, nonce=nonce)

    assert first.status_code == 422
    assert again.status_code == 401
    assert again.json()["code"] == "replayed_request"
    _unchanged()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"charge_id": "ch_x"}',
        b'{"charge_id": 7, "amount": 1}',
        b'{"charge_id": "ch_x", "amount": "15000"}',
        b'{"charge_id": "ch_x", "amount": true}',
    ],
)
def test_a_body_that_is_not_a_refund_is_refused(client, charge, body):
    response = refund(client, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    _unchanged()


def test_only_post_is_allowed(client):
    response = client.get(PATH)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_the_refund_api_needs_no_csrf_token(charge):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    response = refund(strict, {"charge_id": charge["charge_id"], "amount": 15000})

    assert response.status_code == 200
