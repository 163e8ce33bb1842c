"""The card channel: one open checkout per bill, the signed return and webhook applied exactly
once whichever comes first, a charge after the bill closed handed back to the card."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from absher.accounts.constants import PartnerKind
from absher.accounts.services.partners import signature_compute
from absher.accounts.tests.support import T0, make_partner, make_person
from absher.core import clock
from absher.core.errors import ApplicationError
from absher.payments import cards
from absher.payments.constants import CHECKOUT_LIFETIME, BillStatus, CheckoutStatus
from absher.payments.models import CardCheckout, CardNotification, Fulfilment, Payment
from absher.payments.providers.base import GatewayRefused
from absher.payments.providers.hosted import params_sign
from absher.payments.services import BankPayment, bill_cancel, bill_pay_from_bank
from absher.payments.tests.helpers import _test_fulfiller, issue  # noqa: F401

pytestmark = pytest.mark.django_db

GATEWAY_SECRET = "demo-gateway-secret"
RETURN_URL = "https://portal.example/bills/x/card-return/"


@pytest.fixture(autouse=True)
def _frozen_clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def gateway_partner(db):
    return make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)


@pytest.fixture
def bill(person, gateway_partner):
    return issue(person)


def start(person, bill, language="ar"):
    return cards.card_checkout_start(
        person=person, sadad_number=bill.sadad_number, return_url=RETURN_URL, language=language
    )


def returned(checkout, status="paid", charge_id="ch_one", amount=None, secret=GATEWAY_SECRET):
    """The query string the gateway puts on the browser's way back, signed."""
    params = {
        "partner": "demo-gateway",
        "reference": checkout.reference,
        "status": status,
        "charge_id": charge_id,
        "amount": str(checkout.amount_halalas if amount is None else amount),
    }
    params["signature"] = params_sign(params, secret)
    return params


def test_the_checkout_url_carries_a_signed_checkout_for_the_bill(person, bill):
    started = start(person, bill, language="en")

    url = urlsplit(started.redirect_url)
    params = dict(parse_qsl(url.query))
    assert url.path == "/sandbox-gateway/pay/"
    assert params["reference"] == started.checkout.reference
    assert params["amount"] == str(bill.amount_halalas)
    assert params["return_url"] == RETURN_URL
    assert params["lang"] == "en"
    assert params["description"] == bill.service.name_en
    assert int(params["expires"]) == int(started.checkout.expires_at.timestamp())
    assert params["signature"] == params_sign(params, "demo-gateway-secret")
    assert started.checkout.expires_at == clock.now() + CHECKOUT_LIFETIME


def test_the_same_open_checkout_is_handed_out_again(person, bill):
    first = start(person, bill)
    second = start(person, bill)

    assert first.checkout.pk == second.checkout.pk
    assert CardCheckout.objects.count() == 1


def test_a_checkout_nearly_out_of_time_is_replaced(person, bill, moved_clock):
    first = start(person, bill)
    moved_clock(clock.now() + CHECKOUT_LIFETIME - dt.timedelta(minutes=4))

    second = start(person, bill)

    assert second.checkout.pk != first.checkout.pk
    first.checkout.refresh_from_db()
    assert (first.checkout.status, first.checkout.failure_code) == ("failed", "expired")


def test_another_persons_bill_is_not_found(bill):
    with pytest.raises(ApplicationError) as refusal:
        start(make_person(), bill)
    assert (refusal.value.code, refusal.value.http_status) == ("bill_not_found", 404)
    assert CardCheckout.objects.count() == 0


@pytest.mark.parametrize(
    ("close", "code"),
    [("paid", "bill_already_paid"), ("cancelled", "bill_cancelled"), ("lapsed", "bill_expired")],
)
def test_a_closed_bill_cannot_be_paid_by_card(person, bill, moved_clock, close, code):
    if close == "paid":
        cards.card_return_apply(params=returned(start(person, bill).checkout))
    elif close == "cancelled":
        bill_cancel(sadad_number=bill.sadad_number, actor_type="system", actor_id="t", reason="x")
    else:
        moved_clock(bill.expires_at)
    count = CardCheckout.objects.count()

    with pytest.raises(ApplicationError) as refusal:
        start(person, bill)

    assert refusal.value.code == code
    assert CardCheckout.objects.count() == count


def test_no_configured_gateway_is_a_clear_refusal(person, bill, settings):
    settings.CARD_GATEWAY = ""
    with pytest.raises(ApplicationError) as refusal:
        start(person, bill)
    assert (refusal.value.code, refusal.value.http_status) == ("card_payments_unavailable", 503)


