from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from absher.catalog.models import Department, Service


def departments_with_services() -> QuerySet[Department]:
    """Departments in display order, each with its offered services prefetched (two queries)."""
    offered = Service.objects.filter(is_active=True).order_by("position", "code")
    return Department.objects.prefetch_related(Prefetch("services", queryset=offered))


def service_get(*, code: str) -> Service | None:
    return Service.objects.select_related("department").filter(code=code, is_active=True).first()


def services_all() -> QuerySet[Service]:
    """Every service, offered or withdrawn (administrators manage both)."""
    return Service.objects.select_related("department").order_by(
        "department__position", "position", "code"
    )


def service_get_any(*, code: str) -> Service | None:
    return services_all().filter(code=code).first()
