"""A gateway with a signed hosted payment page (the redirection integration many gateways offer,
and the one the sandbox gateway speaks): the checkout travels in the browser's redirect as signed
parameters, the outcome comes back the same way on the return and by a signed webhook, and refunds
are a signed server-to-server call. The protocol is described in sandbox_gateway/README.md."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlencode, urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from absher.accounts.selectors import partner_get
from absher.accounts.services.partners import signature_compute
from absher.core import clock
from absher.payments.providers.base import (
    CardGateway,
    CheckoutRequest,
    GatewayOutcome,
    GatewayRefused,
    GatewayUnavailable,
    outcome_is_valid,
)
from absher.payments.providers.registry import gateway_register

REFUND_TIMEOUT_SECONDS = 10
_RETURN_FIELDS = ("partner", "reference", "status", "charge_id", "amount", "signature")


def params_sign(params: Mapping[str, str], secret: str) -> str:
    message = "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "signature")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _refused() -> GatewayRefused:
    return GatewayRefused(
        "bad_gateway_signature",
        _("The payment result could not be verified. Nothing was paid from this page."),
    )


class HostedPageGateway(CardGateway):
    name = "hosted"

    def __init__(self, *, page_url: str, api_url: str, partner: str) -> None:
        self.page_url = page_url
        self.api_url = api_url
        self._partner = partner

    @property
    def partner_code(self) -> str:
        return self._partner

    def _secret(self) -> str:
        partner = partner_get(code=self._partner)
        if partner is None or not partner.is_active:
            raise GatewayUnavailable()
        return partner.secret

    def checkout_url(self, checkout: CheckoutRequest) -> str:
        params = {
            "partner": self._partner,
            "reference": checkout.reference,
            "amount": str(checkout.amount_halalas),
            "currency": "SAR",
            "description": checkout.description[:200],
            "return_url": checkout.return_url,
            "expires": str(int(checkout.expires_at.timestamp())),
            "lang": "en" if checkout.language == "en" else "ar",
        }
        params["signature"] = params_sign(params, self._secret())
        return f"{urljoin(self.page_url, 'pay/')}?{urlencode(params)}"

    def return_read(self, params: Mapping[str, str]) -> GatewayOutcome:
        values = {key: str(params.get(key, "")) for key in _RETURN_FIELDS}
        if values["partner"] != self._partner:
            raise _refused()
        expected = params_sign(values, self._secret())
        if not hmac.compare_digest(expected, values["signature"].lower()):
            raise _refused()
        if not outcome_is_valid(values["status"]) or not values["amount"].isascii():
            raise _refused()
        if not values["amount"].isdigit():
            raise _refused()
        return GatewayOutcome(
            reference=values["reference"],
            outcome=values["status"],
            charge_id=values["charge_id"],
            amount_halalas=int(values["amount"]),
        )

    def charge_refund(self, *, charge_id: str, amount_halalas: int) -> None:
        url = urljoin(self.api_url, "api/refunds")
        if urlsplit(url).scheme not in ("http", "https"):
            # A relative or file: URL is a configuration mistake, never a gateway.
            raise GatewayUnavailable()
        body = json.dumps({"charge_id": charge_id, "amount": amount_halalas}).encode()
        timestamp = str(int(clock.now().timestamp()))
        nonce = secrets.token_urlsafe(24)
        signature = signature_compute(
            secret=self._secret(),
            timestamp=timestamp,
            nonce=nonce,
            method="POST",
            path=urlsplit(url).path,
            body=body,
        )
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Partner": self._partner,
                "X-Timestamp": timestamp,
                "X-Nonce": nonce,
                "X-Signature": signature,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=REFUND_TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310  # http(s) checked above
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                raise GatewayUnavailable() from error
            raise GatewayRefused(
                "card_refund_refused", _("The card gateway refused to return the charge.")
            ) from error
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise GatewayUnavailable() from error
        if answer.get("result") not in ("refunded", "already_refunded"):
            raise GatewayUnavailable()


def _sandbox() -> CardGateway:
    return HostedPageGateway(
        page_url=settings.CARD_GATEWAY_URL,
        api_url=settings.CARD_GATEWAY_API_URL or settings.CARD_GATEWAY_URL,
        partner=settings.CARD_GATEWAY_PARTNER,
    )


gateway_register("sandbox", _sandbox)
gateway_register("hosted", _sandbox)
