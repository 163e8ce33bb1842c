"""Who may open which back-office page.

Each page names the roles that may use it with `staff_required(...)`; that declaration is the only
list of who sees what: the home page and the menu read it back from the views (`sections_for`), so a
link is shown exactly when the page behind it would open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import resolve, reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import StaffRole
from absher.accounts.models import StaffMember
from absher.accounts.selectors import staff_member_of

View = Callable[..., HttpResponse]


class StaffRequest(HttpRequest):
    """A request that passed `staff_required`: `staff_member` is the signed-in member."""

    staff_member: StaffMember


def staff_required(*roles: str) -> Callable[[View], View]:
    """Anonymous visitors go to the back-office sign-in; a signed-in person who is not staff, or a
    member of another role, gets the 403 page. No roles: any staff member."""
    unknown = set(roles) - set(StaffRole.values)
    if unknown:
        raise ValueError(f"unknown staff roles: {sorted(unknown)}")
    allowed = frozenset(roles or StaffRole.values)

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(
                    request.get_full_path(), login_url=reverse("backoffice:login")
                )
            member = staff_member_of(user=cast(Any, request.user))
            if member is None:
                return forbidden(request, member)
            if member.role not in allowed:
                return forbidden(request, member)
            request.staff_member = member  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        guarded.staff_roles = allowed  # type: ignore[attr-defined]
        return guarded

    return decorator


def officer_label(member: StaffMember) -> str:
    """How an officer appears in a person's access log: role and office, in the platform's
    language (the log keeps the text as written)."""
    office = member.office.code if member.office else ""
    with translation.override(settings.LANGUAGE_CODE):
        return f"{StaffRole(member.role).label} — {office}"


def forbidden(request: HttpRequest, member: StaffMember | None) -> HttpResponse:
    return render(
        request, "backoffice/forbidden.html", {"is_staff": member is not None}, status=403
    )


@dataclass(frozen=True)
class Section:
    url_name: str
    label: str | Promise
    description: str | Promise


SECTIONS = (
    Section(
        "backoffice:activation",
        _("Activate e-services in person"),
        _("Find a person by ID number, record the original documents you checked, activate."),
    ),
    Section(
        "backoffice:request_queue",
        _("E-service requests to decide"),
        _("Paid requests waiting for a decision: complete them, or reject them with a refund."),
    ),
    Section(
        "backoffice:case_queue",
        _("Transfers without the sponsor's consent"),
        _(
            "Cases filed by new sponsors with their documents: review them, then approve, reject "
            "or ask for more documents."
        ),
    ),
    Section(
        "backoffice:suspension_list",
        _("Service suspensions"),
        _("Your authority's suspensions of services: place them, find them and lift them."),
    ),
    Section(
        "backoffice:call_centre",
        _("Call centre (19999): a caller's suspensions"),
        _("Verify the caller by ID number and date of birth, then read their active suspensions."),
    ),
    Section(
        "backoffice:staff_list",
        _("Staff"),
        _("Staff accounts and their roles; create, deactivate and reactivate them."),
    ),
    Section("backoffice:office_list", _("Offices"), _("Absher offices where officers work.")),
    Section(
        "backoffice:authority_list",
        _("Authorities"),
        _("Government authorities whose clerks place service suspensions."),
    ),
    Section(
        "backoffice:partner_list",
        _("Integration partners"),
        _("Banks, authorities and the card gateway that call the integration API."),
    ),
    Section(
        "backoffice:service_list",
        _("E-services catalogue"),
        _("E-services, their fees and whether they need activation."),
    ),
    Section(
        "backoffice:reconciliation",
        _("Payment reconciliation"),
        _(
            "Per day and channel: bank notifications received against payments applied, with "
            "every mismatch."
        ),
    ),
)


def roles_for(url_name: str) -> frozenset[str]:
    """The roles the page behind `url_name` admits (from its `staff_required`)."""
    view = resolve(reverse(url_name)).func
    return cast(frozenset[str], getattr(view, "staff_roles", frozenset()))


def sections_for(member: StaffMember | None) -> list[Section]:
    if member is None:
        return []
    return [section for section in SECTIONS if member.role in roles_for(section.url_name)]
