"""What the sandbox gateway does: open a checkout from the platform's signed parameters, charge a
card at most once, run the 3-D Secure challenge, cancel, refund, and build the signed return.

Every change of a checkout happens inside `transaction.atomic()` after locking its row
(`_checkout_lock`), so two tabs submitting the same checkout are served one after the other and the
second finds it already paid."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, transaction

from sandbox_gateway import clock
from sandbox_gateway.cards import CardRead
from sandbox_gateway.constants import (
    AMOUNT_PATTERN,
    ATTEMPT_PREFIX,
    CHARGE_PREFIX,
    CHECKOUT_FINAL,
    CHECKOUT_PAGE_PREFIX,
    CHECKOUT_PARAMS,
    CURRENCY,
    DESCRIPTION_MAX_LENGTH,
    EXPIRES_PATTERN,
    ID_RANDOM_BYTES,
    REFERENCE_PATTERN,
    RETURN_PARAMS,
    RETURN_URL_MAX_LENGTH,
    THREE_DS_PASSING_CODE,
    AttemptStatus,
    CardBehaviour,
    CheckoutStatus,
)
from sandbox_gateway.models import SandboxAttempt, SandboxCheckout
from sandbox_gateway.signing import params_sign, params_signature_is_valid
from sandbox_gateway.text import language_choose
from sandbox_gateway.webhooks import webhook_schedule

logger = logging.getLogger(__name__)


def id_new(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(ID_RANDOM_BYTES)


# --- Checkout: the platform's signed redirect ------------------------------------------------


class CheckoutRefused(Exception):
    """A checkout the hosted page will not open; nothing is stored. `merchant_home` is the
    platform's address when the request was signed, so the page can offer a way back."""

    def __init__(self, code: str, *, merchant_home: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.merchant_home = merchant_home


@dataclass(frozen=True)
class CheckoutParams:
    partner: str
    reference: str
    amount: int
    currency: str
    description: str
    return_url: str
    expires_at: dt.datetime
    lang: str


def _return_url_is_valid(url: str) -> bool:
    if len(url) > RETURN_URL_MAX_LENGTH or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _merchant_home(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def checkout_params_read(query: Mapping[str, list[str]]) -> CheckoutParams:
    """The checkout carried by the hosted page's query string, or CheckoutRefused."""
    if any(len(values) != 1 for values in query.values()):
        raise CheckoutRefused("repeated_parameter")
    params = {key: values[0] for key, values in query.items()}
    partner = params.get("partner", "")
    if not hmac.compare_digest(partner.encode(), settings.SANDBOX_GATEWAY_PARTNER.encode()):
        raise CheckoutRefused("unknown_partner")
    if not params_signature_is_valid(params):
        raise CheckoutRefused("bad_signature")

    return_url = params.get("return_url", "")
    home = _merchant_home(return_url) if _return_url_is_valid(return_url) else ""
    if any(not params.get(name) for name in CHECKOUT_PARAMS if name != "lang"):
        raise CheckoutRefused("missing_parameter", merchant_home=home)
    if not home:
        raise CheckoutRefused("bad_return_url")
    if not REFERENCE_PATTERN.fullmatch(params["reference"]):
        raise CheckoutRefused("bad_reference", merchant_home=home)
    if not AMOUNT_PATTERN.fullmatch(params["amount"]):
        raise CheckoutRefused("bad_amount", merchant_home=home)
    if params["currency"] != CURRENCY:
        raise CheckoutRefused("bad_currency", merchant_home=home)
    if len(params["description"]) > DESCRIPTION_MAX_LENGTH:
        raise CheckoutRefused("bad_description", merchant_home=home)
    if not EXPIRES_PATTERN.fullmatch(params["expires"]):
        raise CheckoutRefused("bad_expires", merchant_home=home)
    expires_at = dt.datetime.fromtimestamp(int(params["expires"]), tz=dt.UTC)
    if expires_at <= clock.now():
        raise CheckoutRefused("expired", merchant_home=home)
    return CheckoutParams(
        partner=partner,
        reference=params["reference"],
        amount=int(params["amount"]),
        currency=params["currency"],
        description=params["description"],
        return_url=return_url,
        expires_at=expires_at,
        lang=language_choose(params.get("lang")),
    )


def checkout_open(*, params: CheckoutParams) -> SandboxCheckout:
    """The stored checkout of this reference, created by its first valid visit. A later visit
    must carry the same amount; its language is kept for the pages that follow."""
    checkout = SandboxCheckout.objects.filter(reference=params.reference).first()
    if checkout is None:
        try:
            with transaction.atomic():
                checkout = SandboxCheckout.objects.create(
                    reference=params.reference,
                    token=id_new(CHECKOUT_PAGE_PREFIX),
                    partner=params.partner,
                    amount=params.amount,
                    currency=params.currency,
                    description=params.description,
                    return_url=params.return_url,
                    lang=params.lang,
                    expires_at=params.expires_at,
                )
            logger.info("sandbox_gateway.checkout.opened reference=%s", checkout.reference)
            return checkout
        except IntegrityError:
            # Another visit of the same reference created it a moment ago.
            checkout = SandboxCheckout.objects.get(reference=params.reference)
    if checkout.amount != params.amount:
        raise CheckoutRefused("amount_changed", merchant_home=_merchant_home(params.return_url))
    if checkout.lang != params.lang:
        SandboxCheckout.objects.filter(pk=checkout.pk).update(lang=params.lang)
        checkout.lang = params.lang
    return checkout


def checkout_is_expired(checkout: SandboxCheckout) -> bool:
    return clock.now() >= checkout.expires_at


# --- Outcomes ---------------------------------------------------------------------------------


class OutcomeKind(StrEnum):
    RETURNED = "returned"  # an outcome to send the person back with
    CHALLENGE = "challenge"  # 3-D Secure: ask for the one-time code
    ALREADY_PAID = "already_paid"  # paid before (another tab): sent back with that success
    EXPIRED = "expired"  # too late to try; nothing charged
    STALE = "stale"  # a 3-D Secure page whose attempt was already decided


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    checkout: SandboxCheckout
    attempt: SandboxAttempt | None = None
    status: str = ""
    charge_id: str = ""


def _checkout_lock(checkout_id: int) -> SandboxCheckout:
    return SandboxCheckout.objects.select_for_update().get(pk=checkout_id)


def _already_paid(checkout: SandboxCheckout) -> Outcome:
    return Outcome(
        kind=OutcomeKind.ALREADY_PAID,
        checkout=checkout,
        status=CheckoutStatus.PAID,
        charge_id=checkout.charge_id,
    )


def _charge(*, checkout: SandboxCheckout, attempt: SandboxAttempt, webhook_url: str) -> Outcome:
    now = clock.now()
    attempt.status = AttemptStatus.PAID
    attempt.decided_at = now
    attempt.save()
    checkout.status = CheckoutStatus.PAID
    checkout.charge_id = id_new(CHARGE_PREFIX)
    checkout.card_last4 = attempt.card_last4
    checkout.paid_at = now
    checkout.save(update_fields=["status", "charge_id", "card_last4", "paid_at", "updated_at"])
    webhook_schedule(
        checkout=checkout,
        status=CheckoutStatus.PAID,
        charge_id=checkout.charge_id,
        occurred_at=now,
        url=webhook_url,
    )
    logger.info(
        "sandbox_gateway.checkout.paid reference=%s attempt=%s",
        checkout.reference,
        attempt.attempt_id,
    )
    return Outcome(
        kind=OutcomeKind.RETURNED,
        checkout=checkout,
        attempt=attempt,
        status=CheckoutStatus.PAID,
        charge_id=checkout.charge_id,
    )


def _fail(
    *, checkout: SandboxCheckout, attempt: SandboxAttempt, status: str, webhook_url: str
) -> Outcome:
    """A decline, a failed 3-D Secure or an issuer that did not answer: nothing charged, and the
    person may try again while the checkout lasts."""
    now = clock.now()
    attempt.status = status
    attempt.decided_at = now
    attempt.save()
    checkout.status = status
    checkout.card_last4 = attempt.card_last4
    checkout.save(update_fields=["status", "card_last4", "updated_at"])
    webhook_schedule(
        checkout=checkout,
        status=status,
        charge_id=attempt.attempt_id,
        occurred_at=now,
        url=webhook_url,
    )
    logger.info(
        "sandbox_gateway.checkout.failed reference=%s attempt=%s status=%s",
        checkout.reference,
        attempt.attempt_id,
        status,
    )
    return Outcome(
        kind=OutcomeKind.RETURNED,
        checkout=checkout,
        attempt=attempt,
        status=status,
        charge_id=attempt.attempt_id,
    )


_FAILURES = {
    CardBehaviour.DECLINE: AttemptStatus.DECLINED,
    CardBehaviour.NO_ANSWER: AttemptStatus.TIMEOUT,
}


def checkout_pay(*, checkout_id: int, card: CardRead, webhook_url: str) -> Outcome:
    """Submits a card for a checkout: charged at most once, whatever arrives at the same time."""
    with transaction.atomic():
        checkout = _checkout_lock(checkout_id)
        if checkout.status in CHECKOUT_FINAL:
            return _already_paid(checkout)
        if checkout_is_expired(checkout):
            return Outcome(kind=OutcomeKind.EXPIRED, checkout=checkout)
        attempt = SandboxAttempt(
            attempt_id=id_new(ATTEMPT_PREFIX), checkout=checkout, card_last4=card.last4
        )
        if card.behaviour == CardBehaviour.APPROVE:
            return _charge(checkout=checkout, attempt=attempt, webhook_url=webhook_url)
        if card.behaviour == CardBehaviour.CHALLENGE:
            attempt.status = AttemptStatus.AWAITING_3DS
            attempt.save()
            return Outcome(kind=OutcomeKind.CHALLENGE, checkout=checkout, attempt=attempt)
        return _fail(
            checkout=checkout,
            attempt=attempt,
            status=_FAILURES[card.behaviour],
            webhook_url=webhook_url,
        )


def attempt_challenge_answer(
    *, checkout_id: int, attempt_id: str, code: str, webhook_url: str
) -> Outcome:
    """The one-time code of a 3-D Secure challenge: the passing code charges (at most once),
    anything else fails the attempt."""
    with transaction.atomic():
        checkout = _checkout_lock(checkout_id)
        if checkout.status in CHECKOUT_FINAL:
            return _already_paid(checkout)
        attempt = checkout.attempts.filter(attempt_id=attempt_id).first()
        if attempt is None or attempt.status != AttemptStatus.AWAITING_3DS:
            return Outcome(kind=OutcomeKind.STALE, checkout=checkout)
        if checkout_is_expired(checkout):
            return Outcome(kind=OutcomeKind.EXPIRED, checkout=checkout)
        if hmac.compare_digest(code.encode(), THREE_DS_PASSING_CODE.encode()):
            return _charge(checkout=checkout, attempt=attempt, webhook_url=webhook_url)
        return _fail(
            checkout=checkout,
            attempt=attempt,
            status=AttemptStatus.THREE_DS_FAILED,
            webhook_url=webhook_url,
        )


def checkout_cancel(*, checkout_id: int) -> Outcome:
    """The person leaves without paying (from the card form or the 3-D Secure page): any
    challenge still open is abandoned. A paid checkout stays paid. No webhook for a cancel."""
    with transaction.atomic():
        checkout = _checkout_lock(checkout_id)
        if checkout.status in CHECKOUT_FINAL:
            return _already_paid(checkout)
        checkout.attempts.filter(status=AttemptStatus.AWAITING_3DS).update(
            status=AttemptStatus.CANCELLED, decided_at=clock.now()
        )
        checkout.status = CheckoutStatus.CANCELLED
        checkout.save(update_fields=["status", "updated_at"])
        logger.info("sandbox_gateway.checkout.cancelled reference=%s", checkout.reference)
        return Outcome(
            kind=OutcomeKind.RETURNED, checkout=checkout, status=CheckoutStatus.CANCELLED
        )


# --- The browser's return ---------------------------------------------------------------------


def return_params(*, checkout: SandboxCheckout, status: str, charge_id: str) -> dict[str, str]:
    return params_sign(
        {
            "partner": checkout.partner,
            "reference": checkout.reference,
            "status": status,
            "charge_id": charge_id,
            "amount": str(checkout.amount),
        }
    )


def return_url_build(*, checkout: SandboxCheckout, status: str, charge_id: str) -> str:
    """The checkout's return_url with the signed outcome appended to its query string (a
    parameter of the return_url with one of the outcome's names gives way to it)."""
    parts = urlsplit(checkout.return_url)
    kept = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key not in RETURN_PARAMS
    ]
    signed = return_params(checkout=checkout, status=status, charge_id=charge_id)
    query = urlencode([*kept, *signed.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


# --- Refunds (the platform's signed API call) -------------------------------------------------


class RefundRefused(Exception):
    def __init__(self, code: str, http_status: int) -> None:
        super().__init__(code)
        self.code = code
        self.http_status = http_status


def charge_refund(*, charge_id: str, amount: int) -> str:
    """Hands a charge back to the card: `refunded`, or `already_refunded` when asked again."""
    with transaction.atomic():
        checkout = (
            SandboxCheckout.objects.select_for_update()
            .filter(charge_id=charge_id)
            .exclude(charge_id="")
            .first()
        )
        if checkout is None:
            raise RefundRefused("charge_not_found", 404)
        if amount != checkout.amount:
            raise RefundRefused("amount_mismatch", 422)
        if checkout.status == CheckoutStatus.REFUNDED:
            return "already_refunded"
        checkout.status = CheckoutStatus.REFUNDED
        checkout.refunded_at = clock.now()
        checkout.save(update_fields=["status", "refunded_at", "updated_at"])
        logger.info("sandbox_gateway.charge.refunded reference=%s", checkout.reference)
        return "refunded"
