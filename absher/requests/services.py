"""Generic fee-bearing e-service requests: request → SADAD bill → paid → an officer fulfils or
rejects it (a rejection after payment refunds the bill)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import AccountStatus, StaffRole
from absher.accounts.models import StaffMember, User
from absher.accounts.selectors import service_codes_activated_by, service_is_offered_to
from absher.accounts.services.activation import account_not_activated
from absher.audit.services import audit_record
from absher.catalog.availability import e_service_entry_point, service_start_check
from absher.catalog.models import Service
from absher.core import clock
from absher.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from absher.notifications.services import notification_send
from absher.payments.models import Bill
from absher.payments.selectors import bill_has_lapsed
from absher.payments.services import bill_create, bill_withdraw
from absher.requests.constants import (
    BILL_PURPOSE,
    DEDICATED_SERVICES,
    REQUEST_TRANSITIONS,
    RequestStatus,
)
from absher.requests.models import ServiceRequest, ServiceRequestEvent


def _transition(
    request: ServiceRequest, to: str, *, actor_type: str, actor_id: str, note: str = ""
) -> None:
    if to not in REQUEST_TRANSITIONS[request.status]:
        raise Conflict(
            "request_transition_refused",
            _("This request can no longer be changed this way."),
            {"status": request.status},
        )
    before = request.status
    request.status = to
    fields = ["status", "updated_at"]
    if to in (RequestStatus.FULFILLED, RequestStatus.REJECTED, RequestStatus.CANCELLED):
        request.decided_at = clock.now()
        request.decided_by = actor_id
        request.decision_note = note[:500]
        fields += ["decided_at", "decided_by", "decision_note"]
    request.save(update_fields=fields)
    ServiceRequestEvent.objects.create(
        request=request,
        from_status=before,
        to_status=to,
        actor_type=actor_type,
        actor_id=actor_id,
        note=note[:500],
    )
    audit_record(
        action=f"service_request.{to}",
        actor_type=actor_type,
        actor_id=actor_id,
        subject_type="service_request",
        subject_id=str(request.pk),
        person=request.person,
        data={"from": before, "service": request.service.code},
    )


def _service_not_found() -> NotFound:
    return NotFound("service_not_found", _("This e-service does not exist."))


@e_service_entry_point(arguments=lambda user, service: {"user": user, "service_code": service.code})
def service_request_create(*, user: User, service_code: str) -> ServiceRequest:
    """Starts an e-service request and issues its SADAD bill for the catalogue fee. The
    suspension check comes before what depends on the service's own flow or fee, so that a
    suspended person is told why whichever service they ask for."""
    service = (
        Service.objects.select_related("department")
        .filter(code=service_code, is_active=True)
        .first()
    )
    if service is None:
        raise _service_not_found()
    if user.status != AccountStatus.ACTIVE or user.person is None:
        raise account_not_activated()
    person = user.person
    if not service_is_offered_to(service=service, person=person):
        raise Forbidden("service_not_eligible", _("This e-service is not offered to you."))
    service_start_check(person=person, service=service)
    # Services with their own flow (a transfer, a case) or a fee worked out per case are not
    # requested here.
    if service.code in DEDICATED_SERVICES or service.fee_depends_on_case:
        raise _service_not_found()
    if service.requires_activation and service.code not in service_codes_activated_by(user=user):
        raise Forbidden(
            "service_not_activated", _("Activate this e-service first, then try again.")
        )
    if service.fee_halalas <= 0:
        raise InvalidInput(
            "service_has_no_fee", _("This e-service has no fee and needs no request here.")
        )
    try:
        with transaction.atomic():
            _close_lapsed(person_id=person.pk, service=service)
            request = ServiceRequest.objects.create(
                person=person, service=service, fee_halalas=service.fee_halalas
            )
            bill = bill_create(
                payer=person,
                service=service,
                amount_halalas=service.fee_halalas,
                purpose=BILL_PURPOSE,
                purpose_id=str(request.pk),
            )
            request.sadad_number = bill.sadad_number
            request.save(update_fields=["sadad_number", "updated_at"])
            ServiceRequestEvent.objects.create(
                request=request,
                to_status=RequestStatus.AWAITING_PAYMENT,
                actor_type="person",
                actor_id=str(user.pk),
            )
            audit_record(
                action="service_request.created",
                actor_type="person",
                actor_id=str(user.pk),
                subject_type="service_request",
                subject_id=str(request.pk),
                person=person,
                data={"service": service.code, "bill": bill.sadad_number},
            )
    except IntegrityError:
        raise Conflict(
            "request_open", _("You already have an open request for this e-service.")
        ) from None
    return request


def _close_lapsed(*, person_id: int, service: Service) -> None:
    """An open request whose bill expired unpaid can never go on: it is cancelled, so that it does
    not hold the person's one open request for the service. By the clock, before any sweep."""
    open_request = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("person", "service")
        .filter(person_id=person_id, service=service, status=RequestStatus.AWAITING_PAYMENT)
        .first()
    )
    if open_request is not None and bill_has_lapsed(sadad_number=open_request.sadad_number):
        _transition(
            open_request,
            RequestStatus.CANCELLED,
            actor_type="system",
            actor_id="payments",
            note="bill_expired",
        )


