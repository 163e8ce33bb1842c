from django.db import models
from django.utils.translation import pgettext_lazy


class RequestStatus(models.TextChoices):
    AWAITING_PAYMENT = (
        "awaiting_payment",
        pgettext_lazy("service request status", "Awaiting payment"),
    )
    PAID = "paid", pgettext_lazy("service request status", "Paid, being processed")
    FULFILLED = "fulfilled", pgettext_lazy("service request status", "Completed")
    REJECTED = "rejected", pgettext_lazy("service request status", "Rejected")
    CANCELLED = "cancelled", pgettext_lazy("service request status", "Cancelled")


REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.AWAITING_PAYMENT: frozenset(
        {RequestStatus.PAID, RequestStatus.CANCELLED, RequestStatus.REJECTED}
    ),
    RequestStatus.PAID: frozenset({RequestStatus.FULFILLED, RequestStatus.REJECTED}),
    RequestStatus.FULFILLED: frozenset(),
    RequestStatus.REJECTED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
}

BILL_PURPOSE = "service_request"
# Services with their own flows never go through the generic request.
DEDICATED_SERVICES = frozenset({"worker_services_transfer", "transfer_without_consent"})
