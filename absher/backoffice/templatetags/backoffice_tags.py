"""The back-office menu (the signed-in member's role, office or authority, and only the pages their
role may open) and filters that show domain values in the page's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from absher.accounts.constants import StaffRole
from absher.backoffice.access import sections_for
from absher.suspensions.constants import ScopeKind
from absher.suspensions.models import Suspension

register = template.Library()


@register.inclusion_tag("backoffice/includes/nav.html", takes_context=True)
def backoffice_nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    member = getattr(request, "staff_member", None)
    links = []
    for section in sections_for(member):
        url = reverse(section.url_name)
        links.append({"url": url, "label": section.label, "current": request.path.startswith(url)})
    return {
        "member": member,
        "role_label": StaffRole(member.role).label if member else "",
        "workplace": _workplace(member),
        "links": links,
        "home_url": reverse("backoffice:home"),
        "is_home": request.path == reverse("backoffice:home"),
        "csrf_token": context.get("csrf_token"),
    }


def _workplace(member: Any) -> str:
    place = (member.office or member.authority) if member else None
    if place is None:
        return ""
    return place.name_en if translation.get_language() == "en" else place.name_ar


@register.filter
def bilingual_name(item: Any) -> str:
    """`name_ar` or `name_en` of an office, authority or service, in the page's language."""
    return item.name_en if translation.get_language() == "en" else item.name_ar


@register.filter
def suspension_scope(suspension: Suspension) -> str:
    """What a suspension covers, in the page's language: all services, all services of one
    department, or one e-service."""
    if suspension.scope_kind == ScopeKind.DEPARTMENT and suspension.scope_department is not None:
        return _("All services of %(department)s") % {
            "department": bilingual_name(suspension.scope_department)
        }
    if suspension.scope_kind == ScopeKind.SERVICE and suspension.scope_service is not None:
        return bilingual_name(suspension.scope_service)
    return _("All services")


@register.filter
def id_number_masked(id_number: str) -> str:
    """An ID number with all but its last 4 digits hidden ("••••••4567"): enough to tell people
    apart in a list without disclosing whose data it is."""
    visible = id_number[-4:]
    return "•" * (len(id_number) - len(visible)) + visible
