from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from absher.accounts.constants import StaffRole
from absher.backoffice.access import StaffRequest, sections_for, staff_required


@staff_required()
@require_GET
def home(request: StaffRequest) -> HttpResponse:
    member = request.staff_member
    return render(
        request,
        "backoffice/home.html",
        {"sections": sections_for(member), "role_label": StaffRole(member.role).label},
    )