def test_a_paid_return_pays_the_bill_once_and_a_late_webhook_is_a_duplicate(
    person, bill, test_fulfiller, django_capture_on_commit_callbacks
):
    checkout = start(person, bill).checkout

    with django_capture_on_commit_callbacks(execute=True):
        settled = cards.card_return_apply(params=returned(checkout))
    late = cards.card_webhook_apply(
        partner_code="demo-gateway",
        reference=checkout.reference,
        outcome="paid",
        charge_id="ch_one",
        amount_halalas=bill.amount_halalas,
    )

    bill.refresh_from_db()
    assert settled.status == "paid"
    assert late.result == "duplicate"
    assert (bill.status, bill.paid_channel) == ("paid", "card")
    payment = Payment.objects.get()
    assert (payment.channel, payment.partner_code, payment.external_reference) == (
        "card",
        "demo-gateway",
        "ch_one",
    )
    assert Fulfilment.objects.get().status == "done"
    assert test_fulfiller.runs == [bill.sadad_number]
    assert list(CardNotification.objects.values_list("source", "result").order_by("id")) == [
        ("return", "applied"),
        ("webhook", "duplicate"),
    ]


def test_a_webhook_before_the_return_pays_and_the_return_is_harmless(person, bill):
    checkout = start(person, bill).checkout
    cards.card_webhook_apply(
        partner_code="demo-gateway",
        reference=checkout.reference,
        outcome="paid",
        charge_id="ch_one",
        amount_halalas=bill.amount_halalas,
    )

    again = cards.card_return_apply(params=returned(checkout))

    assert again.status == "paid"
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("failure", ["declined", "3ds_failed", "timeout", "cancelled"])
def test_a_failed_attempt_leaves_the_bill_unpaid_and_payable(person, bill, failure):
    checkout = start(person, bill).checkout

    settled = cards.card_return_apply(params=returned(checkout, status=failure, charge_id=""))

    bill.refresh_from_db()
    assert (settled.status, settled.failure_code) == ("failed", failure)
    assert bill.status == "unpaid"
    assert Payment.objects.count() == 0
    # Paying again starts a fresh checkout, which can succeed.
    retry = start(person, bill).checkout
    assert retry.pk != checkout.pk
    cards.card_return_apply(params=returned(retry, charge_id="ch_two"))
    bill.refresh_from_db()
    assert bill.status == "paid"


def test_a_late_failure_never_undoes_a_payment(person, bill):
    checkout = start(person, bill).checkout
    cards.card_return_apply(params=returned(checkout))

    late = cards.card_webhook_apply(
        partner_code="demo-gateway",
        reference=checkout.reference,
        outcome="declined",
        charge_id="",
        amount_halalas=bill.amount_halalas,
    )

    assert late.result == "duplicate"
    assert late.checkout.status == "paid"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p.update(amount="1"),
        lambda p: p.update(status="paid", charge_id="ch_other"),
        lambda p: p.update(signature="0" * 64),
        lambda p: p.pop("signature"),
        lambda p: p.update(partner="demo-bank"),
    ],
)
def test_a_forged_or_altered_return_pays_nothing(person, bill, tamper):
    checkout = start(person, bill).checkout
    params = returned(checkout, status="declined", charge_id="")
    tamper(params)

    with pytest.raises(GatewayRefused):
        cards.card_return_apply(params=params)

    bill.refresh_from_db()
    assert bill.status == "unpaid"
    assert CardCheckout.objects.get().status == "open"
    assert list(CardNotification.objects.values_list("result", "reason")) == [
        ("rejected", "bad_signature")
    ]


def test_a_return_signed_with_another_secret_pays_nothing(person, bill):
    checkout = start(person, bill).checkout
    with pytest.raises(GatewayRefused):
        cards.card_return_apply(params=returned(checkout, secret="guess"))
    assert Payment.objects.count() == 0


