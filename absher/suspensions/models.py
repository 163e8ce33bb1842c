from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from absher.core.models import BaseModel
from absher.suspensions.constants import REFERENCE_MAX_LENGTH, ScopeKind, SuspensionStatus


class Suspension(BaseModel):
    """A temporary suspension of services (إيقاف الخدمات) placed on a person by an authority, with
    the reason and how to lift it, over all services, a department's, or one service."""

    person = models.ForeignKey(
        "identity.Person", on_delete=models.PROTECT, related_name="suspensions"
    )
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT)
    reference = models.CharField(_("reference"), max_length=REFERENCE_MAX_LENGTH)
    reason_ar = models.TextField(_("reason (Arabic)"))
    reason_en = models.TextField(_("reason (English)"))
    lift_procedure_ar = models.TextField(_("how to lift (Arabic)"))
    lift_procedure_en = models.TextField(_("how to lift (English)"))
    scope_kind = models.CharField(max_length=12, choices=ScopeKind.choices)
    scope_department = models.ForeignKey(
        "catalog.Department", on_delete=models.PROTECT, null=True, blank=True
    )
    scope_service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, null=True, blank=True
    )
    status = models.CharField(
        max_length=8, choices=SuspensionStatus.choices, default=SuspensionStatus.ACTIVE
    )
    placed_at = models.DateTimeField()
    placed_by_type = models.CharField(max_length=16)
    placed_by_id = models.CharField(max_length=64)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by_type = models.CharField(max_length=16, blank=True)
    lifted_by_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "reference"], name="suspensions_reference_per_authority"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        scope_kind=ScopeKind.ALL,
                        scope_department__isnull=True,
                        scope_service__isnull=True,
                    )
                    | Q(
                        scope_kind=ScopeKind.DEPARTMENT,
                        scope_department__isnull=False,
                        scope_service__isnull=True,
                    )
                    | Q(
                        scope_kind=ScopeKind.SERVICE,
                        scope_department__isnull=True,
                        scope_service__isnull=False,
                    )
                ),
                name="suspensions_scope_is_consistent",
            ),
        ]
        indexes = [
            models.Index(
                fields=["person", "placed_at"],
                condition=Q(status="active"),
                name="suspensions_active_by_person",
            ),
            models.Index(
                fields=["authority", "status", "placed_at"], name="suspensions_by_authority"
            ),
        ]

    def __str__(self) -> str:
        return f"suspension {self.authority_id}/{self.reference}"

    @property
    def scope(self) -> str:
        """`all`, `department:<code>` or `service:<code>` (the API's notation)."""
        if self.scope_kind == ScopeKind.DEPARTMENT and self.scope_department is not None:
            return f"department:{self.scope_department.code}"
        if self.scope_kind == ScopeKind.SERVICE and self.scope_service is not None:
            return f"service:{self.scope_service.code}"
        return str(ScopeKind.ALL.value)
