"""Administrators register integration partners and rotate their signing secrets. A secret is shown
once, on the page that answers the creation or rotation, and never again: the response is not
cached and no later page or redirect carries it."""

from __future__ import annotations

from typing import Any, cast

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods

from absher.accounts.constants import StaffRole
from absher.accounts.selectors import partner_get, partners_all
from absher.accounts.services.partners import (
    PartnerWithSecret,
    partner_create,
    partner_rotate_secret,
)
from absher.backoffice.access import StaffRequest, staff_required
from absher.backoffice.forms import PartnerCreateForm, add_refusal, posted
from absher.core.errors import ApplicationError


def _secret_page(
    request: StaffRequest, created: PartnerWithSecret, *, rotated: bool
) -> HttpResponse:
    response = render(
        request,
        "backoffice/admin/partner_secret.html",
        {"partner": created.partner, "secret": created.secret, "rotated": rotated},
    )
    add_never_cache_headers(response)
    return response


@staff_required(StaffRole.ADMINISTRATOR)
@require_GET
def partner_list(request: StaffRequest) -> HttpResponse:
    return render(request, "backoffice/admin/partner_list.html", {"partners": partners_all()})


@staff_required(StaffRole.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def partner_new(request: StaffRequest) -> HttpResponse:
    form = PartnerCreateForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            created = partner_create(actor=cast(Any, request.user), **form.cleaned_data)
        except ApplicationError as error:
            add_refusal(
                form,
                error,
                {
                    "partner_exists": "code",
                    "invalid_partner_kind": "kind",
                    "authority_required": "authority",
                },
            )
        else:
            return _secret_page(request, created, rotated=False)
    return render(request, "backoffice/admin/partner_form.html", {"form": form})


@staff_required(StaffRole.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def partner_rotate(request: StaffRequest, code: str) -> HttpResponse:
    partner = partner_get(code=code)
    if partner is None:
        raise Http404
    if request.method == "POST":
        rotated = partner_rotate_secret(actor=cast(Any, request.user), partner=partner)
        return _secret_page(request, rotated, rotated=True)
    return render(request, "backoffice/admin/partner_rotate.html", {"partner": partner})
