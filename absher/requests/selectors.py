from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from absher.core.errors import NotFound
from absher.identity.models import Person
from absher.requests.constants import RequestStatus
from absher.requests.models import ServiceRequest


def service_requests_of(*, person: Person) -> QuerySet[ServiceRequest]:
    return (
        ServiceRequest.objects.filter(person=person)
        .select_related("service")
        .order_by("-created_at", "-id")
    )


def service_request_get_for_actor(*, person: Person, request_id: int) -> ServiceRequest:
    request = ServiceRequest.objects.select_related("service").filter(pk=request_id).first()
    if request is None or request.person_id != person.pk:
        raise NotFound("request_not_found", _("This request does not exist."))
    return request


def service_requests_to_process() -> QuerySet[ServiceRequest]:
    """The officers' queue: paid requests waiting for a decision, oldest first."""
    return (
        ServiceRequest.objects.filter(status=RequestStatus.PAID)
        .select_related("service", "person")
        .order_by("created_at", "id")
    )
