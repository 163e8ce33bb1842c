"""Read-only views of what the sandbox gateway did (the index page shows the same)."""

from django.contrib import admin

from sandbox_gateway.models import SandboxAttempt, SandboxCheckout, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SandboxCheckout)
class SandboxCheckoutAdmin(ReadOnlyAdmin):
    list_display = ("reference", "amount", "status", "card_last4", "charge_id", "created_at")
    list_filter = ("status",)
    search_fields = ("reference", "charge_id")


@admin.register(SandboxAttempt)
class SandboxAttemptAdmin(ReadOnlyAdmin):
    list_display = ("attempt_id", "checkout", "status", "card_last4", "created_at", "decided_at")
    list_filter = ("status",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("checkout", "outcome", "status", "attempts", "last_status_code", "created_at")
    list_filter = ("status", "outcome")
