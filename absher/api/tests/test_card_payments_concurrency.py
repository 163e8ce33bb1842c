"""Card-channel races with real threads and separate PostgreSQL connections: the browser's return
and the gateway's webhooks at once pay once; a bank and the card at once pay once and the losing
charge is handed back; many tabs at once open one checkout."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.test import Client

from absher.accounts.constants import PartnerKind
from absher.accounts.tests.support import make_partner, make_person, signed_headers
from absher.api.tests.test_payments_concurrency import _race, _send
from absher.audit.selectors import audit_chain_verify
from absher.core.errors import ApplicationError
from absher.payments import cards
from absher.payments.models import Bill, CardCheckout, Fulfilment, Payment
from absher.payments.providers.hosted import params_sign
from absher.payments.tests.helpers import _test_fulfiller, issue, notification  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_truncate_allowed", "standard_catalogue"),
]

WEBHOOK = "/api/v1/integrations/card-gateway/webhook"


def _start(person, bill) -> CardCheckout:
    return cards.card_checkout_start(
        person=person, sadad_number=bill.sadad_number, return_url="https://x/", language="ar"
    ).checkout


def _webhook(gateway, checkout: CardCheckout, charge_id: str) -> tuple[int, str]:
    body = json.dumps(
        {
            "reference": checkout.reference,
            "status": "paid",
            "charge_id": charge_id,
            "amount": checkout.amount_halalas,
        }
    ).encode()
    headers = signed_headers(partner=gateway.code, secret=gateway.secret, path=WEBHOOK, raw=body)
    response = Client().post(WEBHOOK, body, content_type="application/json", headers=headers)
    answer = response.json()
    return response.status_code, answer.get("result") or answer["code"]


def _return(gateway, checkout: CardCheckout, charge_id: str) -> tuple[int, str]:
    params = {
        "partner": gateway.code,
        "reference": checkout.reference,
        "status": "paid",
        "charge_id": charge_id,
        "amount": str(checkout.amount_halalas),
    }
    params["signature"] = params_sign(params, gateway.secret)
    return 200, cards.card_return_apply(params=params).status


def test_the_return_and_ten_webhooks_at_once_pay_once_and_fulfil_once(test_fulfiller):
    gateway = make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)
    person = make_person()
    bill = issue(person)
    checkout = _start(person, bill)

    outcomes = _race(
        lambda n: (
            _return(gateway, checkout, "ch_race")
            if n == 0
            else _webhook(gateway, checkout, "ch_race")
        ),
        11,
    )

    counted = Counter(outcomes)
    assert counted[(200, "paid")] == 1, outcomes  # the return always sees the checkout paid
    assert counted[(200, "applied")] + counted[(200, "duplicate")] == 10, outcomes
    assert counted[(200, "applied")] <= 1
    assert Payment.objects.count() == 1
    assert Bill.objects.get().status == "paid"
    assert Fulfilment.objects.get().status == "done"
    assert test_fulfiller.runs == [bill.sadad_number]
    assert audit_chain_verify().ok


def test_a_bank_and_a_card_paying_one_bill_at_once_pay_it_once(test_fulfiller):
    gateway = make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)
    bank = make_partner("race-bank")
    person = make_person()
    bill = issue(person)
    checkout = _start(person, bill)
    body = notification(bill, bank_reference="TX-BOTH")

    outcomes = _race(
        lambda n: _send(bank, body) if n == 0 else _webhook(gateway, checkout, "ch_both"), 2
    )

    bank_answer, card_answer = outcomes
    payment = Payment.objects.get()
    checkout.refresh_from_db()
    if payment.channel == "sadad":  # the bank won: the card's charge is handed back
        assert (bank_answer, card_answer) == ((200, "applied"), (200, "charge_returned"))
        assert checkout.status == "refunded"
    else:
        assert (bank_answer, card_answer) == ((409, "bill_already_paid"), (200, "applied"))
        assert checkout.status == "paid"
    assert test_fulfiller.runs == [bill.sadad_number]
    assert audit_chain_verify().ok


def test_ten_tabs_starting_a_card_payment_at_once_share_one_checkout():
    make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)
    person = make_person()
    bill = issue(person)

    def start(_n: int) -> str:
        try:
            return _start(person, bill).reference
        except ApplicationError as refusal:
            return refusal.code

    outcomes = _race(start, 10)

    assert len(set(outcomes)) == 1, outcomes
    assert CardCheckout.objects.count() == 1
