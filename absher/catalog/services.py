"""Administrators change the catalogue: fees, texts, per-service activation, whether offered."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from absher.audit.services import audit_record
from absher.catalog.models import Service
from absher.core.errors import InvalidInput, NotFound

EDITABLE_FIELDS = (
    "name_ar",
    "name_en",
    "description_ar",
    "description_en",
    "fee_halalas",
    "fee_depends_on_case",
    "requires_activation",
    "is_active",
)


def service_update(*, actor_id: str, code: str, changes: dict[str, Any]) -> Service:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(
            "invalid_field",
            _("These fields cannot be changed: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))},
        )
    fee = changes.get("fee_halalas")
    if fee is not None and (not isinstance(fee, int) or isinstance(fee, bool) or fee < 0):
        raise InvalidInput(
            "invalid_fee", _("The fee must be a whole number of halalas, 0 or more.")
        )
    with transaction.atomic():
        service = Service.objects.select_for_update().filter(code=code).first()
        if service is None:
            raise NotFound("service_not_found", _("This e-service does not exist."))
        before = {field: getattr(service, field) for field in changes}
        for field, value in changes.items():
            setattr(service, field, value)
        service.save(update_fields=[*changes, "updated_at"])
        audit_record(
            action="service.updated",
            actor_type="staff",
            actor_id=actor_id,
            subject_type="service",
            subject_id=code,
            data={"before": before, "after": changes},
        )
    return service