def service_request_mark_paid(bill: Bill) -> None:
    """Fulfilment handler for paid request bills (idempotent). A request closed meanwhile (the
    officer rejected it, or it lapsed) does not go on; a bill still paid for it is refunded."""
    request = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("person", "service")
        .filter(pk=int(bill.purpose_id))
        .first()
    )
    if request is None:
        return
    if request.status == RequestStatus.AWAITING_PAYMENT:
        _transition(request, RequestStatus.PAID, actor_type="system", actor_id="payments")
    elif request.status == RequestStatus.CANCELLED:
        bill_withdraw(
            sadad_number=bill.sadad_number,
            actor_type="system",
            actor_id="payments",
            reason="request_cancelled",
        )


def _officer_only(officer: StaffMember) -> None:
    if officer.role != StaffRole.OFFICER:
        raise Forbidden("not_an_officer", _("Only Absher officers may decide e-service requests."))


def _locked(request_id: int) -> ServiceRequest:
    request = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("person", "service")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound("request_not_found", _("This request does not exist."))
    return request


def service_request_fulfil(*, officer: StaffMember, request_id: int) -> ServiceRequest:
    """The officer has done what was paid for (a paid request only)."""
    _officer_only(officer)
    with transaction.atomic():
        request = _locked(request_id)
        _transition(
            request, RequestStatus.FULFILLED, actor_type="staff", actor_id=str(officer.user_id)
        )
        notification_send(
            person=request.person,
            kind="service_request_fulfilled",
            title_ar="اكتمل طلبك",
            title_en="Your request is complete",
            body_ar=f"اكتمل طلب {request.service.name_ar} رقم {request.pk}.",
            body_en=f"Your {request.service.name_en} request no. {request.pk} is complete.",
        )
    return request


def service_request_reject(*, officer: StaffMember, request_id: int, reason: str) -> ServiceRequest:
    """A rejection before payment cancels the bill; after payment it refunds it. The bill's own
    status decides, under its lock, so a payment that lands just before is refunded."""
    _officer_only(officer)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason_required", _("Give the reason for the rejection."))
    with transaction.atomic():
        request = _locked(request_id)
        _transition(
            request,
            RequestStatus.REJECTED,
            actor_type="staff",
            actor_id=str(officer.user_id),
            note=reason,
        )
        bill_withdraw(
            sadad_number=request.sadad_number,
            actor_type="staff",
            actor_id=str(officer.user_id),
            reason=reason,
        )
        notification_send(
            person=request.person,
            kind="service_request_rejected",
            title_ar="رُفض طلبك",
            title_en="Your request was rejected",
            body_ar=f"رُفض طلب {request.service.name_ar} رقم {request.pk}. السبب: {reason}",
            body_en=f"Your {request.service.name_en} request no. {request.pk} was rejected. "
            f"Reason: {reason}",
        )
    return request
