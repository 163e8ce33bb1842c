import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BillStatus(models.TextChoices):
    """A SADAD bill (فاتورة سداد)."""

    UNPAID = "unpaid", pgettext_lazy("bill status", "Unpaid")
    PAID = "paid", pgettext_lazy("bill status", "Paid")
    EXPIRED = "expired", pgettext_lazy("bill status", "Expired")
    CANCELLED = "cancelled", pgettext_lazy("bill status", "Cancelled")
    REFUNDED = "refunded", pgettext_lazy("bill status", "Refunded")


BILL_TRANSITIONS: dict[str, frozenset[str]] = {
    BillStatus.UNPAID: frozenset({BillStatus.PAID, BillStatus.EXPIRED, BillStatus.CANCELLED}),
    BillStatus.PAID: frozenset({BillStatus.REFUNDED}),
    BillStatus.EXPIRED: frozenset(),
    BillStatus.CANCELLED: frozenset(),
    BillStatus.REFUNDED: frozenset(),
}
BILL_FINAL_STATUSES = frozenset(s for s, nexts in BILL_TRANSITIONS.items() if not nexts)


class PaymentChannel(models.TextChoices):
    SADAD = "sadad", _("Bank or ATM (SADAD)")
    CARD = "card", _("Credit or debit card")


class NotificationResult(models.TextChoices):
    APPLIED = "applied", pgettext_lazy("bank notification result", "Applied")
    DUPLICATE = "duplicate", pgettext_lazy("bank notification result", "Duplicate")
    REJECTED = "rejected", pgettext_lazy("bank notification result", "Rejected")


class CheckoutStatus(models.TextChoices):
    """A card checkout: one visit to the gateway's hosted page for one bill."""

    OPEN = "open", pgettext_lazy("card checkout status", "Open")
    PAID = "paid", pgettext_lazy("card checkout status", "Paid")
    FAILED = "failed", pgettext_lazy("card checkout status", "Failed")
    # Charged by the gateway after the bill was already paid, expired or cancelled: the charge
    # is handed back to the card.
    REFUNDED = "refunded", pgettext_lazy("card checkout status", "Charge returned")


CHECKOUT_TRANSITIONS: dict[str, frozenset[str]] = {
    CheckoutStatus.OPEN: frozenset(
        {CheckoutStatus.PAID, CheckoutStatus.FAILED, CheckoutStatus.REFUNDED}
    ),
    # A failure the gateway reported may be followed by its success for the same checkout (a
    # timeout that went through in the end); a success is never undone by a later failure.
    CheckoutStatus.FAILED: frozenset({CheckoutStatus.PAID, CheckoutStatus.REFUNDED}),
    CheckoutStatus.PAID: frozenset(),
    CheckoutStatus.REFUNDED: frozenset(),
}


class FulfilmentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("fulfilment status", "Pending")
    DONE = "done", pgettext_lazy("fulfilment status", "Done")
    FAILED = "failed", pgettext_lazy("fulfilment status", "Failed")


MAX_BILL_LIFETIME = dt.timedelta(days=29)
DEFAULT_BILL_LIFETIME = dt.timedelta(days=29)
# How far a bank's clock may run ahead of ours (SPEC 13: paid_at at most 5 minutes ahead); the
# same margin lets a payment be stamped a little before the bill's issue.
PAID_AT_FUTURE_TOLERANCE = dt.timedelta(minutes=5)
# Times outside these bounds are not payment times (and would not fit a database timestamp).
PAID_AT_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
PAID_AT_STORABLE_LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)
SADAD_NUMBER_DIGITS = 13
# A bank's batch of payment notifications: at most this many in one request, applied in chunks of
# SADAD_BATCH_CHUNK per transaction (each chunk holds the audit chain's lock until it commits, so a
# chunk is kept short: other audited writes wait behind it).
SADAD_BATCH_MAX_ITEMS = 1000
SADAD_BATCH_CHUNK = 25
# Far above any fee; keeps every amount inside a 64-bit column and refuses absurd notifications.
MAX_AMOUNT_HALALAS = 10**12
# After this many failed runs a fulfilment stops being retried and waits for an operator.
FULFILMENT_MAX_ATTEMPTS = 10
# A pending fulfilment older than this was lost on its way to the queue (a crash after commit).
FULFILMENT_REDISPATCH_AFTER = dt.timedelta(minutes=10)
# How long the gateway's hosted page accepts a checkout; a new one is made after that.
CHECKOUT_LIFETIME = dt.timedelta(minutes=30)
CHECKOUT_REFERENCE_BYTES = 18
RECEIPT_CODE_BYTES = 15
