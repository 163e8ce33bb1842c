"""Statuses, test cards and limits of the sandbox card gateway."""

from __future__ import annotations

import re

from django.db import models


class CheckoutStatus(models.TextChoices):
    """A checkout carries the outcome of its latest attempt; only `paid` and `refunded` are final
    (after a decline, a 3-D Secure failure, a timeout or a cancel the person may try again until
    the checkout expires)."""

    OPEN = "open", "open"
    PAID = "paid", "paid"
    DECLINED = "declined", "declined"
    THREE_DS_FAILED = "3ds_failed", "3ds_failed"
    TIMEOUT = "timeout", "timeout"
    CANCELLED = "cancelled", "cancelled"
    REFUNDED = "refunded", "refunded"


CHECKOUT_FINAL = frozenset({CheckoutStatus.PAID, CheckoutStatus.REFUNDED})


class AttemptStatus(models.TextChoices):
    """One card submitted on the hosted page."""

    AWAITING_3DS = "awaiting_3ds", "awaiting_3ds"
    PAID = "paid", "paid"
    DECLINED = "declined", "declined"
    THREE_DS_FAILED = "3ds_failed", "3ds_failed"
    TIMEOUT = "timeout", "timeout"
    CANCELLED = "cancelled", "cancelled"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    DELIVERED = "delivered", "delivered"
    FAILED = "failed", "failed"


class CardBehaviour(models.TextChoices):
    """What the simulated issuer does with a card number."""

    APPROVE = "approve", "approve"
    DECLINE = "decline", "decline"
    CHALLENGE = "challenge", "challenge"
    NO_ANSWER = "no_answer", "no_answer"


# The documented test cards (README); any other valid number is declined.
TEST_CARDS: dict[str, CardBehaviour] = {
    "4111111111111111": CardBehaviour.APPROVE,
    "4000000000000002": CardBehaviour.DECLINE,
    "4000000000003220": CardBehaviour.CHALLENGE,
    "4000000000000119": CardBehaviour.NO_ANSWER,
}
THREE_DS_PASSING_CODE = "1234"

# Statuses the browser's return and the webhook report.
RETURN_STATUSES = frozenset({"paid", "declined", "3ds_failed", "timeout", "cancelled"})

REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,40}")
# Positive halalas without leading zeros, within a 64-bit column.
AMOUNT_PATTERN = re.compile(r"[1-9][0-9]{0,14}")
EXPIRES_PATTERN = re.compile(r"[0-9]{1,11}")
CURRENCY = "SAR"
DESCRIPTION_MAX_LENGTH = 200
RETURN_URL_MAX_LENGTH = 2000
CARDHOLDER_MAX_LENGTH = 100
LANGUAGES = ("ar", "en")
DEFAULT_LANGUAGE = "ar"
# The query parameters of a checkout (the signature covers every parameter sent but `signature`).
CHECKOUT_PARAMS = (
    "partner",
    "reference",
    "amount",
    "currency",
    "description",
    "return_url",
    "expires",
    "lang",
)
RETURN_PARAMS = ("partner", "reference", "status", "charge_id", "amount", "signature")

ID_RANDOM_BYTES = 18  # token_urlsafe(18) is 24 characters
CHARGE_PREFIX = "ch_"
ATTEMPT_PREFIX = "at_"
CHECKOUT_PAGE_PREFIX = "cs_"

# Signed server-to-server requests (webhook out, refund in).
SIGNATURE_WINDOW_SECONDS = 300
NONCE_MEMORY_SECONDS = 600
NONCE_PATTERN = re.compile(r"[!-~]{16,64}")
TIMESTAMP_PATTERN = re.compile(r"[0-9]{1,12}")

WEBHOOK_PATH = "/api/v1/integrations/card-gateway/webhook"
WEBHOOK_MAX_ATTEMPTS = 5
WEBHOOK_TIMEOUT_SECONDS = 10
# Seconds to wait before attempt 2, 3, 4 and 5 (SANDBOX_GATEWAY_WEBHOOK_BACKOFF_SECONDS overrides).
WEBHOOK_BACKOFF_SECONDS = (2.0, 4.0, 8.0, 16.0)

RECENT_ROWS = 50
