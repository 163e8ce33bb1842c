"""Officers decide paid e-service requests (request → SADAD bill → paid → completed or rejected):
the queue, one request with its person, and the two decisions. Opening a request shows the
person's registry data, so each opening is written to their access log ("who looked at my data");
the queue shows only the name and the last digits of the ID number and is not.

A decision is taken only on a request still in the queue: one decided meanwhile by another officer
sends the officer back to the queue, and the services refuse anything that slips between."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from absher.accounts.constants import StaffRole
from absher.audit.services import audit_record_access
from absher.backoffice.access import StaffRequest, officer_label, staff_required
from absher.backoffice.forms import (
    REQUEST_REJECT_FIELDS,
    RequestFulfilForm,
    RequestRejectForm,
    add_refusal,
)
from absher.core.errors import ApplicationError
from absher.requests.selectors import service_requests_to_process
from absher.requests.services import service_request_fulfil, service_request_reject

if TYPE_CHECKING:
    from absher.accounts.models import StaffMember
    from absher.requests.models import ServiceRequest

PAGE_SIZE = 50
VIEWED_ACTION = "service_request.viewed"


def _queued(request_id: int) -> ServiceRequest | None:
    """The request with its person and service while it waits for a decision; else None."""
    return service_requests_to_process().filter(pk=request_id).first()


def _record_view(member: StaffMember, service_request: ServiceRequest) -> None:
    audit_record_access(
        action=VIEWED_ACTION,
        actor_type="staff",
        actor_id=str(member.user_id),
        person=service_request.person,
        subject_type="service_request",
        subject_id=str(service_request.pk),
        data={
            "actor_label": officer_label(member),
            "office": member.office.code if member.office else "",
            "purpose": "service_request_decision",
        },
    )


def _render_detail(
    request: StaffRequest,
    service_request: ServiceRequest,
    *,
    fulfil_form: RequestFulfilForm | None = None,
    reject_form: RequestRejectForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "backoffice/requests/detail.html",
        {
            "service_request": service_request,
            "fulfil_form": fulfil_form or RequestFulfilForm(),
            "reject_form": reject_form or RequestRejectForm(),
        },
    )


def _no_longer_queued(request: StaffRequest) -> HttpResponse:
    messages.info(
        request,
        _(
            "This request is no longer waiting for a decision: another officer may have decided "
            "it already. Nothing was changed."
        ),
    )
    return redirect("backoffice:request_queue")


@staff_required(StaffRole.OFFICER)
@require_GET
def request_queue(request: StaffRequest) -> HttpResponse:
    page = Paginator(service_requests_to_process(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/requests/queue.html", {"page": page})


@staff_required(StaffRole.OFFICER)
@never_cache
@require_GET
def request_detail(request: StaffRequest, request_id: int) -> HttpResponse:
    service_request = _queued(request_id)
    if service_request is None:
        raise Http404
    _record_view(request.staff_member, service_request)
    return _render_detail(request, service_request)


@staff_required(StaffRole.OFFICER)
@require_POST
def request_fulfil(request: StaffRequest, request_id: int) -> HttpResponse:
    service_request = _queued(request_id)
    if service_request is None:
        return _no_longer_queued(request)
    form = RequestFulfilForm(request.POST)
    form.is_valid()
    try:
        service_request_fulfil(officer=request.staff_member, request_id=service_request.pk)
    except ApplicationError as error:
        add_refusal(form, error)
        return _render_detail(request, service_request, fulfil_form=form)
    messages.success(
        request,
        _(
            "Request no. %(number)s was marked completed. The person was told by SMS and in "
            "their Absher messages."
        )
        % {"number": service_request.pk},
    )
    return redirect("backoffice:request_queue")


@staff_required(StaffRole.OFFICER)
@require_POST
def request_reject(request: StaffRequest, request_id: int) -> HttpResponse:
    service_request = _queued(request_id)
    if service_request is None:
        return _no_longer_queued(request)
    form = RequestRejectForm(request.POST)
    if form.is_valid():
        try:
            service_request_reject(
                officer=request.staff_member,
                request_id=service_request.pk,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            add_refusal(form, error, REQUEST_REJECT_FIELDS)
        else:
            messages.success(
                request,
                _(
                    "Request no. %(number)s was rejected and its fee will be refunded. The person "
                    "was told the reason by SMS and in their Absher messages."
                )
                % {"number": service_request.pk},
            )
            return redirect("backoffice:request_queue")
    return _render_detail(request, service_request, reject_form=form)
