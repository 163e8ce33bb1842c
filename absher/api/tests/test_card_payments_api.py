"""POST /api/v1/bills/{n}/card-payment and the card gateway's signed webhook (SPEC 6, 13)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from absher.accounts.constants import PartnerKind
from absher.accounts.tests.support import (
    activate_by_national_id,
    login,
    make_partner,
    make_person,
    register,
    signed_headers,
    signed_post,
)
from absher.payments.models import Bill, CardCheckout, CardNotification, Payment
from absher.payments.tests.helpers import issue

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/v1/integrations/card-gateway/webhook"


@pytest.fixture
def gateway(db):
    return make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)


@pytest.fixture
def signed_in(api, person, gateway):
    register(api, person)
    login(api)
    activate_by_national_id(api, person)
    return api


def pay_url(number: str) -> str:
    return f"/api/v1/bills/{number}/card-payment"


def webhook_body(checkout: CardCheckout, **overrides) -> dict:
    body = {
        "reference": checkout.reference,
        "status": "paid",
        "charge_id": "ch_api",
        "amount": checkout.amount_halalas,
        "occurred_at": "2026-11-26T10:00:00Z",
    }
    body.update(overrides)
    return body


def test_card_payment_answers_the_gateway_page_and_the_same_checkout_twice(signed_in, person):
    bill = issue(person)

    first = signed_in.post(pay_url(bill.sadad_number), {})
    second = signed_in.post(pay_url(bill.sadad_number), {})

    assert first.status_code == 200, first.json()
    assert first.json()["checkout_reference"] == second.json()["checkout_reference"]
    url = urlsplit(first.json()["redirect_url"])
    params = dict(parse_qsl(url.query))
    assert url.path == "/sandbox-gateway/pay/"
    assert params["amount"] == str(bill.amount_halalas)
    assert urlsplit(params["return_url"]).path == f"/bills/{bill.sadad_number}/card-return/"
    assert CardCheckout.objects.count() == 1


def test_another_persons_bill_is_404_and_a_paid_one_409(signed_in, person, gateway):
    others = issue(make_person())
    mine = issue(person)
    checkout = CardCheckout.objects.get(
        reference=signed_in.post(pay_url(mine.sadad_number), {}).json()["checkout_reference"]
    )
    signed_post(signed_in, gateway, WEBHOOK, webhook_body(checkout))

    stranger = signed_in.post(pay_url(others.sadad_number), {})
    paid = signed_in.post(pay_url(mine.sadad_number), {})
    unknown = signed_in.post(pay_url("1234567890123"), {})

    assert (stranger.status_code, stranger.json()["code"]) == (404, "bill_not_found")
    assert unknown.json() == stranger.json()
    assert (paid.status_code, paid.json()["code"]) == (409, "bill_already_paid")


def test_card_payment_needs_an_activated_account(api, person, gateway):
    bill = issue(person)
    anonymous = api.post(pay_url(bill.sadad_number), {})
    register(api, person)
    login(api)
    registered = api.post(pay_url(bill.sadad_number), {})

    assert anonymous.status_code == 401
    assert (registered.status_code, registered.json()["code"]) == (403, "account_not_activated")
    assert CardCheckout.objects.count() == 0


def test_the_webhook_pays_once_and_answers_duplicate_after(signed_in, person, gateway):
    bill = issue(person)
    signed_in.post(pay_url(bill.sadad_number), {})
    checkout = CardCheckout.objects.get()

    first = signed_post(signed_in, gateway, WEBHOOK, webhook_body(checkout))
    again = signed_post(signed_in, gateway, WEBHOOK, webhook_body(checkout))

    assert first.status_code == 200, first.json()
    assert first.json() == {
        "result": "applied",
        "reference": checkout.reference,
        "checkout_status": "paid",
        "bill_status": "paid",
    }
    assert again.json()["result"] == "duplicate"
    assert Payment.objects.get().channel == "card"


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"amount": 1.5}, 422, "validation_error"),
        ({"amount": "30000"}, 422, "validation_error"),
        ({"amount": 1}, 422, "amount_mismatch"),
        ({"amount": -30000}, 422, "amount_mismatch"),
        ({"reference": "unknown-reference"}, 404, "checkout_not_found"),
        ({"status": "approved"}, 422, "invalid_outcome"),
        ({"charge_id": ""}, 422, "missing_charge"),
    ],
)
def test_bad_webhooks_are_refused_and_pay_nothing(
    signed_in, person, gateway, overrides, status, code
):
    bill = issue(person)
    signed_in.post(pay_url(bill.sadad_number), {})
    checkout = CardCheckout.objects.get()

    response = signed_post(signed_in, gateway, WEBHOOK, webhook_body(checkout, **overrides))

    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert Bill.objects.get(pk=bill.pk).status == "unpaid"
    assert Payment.objects.count() == 0


def test_webhooks_with_bad_signatures_are_refused_recorded_and_pay_nothing(
    signed_in, person, gateway
):
    bill = issue(person)
    signed_in.post(pay_url(bill.sadad_number), {})
    checkout = CardCheckout.objects.get()
    body = json.dumps(webhook_body(checkout)).encode()
    bank = make_partner("a-bank")

    forged = signed_headers(partner=gateway.code, secret="guess", path=WEBHOOK, raw=body)
    stale = signed_headers(
        partner=gateway.code, secret=gateway.secret, path=WEBHOOK, raw=body, timestamp=1
    )
    wrong_kind = signed_headers(partner=bank.code, secret=bank.secret, path=WEBHOOK, raw=body)
    answers = [signed_in.post_raw(WEBHOOK, body, h) for h in (forged, stale, wrong_kind)]

    assert [(a.status_code, a.json()["code"]) for a in answers] == [
        (401, "bad_signature"),
        (401, "stale_timestamp"),
        (401, "bad_signature"),
    ]
    replay = signed_headers(partner=gateway.code, secret=gateway.secret, path=WEBHOOK, raw=body)
    assert signed_in.post_raw(WEBHOOK, body, replay).status_code == 200
    replayed = signed_in.post_raw(WEBHOOK, body, replay)
    assert (replayed.status_code, replayed.json()["code"]) == (401, "replayed_request")
    assert Payment.objects.count() == 1
    assert list(CardNotification.objects.values_list("result", "reason").order_by("id")) == [
        ("rejected", "bad_signature"),
        ("rejected", "stale_timestamp"),
        ("rejected", "bad_signature"),
        ("applied", ""),
    ]


def test_webhooks_with_nul_characters_are_refused_and_recorded(api, gateway):
    # JSON carries NUL as \u0000; PostgreSQL text cannot, so the record keeps U+FFFD instead.
    body = {"reference": "cs_\u0000", "status": "pa\u0000id", "charge_id": "\u0000", "amount": 1}
    unsigned = api.post(WEBHOOK, body)
    raw_body = json.dumps(body).encode()
    headers = signed_headers(
        partner=gateway.code, secret=gateway.secret, path=WEBHOOK, raw=raw_body
    )
    signed = api.post_raw(WEBHOOK, raw_body, headers)

    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "bad_signature")
    assert (signed.status_code, signed.json()["code"]) == (422, "invalid_outcome")
    assert not Payment.objects.exists()
    assert list(
        CardNotification.objects.values_list(
            "reference", "outcome", "charge_id", "reason"
        ).order_by("id")
    ) == [
        ("cs_\ufffd", "pa\ufffdid", "\ufffd", "bad_signature"),
        ("cs_\ufffd", "pa\ufffdid", "\ufffd", "invalid_outcome"),
    ]


def test_a_signed_webhook_with_an_amount_beyond_any_bill_is_refused_and_recorded(api, gateway):
    body = {"reference": "cs_unknown", "status": "paid", "charge_id": "ch_1", "amount": 10**21}
    raw_body = json.dumps(body).encode()
    headers = signed_headers(
        partner=gateway.code, secret=gateway.secret, path=WEBHOOK, raw=raw_body
    )

    response = api.post_raw(WEBHOOK, raw_body, headers)

    assert (response.status_code, response.json()["code"]) == (404, "checkout_not_found")
    assert not Payment.objects.exists()
    recorded = CardNotification.objects.get()
    assert (recorded.reason, recorded.amount_halalas) == ("checkout_not_found", None)
