"""A person with something of every kind the platform holds (the owner), built through the domain
services, and someone else with data of their own that the owner's export must leave out."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from absher.accounts.constants import StaffRole
from absher.accounts.models import Authority, ServiceActivation, User
from absher.accounts.tests.support import T0
from absher.audit.services import audit_record_access
from absher.catalog.models import Service
from absher.identity.models import Person
from absher.notifications.services import notification_send
from absher.payments.models import Bill
from absher.payments.tests.helpers import issue
from absher.requests.models import ServiceRequest
from absher.requests.services import service_request_create
from absher.suspensions.services import suspension_lift
from absher.suspensions.tests.helpers import place
from absher.transfers.models import TransferCase, TransferRequest
from absher.transfers.tests.case_support import file_case, filer_user, make_officer
from absher.transfers.tests.helpers import citizen, create, pay, user_of, worker_of


@dataclass
class Household:
    owner: Person
    account: User
    worker: Person
    paid_bill: Bill
    unpaid_bill: Bill
    request: ServiceRequest
    outgoing: TransferRequest
    incoming: TransferRequest
    new_sponsor: Person
    incoming_sponsor: Person
    filed_case: TransferCase
    case_against: TransferCase
    case_filer: Person
    other: Person
    other_bill: Bill


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def documents_dir(settings, tmp_path):
    settings.CASE_DOCUMENTS_DIR = tmp_path / "cases"
    return settings.CASE_DOCUMENTS_DIR


@pytest.fixture
def household(db, documents_dir) -> Household:
    owner = citizen(name_ar="منيرة سالم الشهري", name_en="Munira Salem Alshehri")
    # An activated account with both transfer services activated.
    account = filer_user(owner)
    ServiceActivation.objects.create(
        user=account, service=Service.objects.get(code="worker_services_transfer")
    )

    # Bills: one paid at a bank (with its receipt), one still unpaid; an e-service request.
    paid_bill = issue(owner, amount=15000)
    pay(paid_bill)
    paid_bill.refresh_from_db()
    unpaid_bill = issue(owner, amount=30000, service_code="passport_renewal")
    request = service_request_create(user=account, service_code="passport_renewal")

    # Transfers: one the owner made for her worker, one made to her by another sponsor.
    worker = worker_of(owner)
    new_sponsor = citizen(name_ar="فهد ناصر العنزي", name_en="Fahad Nasser Alanazi")
    user_of(new_sponsor)
    outgoing = create(account, worker, new_sponsor)
    incoming_sponsor = citizen(name_ar="خالد علي الغامدي", name_en="Khalid Ali Alghamdi")
    incoming_user = user_of(incoming_sponsor)
    incoming = create(incoming_user, worker_of(incoming_sponsor), owner)

    # Cases: one the owner filed, one filed by someone else for another of her workers.
    third_sponsor = citizen()
    filed_case = file_case(account, worker_of(third_sponsor))
    case_filer = citizen(name_ar="ريم عبدالرحمن الحربي", name_en="Reem Abdulrahman Alharbi")
    case_against = file_case(filer_user(case_filer), worker_of(owner))

    # Suspensions (one lifted), messages, and look-ups of her data by staff.
    court = Authority.objects.create(code="court-x", name_ar="محكمة", name_en="Court")
    place(court, owner, reference="CRT-ACTIVE")
    place(court, owner, reference="CRT-LIFTED")
    suspension_lift(authority=court, reference="CRT-LIFTED", actor_type="system", actor_id="t")
    notification_send(
        person=owner,
        kind="test.notice",
        title_ar="إشعار",
        title_en="Notice",
        body_ar="نص الإشعار",
        body_en="The notice",
        send_sms=False,
    )
    officer = make_officer(StaffRole.OFFICER)
    audit_record_access(
        action="call_centre.suspensions_viewed",
        actor_type="staff",
        actor_id=str(officer.pk),
        person=owner,
        data={"actor_label": "call_centre_19999"},
    )

    other = citizen(name_ar="سارة حمد الدوسري", name_en="Sara Hamad Aldossary")
    other_bill = issue(other, amount=12345)
    notification_send(
        person=other,
        kind="test.other",
        title_ar="لغيرك",
        title_en="Someone else's",
        body_ar="رسالة لشخص آخر",
        body_en="A message for someone else",
        send_sms=False,
    )
    return Household(
        owner=owner,
        account=account,
        worker=worker,
        paid_bill=paid_bill,
        unpaid_bill=unpaid_bill,
        request=request,
        outgoing=outgoing,
        incoming=incoming,
        new_sponsor=new_sponsor,
        incoming_sponsor=incoming_sponsor,
        filed_case=filed_case,
        case_against=case_against,
        case_filer=case_filer,
        other=other,
        other_bill=other_bill,
    )
