"""Administrators manage the Absher offices where officers work and the authorities whose clerks
place suspensions."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from absher.accounts.constants import StaffRole
from absher.accounts.selectors import authorities_all, offices_all
from absher.accounts.services.staff import authority_create, office_create
from absher.backoffice.access import StaffRequest, staff_required
from absher.backoffice.forms import AuthorityCreateForm, OfficeCreateForm, add_refusal, posted
from absher.core.errors import ApplicationError


@staff_required(StaffRole.ADMINISTRATOR)
@require_GET
def office_list(request: StaffRequest) -> HttpResponse:
    return render(request, "backoffice/admin/office_list.html", {"offices": offices_all()})


@staff_required(StaffRole.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def office_new(request: StaffRequest) -> HttpResponse:
    form = OfficeCreateForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            office = office_create(actor=cast(Any, request.user), **form.cleaned_data)
        except ApplicationError as error:
            add_refusal(form, error, {"office_exists": "code"})
        else:
            messages.success(request, _("The office %(code)s was added.") % {"code": office.code})
            return redirect("backoffice:office_list")
    return render(request, "backoffice/admin/office_form.html", {"form": form})


@staff_required(StaffRole.ADMINISTRATOR)
@require_GET
def authority_list(request: StaffRequest) -> HttpResponse:
    return render(
        request, "backoffice/admin/authority_list.html", {"authorities": authorities_all()}
    )


@staff_required(StaffRole.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def authority_new(request: StaffRequest) -> HttpResponse:
    form = AuthorityCreateForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            authority = authority_create(actor=cast(Any, request.user), **form.cleaned_data)
        except ApplicationError as error:
            add_refusal(form, error, {"authority_exists": "code"})
        else:
            messages.success(
                request, _("The authority %(code)s was added.") % {"code": authority.code}
            )
            return redirect("backoffice:authority_list")
    return render(request, "backoffice/admin/authority_form.html", {"form": form})
