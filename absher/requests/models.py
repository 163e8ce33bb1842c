from django.db import models
from django.db.models import Q

from absher.core.models import BaseModel
from absher.requests.constants import RequestStatus


class ServiceRequest(BaseModel):
    """A person's request for a fee-bearing e-service (passport renewal, …)."""

    person = models.ForeignKey(
        "identity.Person", on_delete=models.PROTECT, related_name="service_requests"
    )
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.AWAITING_PAYMENT
    )
    fee_halalas = models.PositiveBigIntegerField()
    sadad_number = models.CharField(max_length=13, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=64, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "service"],
                condition=Q(status__in=["awaiting_payment", "paid"]),
                name="requests_one_open_per_service",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="requests_queue")]

    def __str__(self) -> str:
        return f"request {self.pk}"


class ServiceRequestEvent(BaseModel):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor_type = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.request_id}: {self.to_status}"
