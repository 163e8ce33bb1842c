from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from absher.core.models import BaseModel
from absher.payments.constants import (
    BillStatus,
    CheckoutStatus,
    FulfilmentStatus,
    NotificationResult,
    PaymentChannel,
)


class Bill(BaseModel):
    """A SADAD bill: what a person owes for one thing (a service request, a transfer fee)."""

    sadad_number = models.CharField(_("SADAD number"), max_length=13, unique=True)
    biller_code = models.CharField(_("biller code"), max_length=3)
    amount_halalas = models.PositiveBigIntegerField(_("amount in halalas"))
    payer = models.ForeignKey("identity.Person", on_delete=models.PROTECT, related_name="bills")
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT)
    # What the bill pays for: a purpose registered with the fulfilment registry and its id.
    purpose = models.CharField(max_length=40)
    purpose_id = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=BillStatus.choices, default=BillStatus.UNPAID)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_channel = models.CharField(max_length=8, choices=PaymentChannel.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_halalas__gt=0), name="payments_bill_positive"
            ),
            models.UniqueConstraint(
                fields=["purpose", "purpose_id"],
                condition=Q(status="unpaid"),
                name="payments_one_unpaid_bill_per_purpose",
            ),
        ]
        indexes = [
            models.Index(
                fields=["payer", "issued_at"],
                condition=Q(status="unpaid"),
                name="payments_unpaid_by_payer",
            ),
            models.Index(fields=["payer", "-issued_at"], name="payments_bills_by_payer"),
        ]

    def __str__(self) -> str:
        return f"bill {self.sadad_number}"


class BillEvent(BaseModel):
    """The history of a bill: every status change, when and by whom."""

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor_type = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.bill_id}: {self.from_status}->{self.to_status}"


class Payment(BaseModel):
    """The one payment of a bill. The one-to-one key is what makes paying exactly once."""

    bill = models.OneToOneField(Bill, on_delete=models.PROTECT, related_name="payment")
    channel = models.CharField(max_length=8, choices=PaymentChannel.choices)
    amount_halalas = models.PositiveBigIntegerField()
    partner_code = models.CharField(max_length=40)
    # "bank_code:bank_reference" for SADAD (16 + 1 + 64), the gateway's id for cards.
    external_reference = models.CharField(max_length=100)
    paid_at = models.DateTimeField()
    # The receipt's public code: its QR code opens the verification page by it. Random, so
    # receipts cannot be listed by counting.
    receipt_code = models.CharField(max_length=32, unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner_code", "external_reference"], name="payments_reference_once"
            )
        ]

    def __str__(self) -> str:
        return f"payment {self.pk}"


class BankNotification(BaseModel):
    """Every payment notification a bank sent, whatever became of it (for reconciliation)."""

    partner_code = models.CharField(max_length=40)
    sadad_number = models.CharField(max_length=32)
    amount_halalas = models.BigIntegerField(null=True, blank=True)
    bank_code = models.CharField(max_length=16, blank=True)
    bank_reference = models.CharField(max_length=64, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    result = models.CharField(max_length=10, choices=NotificationResult.choices)
    reason = models.CharField(max_length=40, blank=True)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["received_at"], name="payments_notifications_by_day")]

    def __str__(self) -> str:
        return f"notification {self.pk} {self.result}"


class Fulfilment(BaseModel):
    """Transactional outbox: written with the payment, processed by a task, so a crash between the
    two loses nothing and repeats nothing."""

    bill = models.OneToOneField(Bill, on_delete=models.PROTECT, related_name="fulfilment")
    status = models.CharField(
        max_length=8, choices=FulfilmentStatus.choices, default=FulfilmentStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="payments_fulfilment_pending",
            )
        ]

    def __str__(self) -> str:
        return f"fulfilment {self.pk} {self.status}"


class CardCheckout(BaseModel):
    """One visit to the card gateway's hosted page to pay one bill. The platform never sees the
    card: it sends the person to the gateway with a signed checkout and learns the outcome from
    the signed return and the gateway's signed webhook, whichever comes first."""

    reference = models.CharField(max_length=40, unique=True)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="card_checkouts")
    person = models.ForeignKey("identity.Person", on_delete=models.PROTECT)
    gateway = models.CharField(max_length=40)
    amount_halalas = models.PositiveBigIntegerField()
    status = models.CharField(
        max_length=10, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN
    )
    expires_at = models.DateTimeField()
    charge_id = models.CharField(max_length=64, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=10, blank=True)  # "return" or "webhook"
    # A charge that came after the bill was closed is handed back; set once the gateway confirms.
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bill"],
                condition=Q(status="open"),
                name="payments_one_open_checkout_per_bill",
            ),
        ]

    def __str__(self) -> str:
        return f"checkout {self.reference} {self.status}"


class CardNotification(BaseModel):
    """Every outcome the card gateway reported (by the return or the webhook), whatever became
    of it: the card channel's side of reconciliation."""

    gateway = models.CharField(max_length=40)
    source = models.CharField(max_length=10)
    reference = models.CharField(max_length=40)
    charge_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=20)
    amount_halalas = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField()
    result = models.CharField(max_length=10, choices=NotificationResult.choices)
    reason = models.CharField(max_length=40, blank=True)
    checkout = models.ForeignKey(CardCheckout, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["received_at"], name="payments_card_notes_by_day")]

    def __str__(self) -> str:
        return f"card notification {self.pk} {self.result}"
