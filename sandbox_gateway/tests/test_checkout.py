"""The platform's signed redirect to the hosted page: what opens it, what refuses it (400, nothing
stored), and the page itself."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest

from sandbox_gateway.models import SandboxCheckout
from sandbox_gateway.tests.support import (
    NOW,
    RETURN_URL,
    checkout_params,
    checkout_url,
    open_checkout,
    page_url,
    sign,
)

pytestmark = pytest.mark.django_db


def _altered(signature: str) -> str:
    return signature[:-1] + ("1" if signature.endswith("0") else "0")


def test_a_signed_checkout_opens_the_hosted_page_in_arabic(client):
    response = client.get(checkout_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "150.00 ريال سعودي" in html
    assert "أبشر" in html
    assert "SANDBOX" in html
    assert "لا تُخصم أموال حقيقية" in html
    assert "تجديد هوية مقيم — Iqama renewal" in html
    for number in ("4111 1111 1111 1111", "4000 0000 0000 0002", "4000 0000 0000 3220"):
        assert number in html
    assert "4000 0000 0000 0119" in html
    assert 'name="card_number"' in html
    assert 'name="cvv"' in html
    assert 'value="cancel"' in html
    checkout = SandboxCheckout.objects.get()
    assert checkout.reference == "chk_Ab3-dE9_xYz"
    assert checkout.amount == 15000
    assert checkout.currency == "SAR"
    assert checkout.return_url == RETURN_URL
    assert checkout.expires_at == NOW + dt.timedelta(minutes=30)
    assert checkout.status == "open"
    assert checkout.card_last4 == ""
    assert checkout.charge_id == ""
    assert f'action="{page_url(checkout)}"' in html


def test_the_page_is_in_english_when_asked(client):
    response = client.get(checkout_url(lang="en"))

    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "SAR 150.00" in html
    assert "SANDBOX — no real money" in html
    assert "Cardholder name" in html
    assert "Test cards" in html


def test_the_page_keeps_to_the_content_security_policy(client):
    response = client.get(checkout_url())

    html = response.content.decode()
    assert "<script" not in html
    assert "style=" not in html
    assert "<style" not in html
    assert '/static/sandbox_gateway/sandbox.css"' in html
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    # The form's answer redirects to the platform, which the policy lets through.
    assert re.search(r"form-action 'self' https://absher\.test(;|$)", policy)
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_language_switch_leads_to_the_checkouts_own_page(client):
    checkout = open_checkout(client)

    html = client.get(checkout_url()).content.decode()

    assert f'href="{page_url(checkout)}?lang=en"' in html
    english = client.get(f"{page_url(checkout)}?lang=en")
    assert english.status_code == 200
    assert '<html lang="en" dir="ltr">' in english.content.decode()


def _refused(client, url: str, reason_en: str) -> str:
    response = client.get(url)
    assert response.status_code == 400
    html = response.content.decode()
    # Bilingual: the reason in Arabic and in English.
    assert "تعذّر فتح صفحة الدفع" in html
    assert "The payment page cannot be opened" in html
    assert reason_en in html
    assert SandboxCheckout.objects.count() == 0
    return html


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param(
            checkout_url(signature="0" * 64), "signature is missing or not valid", id="bad"
        ),
        pytest.param(
            checkout_url(signature=_altered(sign(checkout_params()))),
            "signature is missing or not valid",
            id="altered",
        ),
        pytest.param(
            checkout_url(signature=sign(checkout_params(), secret="another-secret")),
            "signature is missing or not valid",
            id="other-secret",
        ),
        pytest.param(
            checkout_url(signature="").replace("&signature=", ""),
            "signature is missing or not valid",
            id="missing",
        ),
        pytest.param(
            checkout_url().replace("amount=15000", "amount=1500"),
            "signature is missing or not valid",
            id="amount-tampered",
        ),
        pytest.param(
            checkout_url().replace("lang=ar", "lang=en"),
            "signature is missing or not valid",
            id="lang-tampered",
        ),
        pytest.param(
            checkout_url(partner="another-gateway"), "merchant that sent this payment", id="partner"
        ),
        pytest.param(
            checkout_url(expires=str(int(NOW.timestamp()))), "request has expired", id="expired"
        ),
        pytest.param(
            checkout_url(expires=str(int(NOW.timestamp()) - 3600)),
            "request has expired",
            id="expired-an-hour-ago",
        ),
        pytest.param(checkout_url(expires="soon"), "expiry time is not valid", id="expires-text"),
        pytest.param(checkout_url(amount="0"), "amount is not valid", id="zero"),
        pytest.param(checkout_url(amount="-100"), "amount is not valid", id="negative"),
        pytest.param(checkout_url(amount="150.00"), "amount is not valid", id="decimal"),
        pytest.param(checkout_url(amount="015000"), "amount is not valid", id="leading-zero"),
        pytest.param(checkout_url(amount="١٥٠٠٠"), "amount is not valid", id="arabic-digits"),
        pytest.param(checkout_url(amount="9" * 16), "amount is not valid", id="huge"),
        pytest.param(checkout_url(currency="USD"), "only Saudi riyals", id="currency"),
        pytest.param(checkout_url(currency="sar"), "only Saudi riyals", id="currency-case"),
        pytest.param(
            checkout_url(return_url="/payments/card/return"),
            "return to the merchant is not valid",
            id="relative-return",
        ),
        pytest.param(
            checkout_url(return_url="javascript:alert(1)"),
            "return to the merchant is not valid",
            id="javascript-return",
        ),
        pytest.param(
            checkout_url(return_url="ftp://absher.test/return"),
            "return to the merchant is not valid",
            id="ftp-return",
        ),
        pytest.param(
            checkout_url(return_url="https:///return"),
            "return to the merchant is not valid",
            id="hostless-return",
        ),
        pytest.param(
            checkout_url(reference="x" * 41), "reference is not valid", id="long-reference"
        ),
        pytest.param(
            checkout_url(reference="chk/../1"), "reference is not valid", id="reference-chars"
        ),
        pytest.param(
            checkout_url(description="x" * 201), "description is not valid", id="description"
        ),
        pytest.param(checkout_url(reference=""), "request is incomplete", id="no-reference"),
        pytest.param(
            checkout_url() + "&amount=15000", "appears more than once", id="repeated-amount"
        ),
    ],
)
def test_a_checkout_the_gateway_cannot_trust_or_read_is_refused_and_nothing_is_stored(
    client, url, reason
):
    _refused(client, url, reason)


def test_a_missing_field_is_refused_even_when_what_remains_is_signed(client):
    params = checkout_params()
    del params["currency"]
    params["signature"] = sign(params)

    _refused(client, f"/sandbox-gateway/pay/?{urlencode(params)}", "request is incomplete")


def test_an_upper_case_signature_is_the_same_signature(client):
    response = client.get(checkout_url(signature=sign(checkout_params()).upper()))

    assert response.status_code == 200


def test_a_refusal_after_a_good_signature_offers_the_way_back_to_the_platform(client):
    html = _refused(client, checkout_url(currency="USD"), "only Saudi riyals")

    assert 'href="https://absher.test/"' in html


def test_a_refusal_with_a_bad_signature_links_nowhere(client):
    html = _refused(client, checkout_url(signature="f" * 64), "signature is missing or not valid")

    assert "absher.test" not in html


def test_a_description_of_exactly_200_characters_is_accepted(client):
    response = client.get(checkout_url(description="ب" * 200))

    assert response.status_code == 200
    assert SandboxCheckout.objects.get().description == "ب" * 200


def test_a_later_visit_with_the_same_reference_opens_the_same_checkout(client):
    first = open_checkout(client)

    again = client.get(checkout_url(lang="en"))

    assert again.status_code == 200
    assert SandboxCheckout.objects.count() == 1
    checkout = SandboxCheckout.objects.get()
    assert checkout.token == first.token
    assert checkout.lang == "en"


def test_a_later_visit_with_another_amount_is_refused_and_changes_nothing(client):
    open_checkout(client)

    response = client.get(checkout_url(amount="100"))

    assert response.status_code == 400
    assert "The amount differs from the one first recorded" in response.content.decode()
    checkout = SandboxCheckout.objects.get()
    assert checkout.amount == 15000
    assert checkout.status == "open"


def test_the_checkout_page_of_an_unknown_token_is_not_found(client):
    response = client.get("/sandbox-gateway/pay/cs_unknown/")

    assert response.status_code == 404
    assert "Payment not found" in response.content.decode()
    assert "عملية الدفع غير موجودة" in response.content.decode()


def test_a_post_to_the_signed_entry_is_refused(client):
    response = client.post(checkout_url())

    assert response.status_code == 405
    assert SandboxCheckout.objects.count() == 0


def test_a_refusal_page_offers_no_language_switch(client):
    html = client.get(checkout_url(signature="0" * 64)).content.decode()

    assert "?lang=" not in html
