"""The e-services of an activated person (الخدمات الإلكترونية): the catalogue by department with,
for this person, the fee and whether each service is available, needs its own activation, is not
offered to them or is suspended; and per-service activation (choose → activate → code)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from absher.accounts.constants import OtpPurpose
from absher.accounts.selectors import services_for_viewer
from absher.accounts.services.activation import (
    service_activation_start,
    service_activation_verify,
)
from absher.catalog import selectors as catalog_selectors
from absher.catalog.models import Service
from absher.core.errors import ApplicationError
from absher.portal.access import PersonRequest, person_required
from absher.portal.forms import CODE_FIELDS, CodeForm, add_refusal, posted
from absher.portal.pending import CodeStep, pending_clear, pending_load, pending_save
from absher.portal.views.codes import code_page, code_resend

ACTIVATED_SERVICE_KEY = "portal_service_activated"

SERVICE_ACTIVATE = CodeStep(
    flow="service_activation",
    purpose=OtpPurpose.SERVICE_ACTIVATE,
    title=gettext_lazy("Activate the service: enter the verification code"),
    submit_label=gettext_lazy("Activate the service"),
    restart_url="portal:services",
    restart_label=gettext_lazy("Back to the e-services"),
)


@person_required
@require_GET
def services(request: PersonRequest) -> HttpResponse:
    for_viewer = {item["code"]: item for item in services_for_viewer(user=request.account)}
    departments = [
        {
            "department": department,
            "services": [
                {"service": service, "viewer": for_viewer[service.code]}
                for service in department.services.all()
                if service.code in for_viewer
            ],
        }
        for department in catalog_selectors.departments_with_services()
    ]
    has_suspended = any(item["suspended"] for item in for_viewer.values())
    return render(
        request,
        "portal/services/list.html",
        {"departments": departments, "has_suspended": has_suspended},
    )


def _offered_service(code: str) -> Service:
    service = catalog_selectors.service_get(code=code)
    if service is None:
        raise Http404
    return service


@person_required
@require_POST
def service_activate(request: PersonRequest, code: str) -> HttpResponse:
    service = _offered_service(code)
    try:
        challenge = service_activation_start(user=request.account, service_code=service.code)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect(reverse("portal:services") + f"#service-{service.code}")
    pending_save(request.session, SERVICE_ACTIVATE, challenge, service_code=service.code)
    return redirect("portal:service_activate_verify", code=service.code)


@person_required
@require_http_methods(["GET", "POST"])
def service_activate_verify(request: PersonRequest, code: str) -> HttpResponse:
    service = _offered_service(code)
    pending = pending_load(request.session, SERVICE_ACTIVATE)
    if pending is None or pending.extra.get("service_code") != service.code:
        return redirect("portal:services")
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            service_activation_verify(
                user=request.account,
                service_code=service.code,
                challenge_id=pending.challenge_id,
                code=form.cleaned_data["code"],
            )
        except ApplicationError as error:
            add_refusal(form, error, CODE_FIELDS)
        else:
            pending_clear(request.session, SERVICE_ACTIVATE)
            request.session[ACTIVATED_SERVICE_KEY] = service.code
            return redirect("portal:service_activated", code=service.code)
    context: dict[str, Any] = {"service": service}
    return code_page(
        request,
        SERVICE_ACTIVATE,
        pending,
        form,
        resend_url=reverse("portal:service_activate_resend", kwargs={"code": service.code}),
        context=context,
    )


@person_required
@require_POST
def service_activate_resend(request: PersonRequest, code: str) -> HttpResponse:
    service = _offered_service(code)
    return code_resend(
        request,
        SERVICE_ACTIVATE,
        verify_url=reverse("portal:service_activate_verify", kwargs={"code": service.code}),
    )


@person_required
@require_GET
def service_activated(request: PersonRequest, code: str) -> HttpResponse:
    service = _offered_service(code)
    if request.session.get(ACTIVATED_SERVICE_KEY) != service.code:
        return redirect("portal:services")
    request.session.pop(ACTIVATED_SERVICE_KEY)
    return render(request, "portal/services/activated.html", {"service": service})
