"""Demo service requests: a person with a bill waiting to be paid (at a bank or by card), made
through the same service the portal and the API use."""

from __future__ import annotations

from absher.accounts.models import User
from absher.core.errors import Conflict
from absher.requests.services import service_request_create

# (registry demo role, service code): each gets one open request with its unpaid bill.
DEMO_REQUESTS = [
    ("new_sponsor_citizen", "passport_renewal"),
    ("sponsor_many_workers", "driving_licence_renewal"),
]


def demo_requests_load(*, people_by_role: dict[str, str]) -> int:
    """Creates what is missing; running it again changes nothing."""
    created = 0
    for role, service_code in DEMO_REQUESTS:
        user = User.objects.filter(person__id_number=people_by_role[role]).first()
        if user is None:
            continue
        try:
            service_request_create(user=user, service_code=service_code)
        except Conflict as refusal:
            if refusal.code != "request_open":
                raise
            continue  # loaded before, and still open
        created += 1
    return created
