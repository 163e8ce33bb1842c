import uuid

from django.db import models
from django.db.models import F, Q

from absher.core.models import BaseModel
from absher.transfers.constants import (
    TRANSFER_OPEN_STATUSES,
    PartyRole,
    TransferStatus,
    TransferStep,
)


class TransferSession(BaseModel):
    """Step 5 of the source: the current sponsor confirmed a code and may now preview transfers
    for a short while (TRANSFER_SESSION_SECONDS), until a transfer is created from the session."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="transfer_sessions"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"transfer session {self.pk}"


class TransferRequest(BaseModel):
    """A request to transfer a worker's services (نقل خدمات عامل) from the current sponsor to a
    new one: the new sponsor accepts within the window, pays the fee, and the worker moves."""

    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT)
    worker = models.ForeignKey(
        "identity.Person", on_delete=models.PROTECT, related_name="transfers_as_worker"
    )
    current_sponsor = models.ForeignKey(
        "identity.Person", on_delete=models.PROTECT, related_name="transfers_outgoing"
    )
    new_sponsor = models.ForeignKey(
        "identity.Person", on_delete=models.PROTECT, related_name="transfers_incoming"
    )
    status = models.CharField(
        max_length=20, choices=TransferStatus.choices, default=TransferStatus.PENDING_ACCEPTANCE
    )
    fee_halalas = models.PositiveBigIntegerField()
    # Acceptance must come before this moment (creation + the acceptance window), to the second.
    expires_at = models.DateTimeField()
    bill = models.OneToOneField(
        "payments.Bill",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfer",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=500, blank=True)
    failed_conditions = models.JSONField(default=list, blank=True)
    # The worker-consent policy as it was when the request was made.
    worker_consent_required = models.BooleanField(default=False)
    worker_consented_at = models.DateTimeField(null=True, blank=True)
    # Transfer without the sponsor's consent (SPEC 9): approved by an officer on a case.
    is_without_consent = models.BooleanField(default=False)
    case_reference = models.CharField(max_length=64, blank=True)
    # Each reminder goes once: the sweep claims the column with a conditional update.
    reminder_48h_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_24h_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["worker"],
                condition=Q(status__in=sorted(TRANSFER_OPEN_STATUSES)),
                name="transfers_one_open_per_worker",
            ),
            models.CheckConstraint(
                condition=~Q(new_sponsor=F("current_sponsor")) & ~Q(new_sponsor=F("worker")),
                name="transfers_new_sponsor_is_someone_else",
            ),
        ]
        indexes = [
            models.Index(fields=["current_sponsor", "-created_at"], name="transfers_outgoing"),
            models.Index(fields=["new_sponsor", "-created_at"], name="transfers_incoming"),
            models.Index(fields=["worker", "-created_at"], name="transfers_by_worker"),
            models.Index(
                fields=["expires_at"],
                condition=Q(status="pending_acceptance"),
                name="transfers_pending_by_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"transfer {self.pk}"


class TransferEvent(BaseModel):
    """One line of the request's timeline, the same for every party: what happened, the status
    before and after, and who did it."""

    transfer = models.ForeignKey(TransferRequest, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=30, choices=TransferStep.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor_role = models.CharField(max_length=20, choices=PartyRole.choices)
    actor_type = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.transfer_id}: {self.step}"
