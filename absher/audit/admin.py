from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from absher.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, and only services append to it."""

    list_display = (
        "sequence",
        "occurred_at",
        "actor_type",
        "actor_id",
        "action",
        "subject_type",
        "subject_id",
        "is_access",
    )
    list_filter = ("actor_type", "is_access")
    search_fields = ("action", "actor_id", "subject_id", "request_id")
    ordering = ("-sequence",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    list_select_related = ()
    raw_id_fields = ("person",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: AuditEvent | None = None
    ) -> tuple[str, ...]:
        return tuple(field.name for field in AuditEvent._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