def test_webhook_refusals_are_recorded_and_change_nothing(person, bill):
    checkout = start(person, bill).checkout

    def webhook(**overrides):
        values = {
            "partner_code": "demo-gateway",
            "reference": checkout.reference,
            "outcome": "paid",
            "charge_id": "ch_one",
            "amount_halalas": bill.amount_halalas,
        }
        values.update(overrides)
        with pytest.raises(ApplicationError) as refusal:
            cards.card_webhook_apply(**values)
        return refusal.value.code

    assert webhook(reference="nope") == "checkout_not_found"
    assert webhook(partner_code="other-gateway") == "checkout_not_found"
    assert webhook(amount_halalas=bill.amount_halalas - 1) == "amount_mismatch"
    assert webhook(outcome="maybe") == "invalid_outcome"
    assert webhook(charge_id=" ") == "missing_charge"
    bill.refresh_from_db()
    assert bill.status == "unpaid"
    assert Payment.objects.count() == 0
    assert list(CardNotification.objects.values_list("reason", flat=True).order_by("id")) == [
        "checkout_not_found",
        "checkout_not_found",
        "amount_mismatch",
        "invalid_outcome",
        "missing_charge",
    ]


class _RefundServer(BaseHTTPRequestHandler):
    calls: list[dict] = []
    answer = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.send_response(type(self).answer)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"result": "refunded"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def refund_server(settings) -> Iterator[type[_RefundServer]]:
    _RefundServer.calls = []
    _RefundServer.answer = 200
    server = HTTPServer(("127.0.0.1", 0), _RefundServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CARD_GATEWAY_API_URL = f"http://127.0.0.1:{server.server_port}/gw/"
    yield _RefundServer
    server.shutdown()


def test_a_charge_after_the_bill_was_paid_at_a_bank_is_handed_back(
    person, bill, refund_server, test_fulfiller, django_capture_on_commit_callbacks
):
    checkout = start(person, bill).checkout
    with django_capture_on_commit_callbacks(execute=True):
        bill_pay_from_bank(
            partner_code="test-bank",
            payment=BankPayment(
                sadad_number=bill.sadad_number,
                amount_halalas=bill.amount_halalas,
                bank_code="RJHI",
                bank_reference="TX-9",
                paid_at=clock.now(),
            ),
        )

    with django_capture_on_commit_callbacks(execute=True):
        settled = cards.card_return_apply(params=returned(checkout, charge_id="ch_late"))

    assert settled.status == "refunded"
    settled.refresh_from_db()
    assert settled.refunded_at is not None
    assert Payment.objects.get().channel == "sadad"
    assert test_fulfiller.runs == [bill.sadad_number]
    [call] = refund_server.calls
    assert call["path"] == "/gw/api/refunds"
    assert json.loads(call["body"]) == {"charge_id": "ch_late", "amount": bill.amount_halalas}
    headers = call["headers"]
    assert headers["X-Partner"] == "demo-gateway"
    assert headers["X-Signature"] == signature_compute(
        secret="demo-gateway-secret",
        timestamp=headers["X-Timestamp"],
        nonce=headers["X-Nonce"],
        method="POST",
        path="/gw/api/refunds",
        body=call["body"],
    )
    assert CardNotification.objects.get().reason == "charge_returned"
    assert person.messages.filter(kind="card_charge_returned").count() == 1


def test_a_refund_the_gateway_could_not_take_is_sent_again_by_the_sweep(
    person, bill, refund_server, django_capture_on_commit_callbacks
):
    refund_server.answer = 503
    checkout = start(person, bill).checkout
    bill_cancel(sadad_number=bill.sadad_number, actor_type="system", actor_id="t", reason="x")
    with django_capture_on_commit_callbacks(execute=True):
        cards.card_return_apply(params=returned(checkout, charge_id="ch_late"))
    checkout.refresh_from_db()
    assert (checkout.status, checkout.refunded_at) == ("refunded", None)

    refund_server.answer = 200
    assert cards.card_refunds_redispatch() == 1

    checkout.refresh_from_db()
    assert checkout.refunded_at is not None
    assert cards.card_refunds_redispatch() == 0
    assert len(refund_server.calls) == 2


def test_an_expired_checkout_paid_at_the_last_moment_still_pays_an_open_bill(
    person, bill, moved_clock
):
    first = start(person, bill).checkout
    moved_clock(clock.now() + CHECKOUT_LIFETIME)
    start(person, bill)  # the first is closed as expired, a second is open
    first.refresh_from_db()
    assert first.status == "failed"

    cards.card_return_apply(params=returned(first, charge_id="ch_first"))

    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID
    first.refresh_from_db()
    assert first.status == CheckoutStatus.PAID


def test_a_refund_url_that_is_not_http_is_never_opened(person, bill, settings):
    from absher.payments.providers.base import GatewayUnavailable

    settings.CARD_GATEWAY_API_URL = "file:///etc/"
    checkout = start(person, bill).checkout

    with pytest.raises(GatewayUnavailable):
        cards.card_charge_refund(checkout_id=checkout.pk, charge_id="ch_x")
