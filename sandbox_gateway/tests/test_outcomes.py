"""The hosted page's outcomes: each test card, 3-D Secure, cancel, retries, expiry, charged at most
once; and the signed return each one sends the browser back with."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from sandbox_gateway.models import SandboxAttempt, SandboxCheckout
from sandbox_gateway.tests.support import (
    CHALLENGE_CARD,
    DECLINED_CARD,
    NOW,
    OTHER_VALID_CARD,
    SUCCESS_CARD,
    TIMEOUT_CARD,
    challenge_url,
    checkout_url,
    link_params,
    open_checkout,
    page_url,
    pay,
    returned,
)

pytestmark = pytest.mark.django_db

CHARGE_ID = re.compile(r"ch_[A-Za-z0-9_-]{24}")
ATTEMPT_ID = re.compile(r"at_[A-Za-z0-9_-]{24}")


def test_the_success_card_is_charged_and_returns_paid_with_its_charge_id(client):
    checkout = open_checkout(client)

    response = pay(client, checkout, SUCCESS_CARD)

    params = returned(response)
    assert params["partner"] == "demo-gateway"
    assert params["reference"] == "chk_Ab3-dE9_xYz"
    assert params["status"] == "paid"
    assert params["amount"] == "15000"
    assert CHARGE_ID.fullmatch(params["charge_id"])
    checkout.refresh_from_db()
    assert checkout.status == "paid"
    assert checkout.charge_id == params["charge_id"]
    assert checkout.card_last4 == "1111"
    assert checkout.paid_at == NOW
    attempt = SandboxAttempt.objects.get()
    assert (attempt.status, attempt.card_last4, attempt.decided_at) == ("paid", "1111", NOW)


@pytest.mark.parametrize(
    ("number", "status", "last4"),
    [
        (DECLINED_CARD, "declined", "0002"),
        (TIMEOUT_CARD, "timeout", "0119"),
        (OTHER_VALID_CARD, "declined", "4444"),
    ],
)
def test_a_card_that_is_not_charged_returns_its_status_with_the_attempt_id(
    client, number, status, last4
):
    checkout = open_checkout(client)

    params = returned(pay(client, checkout, number))

    assert params["status"] == status
    assert params["amount"] == "15000"
    attempt = SandboxAttempt.objects.get()
    assert params["charge_id"] == attempt.attempt_id
    assert ATTEMPT_ID.fullmatch(attempt.attempt_id)
    assert (attempt.status, attempt.card_last4) == (status, last4)
    checkout.refresh_from_db()
    assert (checkout.status, checkout.charge_id, checkout.paid_at) == (status, "", None)


def test_the_card_number_may_be_typed_in_arabic_digits_without_spaces(client):
    checkout = open_checkout(client)

    params = returned(pay(client, checkout, "٤١١١١١١١١١١١١١١١", expiry="١٢/٣١", cvv="١٢٣"))

    assert params["status"] == "paid"


def test_the_return_keeps_the_return_urls_own_query_and_replaces_clashing_names(client):
    return_url = "https://absher.test/payments/card/return?bill=7&status=forged"
    checkout = open_checkout(client, return_url=return_url)

    response = pay(client, checkout, DECLINED_CARD)

    location = response["Location"]
    assert location.startswith("https://absher.test/payments/card/return?bill=7&partner=")
    assert location.count("status=") == 1
    assert "status=declined" in location


def test_after_a_decline_the_person_may_try_again_and_pay(client):
    checkout = open_checkout(client)
    first = returned(pay(client, checkout, DECLINED_CARD))

    again = client.get(checkout_url())
    second = returned(pay(client, checkout, SUCCESS_CARD))

    assert again.status_code == 200
    assert first["status"] == "declined"
    assert second["status"] == "paid"
    assert second["charge_id"] != first["charge_id"]
    assert list(SandboxAttempt.objects.order_by("pk").values_list("status", flat=True)) == [
        "declined",
        "paid",
    ]


@pytest.mark.parametrize("first_card", [TIMEOUT_CARD, CHALLENGE_CARD])
def test_after_a_timeout_or_a_failed_challenge_the_person_may_try_again(client, first_card):
    checkout = open_checkout(client)
    response = pay(client, checkout, first_card)
    if first_card == CHALLENGE_CARD:
        response = client.post(challenge_url(response), {"code": "0000", "action": "confirm"})
    assert returned(response)["status"] in ("timeout", "3ds_failed")

    second = returned(pay(client, checkout, SUCCESS_CARD))

    assert second["status"] == "paid"


def test_a_second_submit_of_a_paid_checkout_is_not_charged_again(client):
    checkout = open_checkout(client)
    first = returned(pay(client, checkout, SUCCESS_CARD))

    second = pay(client, checkout, SUCCESS_CARD)

    assert second.status_code == 200
    html = second.content.decode()
    assert "تم الدفع مسبقًا" in html
    assert first["charge_id"] in html
    assert link_params(html) == first
    assert SandboxAttempt.objects.count() == 1
    checkout.refresh_from_db()
    assert checkout.charge_id == first["charge_id"]


def test_a_paid_checkout_opened_again_shows_already_paid(client):
    checkout = open_checkout(client, lang="en")
    first = returned(pay(client, checkout, SUCCESS_CARD))

    response = client.get(checkout_url(lang="en"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Already paid" in html
    assert "You will not be charged again" in html
    assert link_params(html) == first
    assert 'name="card_number"' not in html


@pytest.mark.parametrize("number", [DECLINED_CARD, "4111 1111 1111"])
def test_a_paid_checkout_answers_already_paid_whatever_is_submitted(client, number):
    checkout = open_checkout(client)
    paid = returned(pay(client, checkout, SUCCESS_CARD))

    response = pay(client, checkout, number)

    assert response.status_code == 200
    assert link_params(response.content.decode()) == paid
    assert SandboxAttempt.objects.count() == 1


def test_cancel_returns_cancelled_and_charges_nothing(client):
    checkout = open_checkout(client)

    response = client.post(page_url(checkout), {"action": "cancel"})

    params = returned(response)
    assert params["status"] == "cancelled"
    assert params["charge_id"] == ""
    assert params["amount"] == "15000"
    checkout.refresh_from_db()
    assert checkout.status == "cancelled"
    assert SandboxAttempt.objects.count() == 0


def test_cancel_after_paying_keeps_the_payment(client):
    checkout = open_checkout(client)
    paid = returned(pay(client, checkout, SUCCESS_CARD))

    response = client.post(page_url(checkout), {"action": "cancel"})

    assert response.status_code == 200
    assert link_params(response.content.decode()) == paid
    checkout.refresh_from_db()
    assert checkout.status == "paid"


def test_three_d_secure_with_the_passing_code_is_charged(client):
    checkout = open_checkout(client)
    challenge = challenge_url(pay(client, checkout, CHALLENGE_CARD))

    page = client.get(challenge)
    response = client.post(challenge, {"code": "1234", "action": "confirm"})

    assert page.status_code == 200
    assert "3-D Secure" in page.content.decode()
    assert "3220" in page.content.decode()
    params = returned(response)
    assert params["status"] == "paid"
    assert CHARGE_ID.fullmatch(params["charge_id"])
    attempt = SandboxAttempt.objects.get()
    assert (attempt.status, attempt.card_last4) == ("paid", "3220")
    checkout.refresh_from_db()
    assert (checkout.status, checkout.charge_id) == ("paid", params["charge_id"])


def test_three_d_secure_waits_for_the_code_before_any_outcome(client):
    checkout = open_checkout(client)

    pay(client, checkout, CHALLENGE_CARD)

    checkout.refresh_from_db()
    assert checkout.status == "open"
    assert SandboxAttempt.objects.get().status == "awaiting_3ds"


@pytest.mark.parametrize("code", ["0000", "12345", "abcd", "4321"])
def test_three_d_secure_with_any_other_code_fails(client, code):
    checkout = open_checkout(client)
    challenge = challenge_url(pay(client, checkout, CHALLENGE_CARD))

    params = returned(client.post(challenge, {"code": code, "action": "confirm"}))

    assert params["status"] == "3ds_failed"
    attempt = SandboxAttempt.objects.get()
    assert params["charge_id"] == attempt.attempt_id
    assert attempt.status == "3ds_failed"
    checkout.refresh_from_db()
    assert (checkout.status, checkout.charge_id) == ("3ds_failed", "")


def test_three_d_secure_without_a_code_asks_again(client):
    checkout = open_checkout(client, lang="en")
    challenge = challenge_url(pay(client, checkout, CHALLENGE_CARD))

    response = client.post(challenge, {"code": "  ", "action": "confirm"})

    assert response.status_code == 200
    assert "Enter the code sent to your mobile." in response.content.decode()
    assert SandboxAttempt.objects.get().status == "awaiting_3ds"


def test_a_decided_challenge_cannot_be_answered_again(client):
    checkout = open_checkout(client)
    challenge = challenge_url(pay(client, checkout, CHALLENGE_CARD))
    returned(client.post(challenge, {"code": "0000", "action": "confirm"}))

    again = client.post(challenge, {"code": "1234", "action": "confirm"})

    assert again.status_code == 302
    assert again["Location"] == f"{page_url(checkout)}?lang=ar"
    checkout.refresh_from_db()
    assert checkout.status == "3ds_failed"
    assert SandboxAttempt.objects.get().status == "3ds_failed"


def test_cancel_on_the_challenge_returns_cancelled(client):
    checkout = open_checkout(client)
    challenge = challenge_url(pay(client, checkout, CHALLENGE_CARD))

    params = returned(client.post(challenge, {"action": "cancel"}))

    assert params["status"] == "cancelled"
    assert SandboxAttempt.objects.get().status == "cancelled"


def test_a_challenge_left_open_in_one_tab_is_not_charged_after_another_tab_paid(client):
    checkout = open_checkout(client)
    challenge = challenge_url(pay(client, checkout, CHALLENGE_CARD))
    paid = returned(pay(client, checkout, SUCCESS_CARD))

    response = client.post(challenge, {"code": "1234", "action": "confirm"})

    assert response.status_code == 200
    assert link_params(response.content.decode()) == paid
    assert SandboxAttempt.objects.filter(status="paid").count() == 1


def test_an_expired_checkout_takes_no_more_cards(client, gateway_clock):
    checkout = open_checkout(client)
    returned(pay(client, checkout, DECLINED_CARD))
    gateway_clock(NOW + dt.timedelta(minutes=30))

    response = pay(client, checkout, SUCCESS_CARD)

    assert response.status_code == 410
    html = response.content.decode()
    assert "انتهت صلاحية عملية الدفع" in html
    assert link_params(html)["status"] == "cancelled"
    checkout.refresh_from_db()
    assert (checkout.status, checkout.charge_id) == ("declined", "")
    assert SandboxAttempt.objects.count() == 1


def test_an_expired_checkout_page_says_so(client, gateway_clock):
    checkout = open_checkout(client, lang="en")
    gateway_clock(NOW + dt.timedelta(minutes=31))

    response = client.get(page_url(checkout))

    assert response.status_code == 410
    assert "This payment has expired" in response.content.decode()


def test_a_challenge_answered_after_expiry_is_not_charged(client, gateway_clock):
    checkout = open_checkout(client)
    challenge = challenge_url(pay(client, checkout, CHALLENGE_CARD))
    gateway_clock(NOW + dt.timedelta(minutes=30, seconds=1))

    response = client.post(challenge, {"code": "1234", "action": "confirm"})

    assert response.status_code == 410
    assert SandboxAttempt.objects.get().status == "awaiting_3ds"
    checkout.refresh_from_db()
    assert checkout.status == "open"


def test_one_second_before_expiry_the_card_is_still_taken(client, gateway_clock):
    checkout = open_checkout(client)
    gateway_clock(NOW + dt.timedelta(minutes=30) - dt.timedelta(seconds=1))

    assert returned(pay(client, checkout, SUCCESS_CARD))["status"] == "paid"


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"cardholder": " "}, "cardholder", "أدخل اسم حامل البطاقة كما يظهر على البطاقة."),
        ({"card_number": ""}, "card_number", "أدخل رقم البطاقة."),
        ({"card_number": "4111 1111 111"}, "card_number", "من 12 إلى 19 رقمًا"),
        ({"card_number": "4111 1111 1111 1112"}, "card_number", "رقم البطاقة غير صحيح"),
        ({"card_number": "4111-x111-1111-1111"}, "card_number", "من 12 إلى 19 رقمًا"),
        ({"expiry": "13/31"}, "expiry", "بالصيغة MM/YY"),
        ({"expiry": "2031-12"}, "expiry", "بالصيغة MM/YY"),
        ({"expiry": "02/30"}, "expiry", "انتهت صلاحية هذه البطاقة."),
        ({"cvv": "12"}, "cvv", "3 أو 4 أرقام."),
        ({"cvv": ""}, "cvv", "أدخل رمز التحقق."),
    ],
)
def test_a_card_form_with_a_mistake_is_shown_again_with_the_error_in_arabic(
    client, form, field, message
):
    checkout = open_checkout(client)

    response = pay(client, checkout, **{"number": form.pop("card_number", SUCCESS_CARD)}, **form)

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'id="{field}-error"' in html
    assert f'<a href="#{field}">' in html
    assert SandboxAttempt.objects.count() == 0
    checkout.refresh_from_db()
    assert checkout.status == "open"


def test_errors_follow_the_checkouts_language(client):
    checkout = open_checkout(client, lang="en")

    response = pay(client, checkout, "4111 1111 1111 1112", expiry="02/30", lang="en")

    html = response.content.decode()
    assert "This card number is not valid." in html
    assert "This card has expired." in html
    assert '<html lang="en" dir="ltr">' in html


def test_this_months_expiry_is_still_valid(client):
    checkout = open_checkout(client)

    assert returned(pay(client, checkout, SUCCESS_CARD, expiry="03/30"))["status"] == "paid"


def test_a_form_with_a_mistake_never_shows_the_card_number_or_cvv_again(client):
    checkout = open_checkout(client)

    response = pay(client, checkout, OTHER_VALID_CARD, expiry="99/99", cvv="987")

    html = response.content.decode()
    assert "انتهاء البطاقة" in html or "MM/YY" in html
    assert "5555" not in html
    assert 'value="987"' not in html
    assert 'value="Noura Al-Harbi"' in html


def test_each_checkout_keeps_its_own_outcome(client):
    first = open_checkout(client, reference="first")
    second = open_checkout(client, reference="second")

    returned(pay(client, first, SUCCESS_CARD))
    returned(pay(client, second, DECLINED_CARD))

    assert dict(SandboxCheckout.objects.values_list("reference", "status")) == {
        "first": "paid",
        "second": "declined",
    }
