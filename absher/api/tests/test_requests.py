"""Generic fee-bearing e-service requests (SPEC 5): POST /api/v1/requests issues a SADAD bill for
the catalogue fee; paying it makes the request `paid`; an officer then fulfils or rejects it (a
rejection before payment cancels the bill, after payment refunds it). Every refusal changes
nothing."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.accounts.constants import AccountStatus, StaffRole
from absher.accounts.models import Office, ServiceActivation, StaffMember, User
from absher.accounts.tests.support import T0, make_partner, make_person
from absher.audit.models import AuditEvent
from absher.catalog.availability import e_service_entry_points
from absher.catalog.models import Service
from absher.core.errors import ApplicationError
from absher.notifications.models import Message
from absher.payments.models import Bill, Fulfilment
from absher.payments.services import BankPayment, bill_pay_from_bank
from absher.payments.tests.helpers import notification, notify
from absher.payments.tests.helpers import snapshot as payments_snapshot
from absher.requests import services
from absher.requests.constants import BILL_PURPOSE
from absher.requests.models import ServiceRequest, ServiceRequestEvent
from absher.suspensions.tests.helpers import account, authority_partner, place, signed_in

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/requests"


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def user(person):
    return account(person)


@pytest.fixture
def signed(api, user):
    return signed_in(api, user)


@pytest.fixture
def bank(db):
    return make_partner("test-bank")


@pytest.fixture
def officer(db):
    office = Office.objects.create(code="riyadh", name_ar="مكتب الرياض", name_en="Riyadh office")
    staff_user = User.objects.create(username="officer.1", mobile="+966500000201")
    return StaffMember.objects.create(user=staff_user, role=StaffRole.OFFICER, office=office)


def snapshot() -> dict[str, Any]:
    return {
        **payments_snapshot(),
        "requests": sorted(ServiceRequest.objects.values_list("pk", "status", "decided_at")),
        "request_events": ServiceRequestEvent.objects.count(),
    }


def _create(api, code: str = "passport_renewal"):
    return api.post(REQUESTS, {"service_code": code})


def _refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code


def _pay(api, bank, request: ServiceRequest, reference: str = "TX-1"):
    bill = Bill.objects.get(sadad_number=request.sadad_number)
    response = notify(api, bank, notification(bill, bank_reference=reference))
    assert response.json()["result"] == "applied", response.json()
    return bill


# --- creating -------------------------------------------------------------------------------------


def test_a_request_issues_a_bill_for_the_catalogue_fee(signed, person):
    response = _create(signed)

    assert response.status_code == 201, response.json()
    request = ServiceRequest.objects.get()
    bill = Bill.objects.get()
    assert response.json() == {
        "id": request.pk,
        "service_code": "passport_renewal",
        "status": "awaiting_payment",
        "fee_halalas": 30000,
        "sadad_number": bill.sadad_number,
        "created_at": "2026-03-01T10:05:00Z",
        "decided_at": None,
        "decision_note": "",
    }
    assert (bill.amount_halalas, bill.payer_id, bill.service.code, bill.status) == (
        30000,
        person.pk,
        "passport_renewal",
        "unpaid",
    )
    assert (bill.purpose, bill.purpose_id) == (BILL_PURPOSE, str(request.pk))
    assert list(ServiceRequestEvent.objects.values_list("from_status", "to_status")) == [
        ("", "awaiting_payment")
    ]
    created = AuditEvent.objects.get(action="service_request.created")
    assert created.data == {"service": "passport_renewal", "bill": bill.sadad_number}
    assert Message.objects.get(person=person).kind == "bill_issued"


@pytest.mark.parametrize(
    ("code", "fee"),
    [("iqama_renewal", 65000), ("driving_licence_renewal", 40000), ("exit_reentry_visa", 20000)],
)
def test_each_fee_bearing_service_bills_its_own_fee(signed, code, fee):
    response = _create(signed, code)

    assert response.status_code == 201
    assert response.json()["fee_halalas"] == fee
    assert Bill.objects.get().amount_halalas == fee


def test_a_registered_account_cannot_request(api, person):
    signed_in(api, account(person, status=AccountStatus.REGISTERED))
    before = snapshot()

    response = _create(api)

    _refused(response, 403, "account_not_activated")
    assert snapshot() == before


def test_a_citizens_only_service_is_refused_to_a_resident(api):
    resident = make_person(prefix="2")
    signed_in(api, account(resident))
    before = snapshot()

    response = _create(api, "passport_renewal")

    _refused(response, 403, "service_not_eligible")
    assert snapshot() == before


def test_a_suspended_service_is_refused_naming_the_suspension_and_issues_no_bill(signed, person):
    place(authority_partner("test-court").authority, person, "CRT-9", "service:passport_renewal")
    before = snapshot()

    response = _create(signed)

    _refused(response, 403, "service_suspended")
    assert response.json()["details"]["reference"] == "CRT-9"
    assert response.json()["details"]["service"] == "passport_renewal"
    assert snapshot() == before
    assert Bill.objects.count() == 0


def test_a_suspension_of_another_department_does_not_block(signed, person):
    place(authority_partner("test-court").authority, person, "CRT-9", "department:traffic")

    assert _create(signed).status_code == 201


def test_a_service_without_a_fee_is_refused(signed):
    before = snapshot()

    response = _create(signed, "national_address_update")

    _refused(response, 422, "service_has_no_fee")
    assert snapshot() == before


@pytest.mark.parametrize(
    "code", ["worker_services_transfer", "transfer_without_consent", "no_such_service"]
)
def test_services_with_their_own_flow_and_unknown_ones_are_not_found(signed, code):
    before = snapshot()

    response = _create(signed, code)

    _refused(response, 404, "service_not_found")
    assert snapshot() == before


def test_a_service_no_longer_offered_is_not_found(signed):
    Service.objects.filter(code="passport_renewal").update(is_active=False)

    _refused(_create(signed), 404, "service_not_found")
    assert ServiceRequest.objects.count() == 0


def test_a_service_that_needs_activation_needs_it_first(signed, user):
    Service.objects.filter(code="iqama_renewal").update(requires_activation=True)

    refused = _create(signed, "iqama_renewal")
    ServiceActivation.objects.create(user=user, service=Service.objects.get(code="iqama_renewal"))
    accepted = _create(signed, "iqama_renewal")

    _refused(refused, 403, "service_not_activated")
    assert accepted.status_code == 201


def test_a_second_open_request_for_the_same_service_is_refused(signed):
    assert _create(signed).status_code == 201
    before = snapshot()

    response = _create(signed)

    _refused(response, 409, "request_open")
    assert snapshot() == before


def test_requests_for_different_services_may_be_open_together(signed):
    assert _create(signed, "passport_renewal").status_code == 201
    assert _create(signed, "iqama_renewal").status_code == 201
    assert Bill.objects.count() == 2


def test_a_request_whose_bill_expired_unpaid_gives_way_to_a_new_one(signed, user, moved_clock):
    old = ServiceRequest.objects.get(pk=_create(signed).json()["id"])
    moved_clock(T0 + dt.timedelta(days=29))
    signed_in(signed, user)

    response = _create(signed)

    assert response.status_code == 201
    old.refresh_from_db()
    assert (old.status, old.decided_by, old.decision_note) == (
        "cancelled",
        "payments",
        "bill_expired",
    )
    assert ServiceRequest.objects.get(pk=response.json()["id"]).status == "awaiting_payment"
    assert (
        Bill.objects.filter(status="unpaid", expires_at__gt=T0 + dt.timedelta(days=29)).count() == 1
    )


def test_an_unpaid_request_still_in_time_holds_its_place(signed, user, moved_clock):
    _create(signed)
    moved_clock(T0 + dt.timedelta(days=28))
    signed_in(signed, user)

    _refused(_create(signed), 409, "request_open")


def test_the_request_body_is_validated(signed):
    response = signed.post(REQUESTS, {})

    _refused(response, 422, "validation_error")


# --- paying ---------------------------------------------------------------------------------------


def test_paying_the_bill_makes_the_request_paid(signed, bank, user):
    request = ServiceRequest.objects.get(pk=_create(signed).json()["id"])

    _pay(signed, bank, request)

    request.refresh_from_db()
    assert request.status == "paid"
    assert list(
        ServiceRequestEvent.objects.filter(request=request)
        .order_by("id")
        .values_list("from_status", "to_status", "actor_type", "actor_id")
    ) == [
        ("", "awaiting_payment", "person", str(user.pk)),
        ("awaiting_payment", "paid", "system", "payments"),
    ]
    assert Fulfilment.objects.get().status == "done"
    assert signed.get(f"{REQUESTS}/{request.pk}").json()["status"] == "paid"


def test_a_paid_request_is_out_of_the_way_of_a_new_one_only_once_decided(signed, bank):
    request = ServiceRequest.objects.get(pk=_create(signed).json()["id"])
    _pay(signed, bank, request)

    _refused(_create(signed), 409, "request_open")


# --- officers -------------------------------------------------------------------------------------


def test_an_officer_fulfils_a_paid_request_and_the_person_is_told(signed, bank, officer, person):
    request = ServiceRequest.objects.get(pk=_create(signed).json()["id"])
    _pay(signed, bank, request)

    done = services.service_request_fulfil(officer=officer, request_id=request.pk)

    assert (done.status, done.decided_at, done.decided_by) == (
        "fulfilled",
        T0,
        str(officer.user_id),
    )
    message = Message.objects.get(person=person, kind="service_request_fulfilled")
    assert message.body_en == f"Your Passport renewal request no. {request.pk} is complete."
    assert message.body_ar == f"اكتمل طلب تجديد جواز السفر رقم {request.pk}."
    audit = AuditEvent.objects.get(action="service_request.fulfilled")
    assert (audit.actor_type, audit.actor_id, audit.subject_id) == (
        "staff",
        str(officer.user_id),
        str(request.pk),
    )
    assert Bill.objects.get().status == "paid"


def test_a_rejection_before_payment_cancels_the_bill(signed, officer, person):
    request = ServiceRequest.objects.get(pk=_create(signed).json()["id"])

    rejected = services.service_request_reject(
        officer=officer, request_id=request.pk, reason="Photo does not meet the rules"
    )

    assert (rejected.status, rejected.decision_note) == (
        "rejected",
        "Photo does not meet the rules",
    )
    bill = Bill.objects.get()
    assert (bill.status, bill.close_reason) == ("cancelled", "Photo does not meet the rules")
    message = Message.objects.get(person=person, kind="service_request_rejected")
    assert message.body_en == (
        f"Your Passport renewal request no. {request.pk} was rejected. "
        "Reason: Photo does not meet the rules"
    )
    assert not Message.objects.filter(kind="bill_refunded").exists()


def test_a_rejection_after_payment_refunds_the_bill_and_tells_the_person(
    signed, bank, officer, person
):
    request = ServiceRequest.objects.get(pk=_create(signed).json()["id"])
    _pay(signed, bank, request)

    services.service_request_reject(officer=officer, request_id=request.pk, reason="Not eligible")

    assert ServiceRequest.objects.get().status == "rejected"
    assert Bill.objects.get().status == "refunded"
    assert set(Message.objects.filter(person=person).values_list("kind", flat=True)) == {
        "bill_issued",
        "bill_paid",
        "bill_refunded",
        "service_request_rejected",
    }


def test_a_rejection_between_payment_and_fulfilment_refunds_and_fulfilment_leaves_it(
    signed, bank, officer, django_capture_on_commit_callbacks
):
    request = ServiceRequest.objects.get(pk=_create(signed).json()["id"])
    bill = Bill.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as pending:
        bill_pay_from_bank(
            partner_code="test-bank",
            payment=BankPayment(
                sadad_number=bill.sadad_number,
                amount_halalas=30000,
                bank_code="RJHI",
                bank_reference="TX-9",
                paid_at=T0,
            ),
        )
    assert ServiceRequest.objects.get().status == "awaiting_payment"

    services.service_request_reject(officer=officer, request_id=request.pk, reason="Withdrawn")
    for callback in pending:
        callback()

    assert ServiceRequest.objects.get().status == "rejected"
    assert Bill.objects.get().status == "refunded"
    assert Fulfilment.objects.get().status == "done"


def test_a_bill_paid_for_a_request_closed_meanwhile_is_refunded_by_its_fulfilment(signed, bank):
    request = ServiceRequest.objects.get(pk=_create(signed).json()["id"])
    ServiceRequest.objects.filter(pk=request.pk).update(status="cancelled")

    _pay(signed, bank, request)

    assert ServiceRequest.objects.get().status == "cancelled"
    assert Bill.objects.get().status == "refunded"


@pytest.mark.parametrize("state", ["awaiting_payment", "fulfilled", "rejected"])
def test_an_officer_cannot_fulfil_a_request_that_is_not_paid(signed, bank, officer, state):
    request = _in_state(signed, bank, officer, state)
    before = snapshot()

    with pytest.raises(ApplicationError) as refusal:
        services.service_request_fulfil(officer=officer, request_id=request.pk)

    assert (refusal.value.code, refusal.value.http_status) == ("request_transition_refused", 409)
    assert refusal.value.extra == {"status": state}
    assert snapshot() == before


@pytest.mark.parametrize("state", ["fulfilled", "rejected", "cancelled"])
def test_an_officer_cannot_reject_a_decided_request(signed, bank, officer, state):
    request = _in_state(signed, bank, officer, state)
    before = snapshot()

    with pytest.raises(ApplicationError) as refusal:
        services.service_request_reject(officer=officer, request_id=request.pk, reason="No")

    assert refusal.value.code == "request_transition_refused"
    assert snapshot() == before


def _in_state(api, bank, officer, state: str) -> ServiceRequest:
    request = ServiceRequest.objects.get(pk=_create(api).json()["id"])
    if state in ("fulfilled", "paid"):
        _pay(api, bank, request)
    if state == "fulfilled":
        services.service_request_fulfil(officer=officer, request_id=request.pk)
    if state == "rejected":
        services.service_request_reject(officer=officer, request_id=request.pk, reason="No")
    if state == "cancelled":
        ServiceRequest.objects.filter(pk=request.pk).update(status="cancelled")
    request.refresh_from_db()
    assert request.status == state
    return request


def test_a_rejection_needs_a_reason(signed, officer):
    request = ServiceRequest.objects.get(pk=_create(signed).json()["id"])
    before = snapshot()

    with pytest.raises(ApplicationError) as refusal:
        services.service_request_reject(officer=officer, request_id=request.pk, reason="  ")

    assert (refusal.value.code, refusal.value.http_status) == ("reason_required", 422)
    assert snapshot() == before


@pytest.mark.parametrize(
    "role", [StaffRole.CALL_CENTRE_AGENT, StaffRole.AUTHORITY_CLERK, StaffRole.ADMINISTRATOR]
)
def test_only_officers_decide_requests(signed, bank, role):
    request = ServiceRequest.objects.get(pk=_create(signed).json()["id"])
    _pay(signed, bank, request)
    staff_user = User.objects.create(username="staff.2", mobile="+966500000202")
    authority = authority_partner("clerk-court").authority if role == "authority_clerk" else None
    member = StaffMember.objects.create(user=staff_user, role=role, authority=authority)
    before = snapshot()

    for decide in (
        lambda: services.service_request_fulfil(officer=member, request_id=request.pk),
        lambda: services.service_request_reject(officer=member, request_id=request.pk, reason="x"),
    ):
        with pytest.raises(ApplicationError) as refusal:
            decide()
        assert (refusal.value.code, refusal.value.http_status) == ("not_an_officer", 403)
    assert snapshot() == before


def test_deciding_an_unknown_request_is_not_found(officer):
    with pytest.raises(ApplicationError) as refusal:
        services.service_request_fulfil(officer=officer, request_id=999_999)

    assert (refusal.value.code, refusal.value.http_status) == ("request_not_found", 404)


def test_after_a_rejection_the_service_can_be_requested_again(signed, officer):
    request = ServiceRequest.objects.get(pk=_create(signed).json()["id"])
    services.service_request_reject(officer=officer, request_id=request.pk, reason="No")

    assert _create(signed).status_code == 201


# --- reading --------------------------------------------------------------------------------------


def test_my_requests_lists_my_own_newest_first(signed, moved_clock):
    first = _create(signed, "passport_renewal").json()
    moved_clock(T0 + dt.timedelta(minutes=1))
    second = _create(signed, "iqama_renewal").json()
    services.service_request_create(
        user=account(make_person(), username="other"), service_code="iqama_renewal"
    )

    response = signed.get(REQUESTS)

    assert response.status_code == 200
    assert response.json() == {"items": [second, first]}


def test_my_requests_takes_the_same_number_of_queries_for_one_or_many(signed):
    _create(signed, "passport_renewal")
    with CaptureQueriesContext(connection) as one:
        assert len(signed.get(REQUESTS).json()["items"]) == 1
    for code in ("iqama_renewal", "driving_licence_renewal", "exit_reentry_visa"):
        _create(signed, code)

    with CaptureQueriesContext(connection) as four:
        assert len(signed.get(REQUESTS).json()["items"]) == 4

    assert len(four.captured_queries) == len(one.captured_queries)


def test_another_persons_request_is_not_found_like_a_missing_one(signed):
    theirs = services.service_request_create(
        user=account(make_person(), username="other"), service_code="iqama_renewal"
    )

    other = signed.get(f"{REQUESTS}/{theirs.pk}")
    missing = signed.get(f"{REQUESTS}/999999")
    huge = signed.get(f"{REQUESTS}/99999999999999999999999")

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert other.json()["code"] == "request_not_found"
    assert huge.json() == missing.json()


# --- the enforcement point ------------------------------------------------------------------------


def test_request_creation_is_a_declared_e_service_entry_point(user):
    declared = {e.function: e for e in e_service_entry_points()}

    entry_point = declared[services.service_request_create]
    arguments = entry_point.arguments(user, Service.objects.get(code="passport_renewal"))

    assert arguments == {"user": user, "service_code": "passport_renewal"}
    assert entry_point.service_codes == ()


def test_a_suspension_is_named_before_the_dedicated_flow_or_the_fee(signed, person):
    place(authority_partner("test-court").authority, person, "CRT-ALL", "all")

    for code in ("worker_services_transfer", "national_address_update", "passport_renewal"):
        response = _create(signed, code)
        _refused(response, 403, "service_suspended")
