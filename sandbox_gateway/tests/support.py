"""Helpers of the sandbox gateway's tests. Signatures are computed here again, straight from the
protocol's words, so that a mistake in sandbox_gateway/signing.py cannot hide itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.test import Client

from sandbox_gateway.models import SandboxCheckout

NOW = dt.datetime(2030, 3, 10, 9, 30, tzinfo=dt.UTC)
SUCCESS_CARD = "4111 1111 1111 1111"
DECLINED_CARD = "4000 0000 0000 0002"
CHALLENGE_CARD = "4000 0000 0000 3220"
TIMEOUT_CARD = "4000 0000 0000 0119"
# Passes the Luhn check but is not a test card: declined.
OTHER_VALID_CARD = "5555 5555 5555 4444"
ALL_CARDS = (SUCCESS_CARD, DECLINED_CARD, CHALLENGE_CARD, TIMEOUT_CARD, OTHER_VALID_CARD)
RETURN_URL = "https://absher.test/payments/card/return"
WEBHOOK_URL = "http://testserver/api/v1/integrations/card-gateway/webhook"


def sign(params: dict[str, str], secret: str | None = None) -> str:
    """hex HMAC-SHA256(secret, "&".join(f"{k}={v}" for sorted params but "signature"))."""
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "signature")
    key = (secret or settings.SANDBOX_GATEWAY_SECRET).encode()
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_request(*, timestamp: str, nonce: str, method: str, path: str, body: bytes) -> str:
    message = f"{timestamp}.{nonce}.{method}.{path}.".encode() + body
    key = settings.SANDBOX_GATEWAY_SECRET.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def checkout_params(**overrides: str) -> dict[str, str]:
    """A checkout as the platform sends it, signed (an override of `signature` replaces it)."""
    params = {
        "partner": settings.SANDBOX_GATEWAY_PARTNER,
        "reference": "chk_Ab3-dE9_xYz",
        "amount": "15000",
        "currency": "SAR",
        "description": "تجديد هوية مقيم — Iqama renewal",
        "return_url": RETURN_URL,
        "expires": str(int((NOW + dt.timedelta(minutes=30)).timestamp())),
        "lang": "ar",
    }
    params.update({key: value for key, value in overrides.items() if key != "signature"})
    params = {key: value for key, value in params.items() if value is not None}
    params["signature"] = overrides.get("signature", sign(params))
    return params


def checkout_url(**overrides: str) -> str:
    return f"/sandbox-gateway/pay/?{urlencode(checkout_params(**overrides))}"


def open_checkout(client: Client, **overrides: str) -> SandboxCheckout:
    response = client.get(checkout_url(**overrides))
    assert response.status_code == 200, response.content.decode()[:500]
    return SandboxCheckout.objects.get(reference=checkout_params(**overrides)["reference"])


def page_url(checkout: SandboxCheckout) -> str:
    return f"/sandbox-gateway/pay/{checkout.token}/"


def card_form(number: str = SUCCESS_CARD, **overrides: str) -> dict[str, str]:
    form = {
        "cardholder": "Noura Al-Harbi",
        "card_number": number,
        "expiry": "12/31",
        "cvv": "123",
        "action": "pay",
    }
    form.update(overrides)
    return form


def pay(client: Client, checkout: SandboxCheckout, number: str = SUCCESS_CARD, **overrides: str):
    return client.post(page_url(checkout), card_form(number, **overrides))


def returned(response) -> dict[str, str]:
    """The outcome the browser carries back to the platform, once its signature checks out."""
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert location.startswith(RETURN_URL + "?"), location
    params = dict(parse_qsl(urlsplit(location).query, keep_blank_values=True))
    assert set(params) == {"partner", "reference", "status", "charge_id", "amount", "signature"}
    assert hmac.compare_digest(params["signature"], sign(params))
    return params


def link_params(html: str) -> dict[str, str]:
    """The signed outcome carried by the page's "Return to Absher" link."""
    match = re.search(r'href="(https://absher\.test/payments/card/return\?[^"]+)"', html)
    assert match is not None, "no link back to the platform"
    query = urlsplit(match.group(1).replace("&amp;", "&")).query
    params = dict(parse_qsl(query, keep_blank_values=True))
    assert hmac.compare_digest(params["signature"], sign(params))
    return params


def challenge_url(response) -> str:
    assert response.status_code == 302
    location = response["Location"]
    assert re.fullmatch(r"/sandbox-gateway/pay/cs_[\w-]{24}/3ds/at_[\w-]{24}/\?lang=\w\w", location)
    return location.split("?")[0]
