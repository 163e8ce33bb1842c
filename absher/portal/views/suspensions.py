"""General Services → Temporary suspension of services (الإيقاف المؤقت للخدمات): every active
suspension of the signed-in person, with the authority that placed it, its reference, the reason,
how to lift it, what it covers and since when; or a clear "no suspended services"."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from absher.portal.access import PersonRequest, person_required
from absher.suspensions.selectors import suspensions_active_for


@person_required
@require_GET
def suspensions(request: PersonRequest) -> HttpResponse:
    active = list(suspensions_active_for(person=request.person))
    return render(request, "portal/services/suspensions.html", {"suspensions": active})
