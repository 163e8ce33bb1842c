"""Template filters and the main menu: catalogue values, times, dates and numbers as a person
reads them in the page's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import template
from django.templatetags.tz import do_timezone
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from absher.audit.constants import ActorType
from absher.audit.models import AuditEvent
from absher.catalog.models import Service
from absher.core.clock import display_zone
from absher.core.money import format_sar
from absher.identity.rules import format_hijri, mobile_masked
from absher.notifications.selectors import messages_unread_count

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


ACCESS_ACTIONS: dict[str, Any] = {
    "office_activation.person_looked_up": gettext_lazy(
        "Looked up your registry record to activate e-services in person at an Absher office"
    ),
}


@register.filter
def access_action(event: AuditEvent) -> str:
    """What someone did with the person's data, in words; actions without words of their own are
    still listed, as a look-up of the person's data."""
    return str(ACCESS_ACTIONS.get(event.action, gettext_lazy("Looked at your data")))


@register.filter
def access_actor(event: AuditEvent) -> str:
    """Who looked: the kind of actor and, when recorded, their role and workplace."""
    kind = str(ActorType(event.actor_type).label) if event.actor_type in ActorType.values else ""
    label = str(event.data.get("actor_label", "")) if isinstance(event.data, dict) else ""
    return f"{kind} — {label}" if kind and label else kind or label


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
