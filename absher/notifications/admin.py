from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from absher.identity.rules import mobile_masked
from absher.notifications.constants import SmsStatus
from absher.notifications.models import Message, OutboxSms, SmsMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    """Messages and SMS are written by services only; the admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "title_en", "read_at")
    list_filter = ("kind",)
    search_fields = ("kind", "title_en", "title_ar")
    raw_id_fields = ("person",)
    ordering = ("-created_at",)


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "masked_to", "status", "attempts", "gateway", "sent_at")
    list_filter = ("status", "gateway", "is_sensitive")
    search_fields = ("provider_message_id",)
    ordering = ("-created_at",)
    exclude = ("to", "body")
    readonly_fields = ("masked_to", "text")
    raw_id_fields = ("person",)

    @admin.display(description=_("to"))
    def masked_to(self, obj: SmsMessage) -> str:
        return mobile_masked(obj.to)

    @admin.display(description=_("text"))
    def text(self, obj: SmsMessage) -> str:
        # A one-time code is still in the row until delivery ends; staff never need to read it.
        if obj.is_sensitive and obj.status == SmsStatus.QUEUED:
            return str(_("(hidden: sensitive)"))
        return obj.body


@admin.register(OutboxSms)
class OutboxSmsAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "to")
    search_fields = ("to",)
    ordering = ("-created_at",)
