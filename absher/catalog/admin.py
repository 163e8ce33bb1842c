from django.contrib import admin

from absher.catalog.models import Department, Service


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ar", "name_en", "position"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "department",
        "name_ar",
        "fee_halalas",
        "requires_activation",
        "is_active",
    ]
    list_filter = ["department", "is_active", "requires_activation"]
