from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from absher.transfers.models import TransferEvent, TransferRequest


class TransferEventInline(admin.TabularInline):
    model = TransferEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "step", "from_status", "to_status", "actor_role", "actor_id", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(TransferRequest)
class TransferRequestAdmin(admin.ModelAdmin):
    """Read-only: requests change only through the transfer services (locks, timeline, audit)."""

    list_display = ("id", "created_at", "status", "fee_halalas", "expires_at", "is_without_consent")
    list_filter = ("status", "is_without_consent")
    search_fields = ("worker__id_number", "current_sponsor__id_number", "new_sponsor__id_number")
    raw_id_fields = ("worker", "current_sponsor", "new_sponsor", "bill", "service")
    ordering = ("-created_at",)
    inlines = (TransferEventInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False
