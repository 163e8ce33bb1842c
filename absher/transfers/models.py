import uuid

from django.db import models
from django.db.models import F, Q

from absher.core.models import BaseModel
from absher.transfers.constants import (
    CASE_OPEN_STATUSES,
    TRANSFER_OPEN_STATUSES,
    CaseRole,
    CaseStatus,
    CaseStep,
    DocumentKind,
    DocumentType,
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


class TransferCase(BaseModel):
    """A case for the transfer of a worker's services without the current sponsor's consent (نقل
    الكفالة بدون موافقة الكفيل), filed by the prospective new sponsor with the documents of the
    checklist and decided by an officer. Approval starts a transfer awaiting the fee."""

    reference = models.CharField(max_length=32, unique=True, null=True, blank=True)
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT)
    filer = models.ForeignKey(
        "identity.Person", on_delete=models.PROTECT, related_name="transfer_cases_filed"
    )
    worker = models.ForeignKey(
        "identity.Person", on_delete=models.PROTECT, related_name="transfer_cases_as_worker"
    )
    # The worker's sponsor when the case was filed (the registry may change meanwhile).
    current_sponsor = models.ForeignKey(
        "identity.Person", on_delete=models.PROTECT, related_name="transfer_cases_against"
    )
    status = models.CharField(
        max_length=30, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField()
    # The officer who took the case for review, and the last officer's note to the filer.
    reviewer = models.ForeignKey(
        "accounts.StaffMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfer_cases_reviewed",
    )
    officer_note = models.CharField(max_length=1000, blank=True)
    requested_documents = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=64, blank=True)
    transfer = models.OneToOneField(
        "transfers.TransferRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["filer", "worker"],
                condition=Q(status__in=sorted(CASE_OPEN_STATUSES)),
                name="transfers_one_open_case_per_filer_and_worker",
            ),
            models.CheckConstraint(
                condition=~Q(filer=F("worker")) & ~Q(filer=F("current_sponsor")),
                name="transfers_case_filer_is_someone_else",
            ),
        ]
        indexes = [
            models.Index(fields=["filer", "-created_at"], name="transfer_cases_by_filer"),
            models.Index(fields=["status", "submitted_at"], name="transfer_cases_queue"),
        ]

    def __str__(self) -> str:
        return self.reference or f"case {self.pk}"


class CaseDocument(BaseModel):
    """One uploaded document of a case. The file lives under CASE_DOCUMENTS_DIR with a random
    name (`storage_name`); its type is what its content is, never what the upload claimed. A
    replaced document keeps its row and file (`is_current` false) for the history."""

    case = models.ForeignKey(TransferCase, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    content_type = models.CharField(max_length=40, choices=DocumentType.choices)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=80, unique=True)
    # The name the uploader's device gave the file, for display only (never used on disk).
    original_name = models.CharField(max_length=255, blank=True)
    uploaded_by = models.CharField(max_length=64)
    is_current = models.BooleanField(default=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(is_current=True) & ~Q(kind="additional"),
                name="transfers_one_current_document_per_slot",
            ),
        ]
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"


class CaseEvent(BaseModel):
    """One line of a case's history: what happened, the status before and after, and who did it.
    The filer and the officers see the same history."""

    case = models.ForeignKey(TransferCase, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=30, choices=CaseStep.choices)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    actor_role = models.CharField(max_length=20, choices=CaseRole.choices)
    actor_type = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.step}"
