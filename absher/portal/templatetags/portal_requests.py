"""Which e-services the e-services page offers to request (طلب الخدمة) in one step."""

from __future__ import annotations

from django import template

from absher.catalog.models import Service
from absher.requests.constants import DEDICATED_SERVICES

register = template.Library()


@register.filter
def requestable(service: Service) -> bool:
    """A generic fee-bearing e-service: a fixed fee and no flow of its own (transfers and cases
    have their own pages). Whether this person may request it now is the request service's
    decision; this only chooses where the button is shown."""
    return (
        service.code not in DEDICATED_SERVICES
        and not service.fee_depends_on_case
        and service.fee_halalas > 0
    )
