"""Template filters and the main menu: catalogue values, times, dates and numbers as a person
reads them in the page's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import template
from django.templatetags.tz import do_timezone
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from absher.catalog.constants import SUSPENSIONS_SERVICE_CODE, TRANSFER_SERVICE_CODE
from absher.catalog.models import Service
from absher.core.clock import display_zone
from absher.core.money import format_sar
from absher.identity.rules import format_hijri, mobile_masked
from absher.notifications.selectors import messages_unread_count
from absher.suspensions.constants import ScopeKind
from absher.transfers.constants import WITHOUT_CONSENT_SERVICE_CODE

if TYPE_CHECKING:
    from absher.suspensions.models import Suspension

register = template.Library()


@register.filter
def sar(halalas: int) -> str:
    """Halalas with the currency in the page's language: "SAR 300.00" / "300.00 ريال"."""
    # Translators: an amount in Saudi riyals, e.g. "2,000.50"; put the currency where it is read.
    return _("SAR %(amount)s") % {"amount": format_sar(halalas)}


@register.filter
def service_fee(service: Service) -> str:
    """What a service costs, as a citizen reads it: an amount, free, or worked out per request."""
    if service.fee_depends_on_case:
        return _("Depends on the case")
    if service.fee_halalas == 0:
        return _("Free")
    return sar(service.fee_halalas)


@register.filter
def riyadh(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored (UTC) time as it is read in Saudi Arabia; chain with `date`."""
    if moment is None:
        return None
    return do_timezone(moment, display_zone())


@register.filter
def hijri(date: dt.date) -> str:
    """The Umm al-Qura date in the page's language: "15 ربيع الأول 1410 هـ"."""
    return format_hijri(date)


@register.filter
def masked(e164: str) -> str:
    return mobile_masked(e164)


@register.filter
def in_language(item: Any, field: str) -> str:
    """`<field>_en` or `<field>_ar` of an object or a dict, in the page's language."""
    suffix = "en" if translation.get_language() == "en" else "ar"
    name = f"{field}_{suffix}"
    if isinstance(item, Mapping):
        return str(item.get(name) or item.get(field) or "")
    return str(getattr(item, name, "") or "")


@register.filter
def suspension_scope_text(suspension: Suspension) -> str:
    """What a suspension covers, in the page's language: every e-service, those of one
    department, or one e-service."""
    if suspension.scope_kind == ScopeKind.DEPARTMENT and suspension.scope_department is not None:
        return _("All services of the %(department)s department") % {
            "department": in_language(suspension.scope_department, "name")
        }
    if suspension.scope_kind == ScopeKind.SERVICE and suspension.scope_service is not None:
        return _("Only the e-service “%(service)s”") % {
            "service": in_language(suspension.scope_service, "name")
        }
    return _("All e-services")


# E-services that have a page of their own in the portal, by service code.
SERVICE_PAGES = {
    SUSPENSIONS_SERVICE_CODE: "portal:suspensions",
    TRANSFER_SERVICE_CODE: "portal:transfers",
    WITHOUT_CONSENT_SERVICE_CODE: "portal:cases",
}


@register.filter
def service_page(service: Service) -> str:
    """The address of the service's own page, or "" for a service without one."""
    name = SERVICE_PAGES.get(service.code)
    return reverse(name) if name else ""


@register.inclusion_tag("portal/includes/nav.html", takes_context=True)
def portal_nav(context: dict[str, Any]) -> dict[str, Any]:
    """The main menu: for a signed-in person their account, e-services, messages (with the number
    unread) and sign out; for visitors, sign in and create an account."""
    request = context["request"]
    user = request.user
    person = user.person if user.is_authenticated and user.person_id else None
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "is_signed_in": user.is_authenticated,
        "person": person,
        "unread": messages_unread_count(person=person) if person is not None else 0,
        "view_name": request.resolver_match.view_name if request.resolver_match else "",
    }
