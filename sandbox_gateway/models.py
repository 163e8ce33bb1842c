"""What the sandbox gateway remembers. Never a card number or a CVV: an attempt keeps the card's
last four digits only."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from sandbox_gateway.constants import AttemptStatus, CheckoutStatus, DeliveryStatus


class SandboxCheckout(models.Model):
    """One checkout the platform sent (its reference is the platform's), fixed by the first valid
    visit to the hosted page. `token` names its page; `charge_id` is set once it is paid."""

    reference = models.CharField(max_length=40, unique=True)
    token = models.CharField(max_length=40, unique=True)
    partner = models.CharField(max_length=64)
    amount = models.PositiveBigIntegerField(help_text="halalas")
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=200)
    return_url = models.CharField(max_length=2000)
    lang = models.CharField(max_length=2)
    expires_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN
    )
    card_last4 = models.CharField(max_length=4, blank=True)
    charge_id = models.CharField(max_length=40, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["charge_id"],
                condition=~Q(charge_id=""),
                name="sandbox_gateway_one_checkout_per_charge",
            ),
        ]

    def __str__(self) -> str:
        return f"sandbox checkout {self.reference} {self.status}"


class SandboxAttempt(models.Model):
    """One card submitted for a checkout, and what the simulated issuer made of it."""

    attempt_id = models.CharField(max_length=40, unique=True)
    checkout = models.ForeignKey(SandboxCheckout, on_delete=models.CASCADE, related_name="attempts")
    status = models.CharField(max_length=12, choices=AttemptStatus.choices)
    card_last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Charged at most once, whatever the code above does.
            models.UniqueConstraint(
                fields=["checkout"],
                condition=Q(status="paid"),
                name="sandbox_gateway_one_paid_attempt_per_checkout",
            ),
        ]

    def __str__(self) -> str:
        return f"sandbox attempt {self.attempt_id} {self.status}"


class WebhookDelivery(models.Model):
    """One outcome sent to the platform's webhook: the exact body (sent again on every attempt,
    each attempt freshly signed), and how the delivery went."""

    checkout = models.ForeignKey(
        SandboxCheckout, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    outcome = models.CharField(max_length=12)
    url = models.CharField(max_length=2000)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"webhook {self.pk} {self.outcome} {self.status}"
