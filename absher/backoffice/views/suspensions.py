"""Authority clerks place, find and lift their own authority's suspensions of services (إيقاف
الخدمات). Every page reads the clerk's authority from their staff record and reaches suspensions
only through the selectors that take it: another authority's reference is simply not found (404).
The services audit each change and tell the person by SMS and in their inbox."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from absher.accounts.constants import StaffRole
from absher.accounts.models import Authority
from absher.backoffice.access import StaffRequest, staff_required
from absher.backoffice.forms import (
    SuspensionPlaceForm,
    SuspensionSearchForm,
    add_refusal,
    posted,
    suspension_fields_for,
)
from absher.catalog.selectors import departments_with_services
from absher.core.errors import ApplicationError
from absher.suspensions.constants import SuspensionStatus
from absher.suspensions.selectors import suspension_get_for_authority, suspensions_of_authority
from absher.suspensions.services import suspension_lift, suspension_place

PAGE_SIZE = 50
ACTOR_TYPE = "staff"


def _authority(request: StaffRequest) -> Authority:
    """The clerk's authority: every clerk has one (a database constraint on staff members)."""
    return cast(Authority, request.staff_member.authority)


@staff_required(StaffRole.AUTHORITY_CLERK)
@require_GET
def suspension_list(request: StaffRequest) -> HttpResponse:
    authority = _authority(request)
    search = SuspensionSearchForm(request.GET)
    filters = search.filters()
    suspensions = suspensions_of_authority(authority=authority, **filters)
    page = Paginator(suspensions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/suspensions/list.html",
        {
            "authority": authority,
            "search": search,
            "is_filtered": any(filters.values()),
            "page": page,
            "query": query.urlencode(),
        },
    )


@staff_required(StaffRole.AUTHORITY_CLERK)
@require_http_methods(["GET", "POST"])
def suspension_new(request: StaffRequest) -> HttpResponse:
    authority = _authority(request)
    form = SuspensionPlaceForm(posted(request), departments=departments_with_services())
    if request.method == "POST" and form.is_valid():
        try:
            placement = suspension_place(
                authority=authority,
                actor_type=ACTOR_TYPE,
                actor_id=str(request.user.pk),
                **form.cleaned_data,
            )
        except ApplicationError as error:
            add_refusal(form, error, suspension_fields_for(error))
        else:
            suspension = placement.suspension
            if placement.created:
                messages.success(
                    request,
                    _(
                        "The suspension %(reference)s was placed. The person was told by SMS and "
                        "in their Absher messages."
                    )
                    % {"reference": suspension.reference},
                )
            else:
                messages.info(
                    request,
                    _(
                        "A suspension with the reference %(reference)s and the same details "
                        "already exists. Nothing was changed."
                    )
                    % {"reference": suspension.reference},
                )
            return redirect("backoffice:suspension_detail", reference=suspension.reference)
    return render(
        request, "backoffice/suspensions/form.html", {"form": form, "authority": authority}
    )


@staff_required(StaffRole.AUTHORITY_CLERK)
@require_http_methods(["GET", "POST"])
def suspension_detail(request: StaffRequest, reference: str) -> HttpResponse:
    """GET shows the suspension; POST lifts it (the button on the page). Lifting twice changes
    nothing the second time."""
    authority = _authority(request)
    suspension = suspension_get_for_authority(authority=authority, reference=reference)
    if suspension is None:
        raise Http404
    if request.method == "POST":
        was_active = suspension.status == SuspensionStatus.ACTIVE
        suspension_lift(
            authority=authority,
            reference=suspension.reference,
            actor_type=ACTOR_TYPE,
            actor_id=str(request.user.pk),
        )
        if was_active:
            messages.success(
                request,
                _(
                    "The suspension %(reference)s was lifted. The person was told by SMS and in "
                    "their Absher messages."
                )
                % {"reference": suspension.reference},
            )
        else:
            messages.info(request, _("This suspension had already been lifted."))
        return redirect("backoffice:suspension_detail", reference=suspension.reference)
    return render(request, "backoffice/suspensions/detail.html", {"suspension": suspension})
