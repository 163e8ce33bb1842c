from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext

from absher.accounts.models import Authority
from absher.catalog.availability import Block
from absher.catalog.models import Service
from absher.identity.models import Person
from absher.identity.rules import normalize_digits
from absher.suspensions.constants import ScopeKind, SuspensionStatus
from absher.suspensions.models import Suspension


def _with_relations(queryset: QuerySet[Suspension]) -> QuerySet[Suspension]:
    return queryset.select_related("authority", "scope_department", "scope_service")


def suspensions_active_for(*, person: Person | int) -> QuerySet[Suspension]:
    """The person's active suspensions, newest first, in one query (indexed by person among
    millions of rows). `person` may be the person's id, when that is all the caller has."""
    return _with_relations(
        Suspension.objects.filter(person=person, status=SuspensionStatus.ACTIVE)
    ).order_by("-placed_at", "-id")


def suspension_covers(suspension: Suspension, service: Service) -> bool:
    if suspension.scope_kind == ScopeKind.ALL:
        return True
    if suspension.scope_kind == ScopeKind.DEPARTMENT:
        return suspension.scope_department_id == service.department_id
    return suspension.scope_service_id == service.pk


def suspension_details(suspension: Suspension) -> dict[str, Any]:
    """What a refusal names: the authority, the reference and how to lift the suspension."""
    return {
        "authority": suspension.authority.code,
        "authority_name_ar": suspension.authority.name_ar,
        "authority_name_en": suspension.authority.name_en,
        "reference": suspension.reference,
        "reason_ar": suspension.reason_ar,
        "reason_en": suspension.reason_en,
        "lift_procedure_ar": suspension.lift_procedure_ar,
        "lift_procedure_en": suspension.lift_procedure_en,
        "scope": suspension.scope,
        "since": suspension.placed_at.isoformat(),
    }


def _refusal_text(*, authority_ar: str, authority_en: str, reference: str) -> str:
    authority = authority_en if translation.get_language() == "en" else authority_ar
    return gettext(
        "This service is suspended for you by %(authority)s (reference %(reference)s). "
        "See how to lift it under General Services, Temporary suspension of services."
    ) % {"authority": authority, "reference": reference}


_refusal_text_lazy = lazy(_refusal_text, str)


def suspension_refusal_message(suspension: Suspension) -> str | Promise:
    """The refusal, rendered when shown (in the caller's language), naming the authority in that
    language and the reference."""
    return _refusal_text_lazy(
        authority_ar=suspension.authority.name_ar,
        authority_en=suspension.authority.name_en,
        reference=suspension.reference,
    )


def suspension_blocks(person: Person, services: list[Service]) -> dict[str, Block]:
    """The catalogue's blocker: which of `services` an active suspension covers (one query)."""
    active = list(suspensions_active_for(person=person))
    blocks: dict[str, Block] = {}
    for service in services:
        for suspension in active:
            if suspension_covers(suspension, service):
                blocks[service.code] = Block(
                    code="service_suspended",
                    details=suspension_details(suspension),
                    message=suspension_refusal_message(suspension),
                )
                break
    return blocks


def suspensions_of_authority(
    *, authority: Authority, search: str = "", status: str = ""
) -> QuerySet[Suspension]:
    """An authority's own suspensions (clerk pages), newest first; `search` matches the
    reference or the person's ID number."""
    queryset = _with_relations(Suspension.objects.filter(authority=authority)).select_related(
        "person"
    )
    if status:
        queryset = queryset.filter(status=status)
    term = normalize_digits(search or "").strip()
    if term:
        queryset = queryset.filter(Q(reference__icontains=term) | Q(person__id_number=term))
    return queryset.order_by("-placed_at", "-id")


def suspension_get_for_authority(*, authority: Authority, reference: str) -> Suspension | None:
    """The one way to reach a suspension on an authority's behalf: another authority's
    reference is simply not found."""
    return (
        _with_relations(Suspension.objects.filter(authority=authority, reference=reference))
        .select_related("person")
        .first()
    )
