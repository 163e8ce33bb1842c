"""Administrators manage staff accounts: list, create with one role, deactivate and reactivate.
The services audit every change."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from absher.accounts.constants import StaffRole
from absher.accounts.selectors import staff_member_get, staff_members
from absher.accounts.services.staff import staff_create, staff_set_active
from absher.backoffice.access import StaffRequest, staff_required
from absher.backoffice.forms import StaffCreateForm, add_refusal, posted
from absher.core.errors import ApplicationError

STAFF_FIELDS_BY_CODE = {
    "invalid_username": "username",
    "username_taken": "username",
    "weak_password": "password",
    "invalid_mobile": "mobile",
    "invalid_role": "role",
    "office_required": "office",
    "authority_required": "authority",
}


@staff_required(StaffRole.ADMINISTRATOR)
@require_GET
def staff_list(request: StaffRequest) -> HttpResponse:
    return render(request, "backoffice/admin/staff_list.html", {"members": staff_members()})


@staff_required(StaffRole.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def staff_new(request: StaffRequest) -> HttpResponse:
    form = StaffCreateForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = staff_create(
                actor=cast(Any, request.user),
                username=data["username"],
                password=data["password"],
                mobile=data["mobile"],
                role=data["role"],
                office=data["office"],
                authority=data["authority"],
                email=data["email"],
            )
        except ApplicationError as error:
            add_refusal(form, error, STAFF_FIELDS_BY_CODE)
        else:
            messages.success(
                request,
                _("The staff account %(username)s was created.")
                % {"username": member.user.username},
            )
            return redirect("backoffice:staff_list")
    return render(request, "backoffice/admin/staff_form.html", {"form": form})


@staff_required(StaffRole.ADMINISTRATOR)
@require_POST
def staff_active(request: StaffRequest, member_id: int) -> HttpResponse:
    member = staff_member_get(member_id=member_id)
    if member is None:
        raise Http404
    is_active = request.POST.get("is_active") == "1"
    staff_set_active(actor=cast(Any, request.user), member=member, is_active=is_active)
    template = (
        _("The staff account %(username)s can sign in again.")
        if is_active
        else _("The staff account %(username)s was deactivated and signed out everywhere.")
    )
    messages.success(request, template % {"username": member.user.username})
    return redirect("backoffice:staff_list")
