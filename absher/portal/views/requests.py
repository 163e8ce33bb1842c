"""E-service requests (طلبات الخدمات): requesting a fee-bearing e-service from the e-services page
(its SADAD bill is issued at once), and the person's requests with what became of each."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from absher.core.errors import ApplicationError
from absher.portal.access import PersonRequest, person_required
from absher.requests.selectors import service_requests_of
from absher.requests.services import service_request_create

PAGE_SIZE = 20


@person_required
@require_POST
def service_request(request: PersonRequest, code: str) -> HttpResponse:
    try:
        created = service_request_create(user=request.account, service_code=code)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect(reverse("portal:services") + f"#service-{code}")
    messages.success(
        request,
        _(
            "Your request for “%(service)s” was received. Pay its SADAD bill below, at a bank, "
            "an ATM or by card, and it will then be processed."
        )
        % {"service": created.service.name},
    )
    return redirect("portal:bill", sadad_number=created.sadad_number)


@person_required
@require_GET
def requests(request: PersonRequest) -> HttpResponse:
    page = Paginator(service_requests_of(person=request.person), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/requests/list.html", {"page": page})
