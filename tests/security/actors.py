"""Actors of every kind and an object of every kind, for the security tests (the `world` fixture).

The owner is an activated person who owns one of each object that a URL can name: a paid bill with
its receipt, a paid e-service request, a transfer request (as the current sponsor), a case with
its documents, an inbox message; an authority has placed a suspension on the owner. Everyone else
is someone who must not reach those objects, or reaches them through their role: a registered (not
activated) account, another activated person, an officer, a clerk of another authority, a
call-centre agent and an administrator. Everything is made through the domain services (the
fixtures of the apps' own tests), so the objects are in the states the pages expect."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from absher.accounts.constants import AccountStatus, PartnerKind, StaffRole
from absher.accounts.models import (
    Authority,
    Office,
    OtpChallenge,
    Partner,
    ServiceActivation,
    StaffMember,
    User,
)
from absher.accounts.services.tokens import tokens_issue
from absher.catalog.models import Service
from absher.identity.models import Person
from absher.notifications.services import notification_send
from absher.payments.models import Bill, Payment
from absher.payments.tests.helpers import issue
from absher.requests.services import service_request_create
from absher.suspensions.tests.helpers import account, place
from absher.transfers.tests.case_support import file_case, filer_user
from absher.transfers.tests.helpers import citizen, create, pay, user_of, worker_of

ANONYMOUS = "anonymous"
REGISTERED = "registered"
OWNER = "owner"
OTHER_PERSON = "other_person"
OFFICER = "officer"
OTHER_CLERK = "clerk_of_another_authority"
AGENT = "call_centre_agent"
ADMINISTRATOR = "administrator"
ROLES = (ANONYMOUS, REGISTERED, OWNER, OTHER_PERSON, OFFICER, OTHER_CLERK, AGENT, ADMINISTRATOR)
STAFF_PASSWORD = "Majlis2030ok"


@dataclass
class World:
    users: dict[str, User | None]
    # What a URL parameter stands for, by the parameter's name (a rule may pick another value).
    values: dict[str, str] = field(default_factory=dict)
    owner: Person | None = None

    def client(self, role: str) -> Client:
        client = Client()
        user = self.users[role]
        if user is not None:
            client.force_login(user)
        return client

    def bearer(self, role: str) -> str:
        """An access token of the role's account. Staff accounts get one too (minted directly):
        the API must still refuse them, since they are no registry person."""
        user = self.users[role]
        return tokens_issue(user=user).access_token if user is not None else ""


def _staff(username: str, role: str, mobile: str, **where: Any) -> User:
    user = User(username=username, mobile=mobile)
    user.set_password(STAFF_PASSWORD)
    user.save()
    StaffMember.objects.create(user=user, role=role, **where)
    return user


def _activate(user: User, *codes: str) -> None:
    for code in codes:
        ServiceActivation.objects.create(user=user, service=Service.objects.get(code=code))


def world_build() -> World:
    """Everyone and everything; the caller sets the clock and the documents directory."""

    owner = citizen(name_ar="منيرة سالم الشهري", name_en="Munira Salem Alshehri")
    owner_user = filer_user(owner)  # activated, with transfer without consent activated
    _activate(owner_user, "worker_services_transfer")
    other = citizen(name_ar="سارة حمد الدوسري", name_en="Sara Hamad Aldossary")
    other_user = user_of(other)
    _activate(other_user, "transfer_without_consent")
    registered = account(citizen(), username="registered.only", status=AccountStatus.REGISTERED)

    office = Office.objects.create(
        code="riyadh-olaya", name_ar="مكتب العليا", name_en="Olaya office", city_en="Riyadh"
    )
    court = Authority.objects.create(code="riyadh-court", name_ar="المحكمة", name_en="Court")
    traffic = Authority.objects.create(code="traffic", name_ar="المرور", name_en="Traffic")
    officer = _staff("officer.olaya", StaffRole.OFFICER, "+966551234001", office=office)
    clerk = _staff("clerk.traffic", StaffRole.AUTHORITY_CLERK, "+966551234002", authority=traffic)
    agent = _staff("agent.19999", StaffRole.CALL_CENTRE_AGENT, "+966551234003")
    administrator = _staff("admin.moi", StaffRole.ADMINISTRATOR, "+966551234004")

    # The owner's objects.
    bill = issue(owner, amount=15000)
    pay(bill)
    receipt_code = Payment.objects.get(bill=bill).receipt_code
    request = service_request_create(user=owner_user, service_code="passport_renewal")
    pay(Bill.objects.get(sadad_number=request.sadad_number))
    worker = worker_of(owner)
    new_sponsor = citizen()
    user_of(new_sponsor)
    transfer = create(owner_user, worker, new_sponsor)
    # A request made to the owner: the new sponsor's pages (accept, reject) are hers there.
    sponsor = citizen()
    incoming = create(user_of(sponsor), worker_of(sponsor), owner)
    case = file_case(owner_user, worker_of(citizen()))
    message = notification_send(
        person=owner,
        kind="security.test",
        title_ar="رسالة",
        title_en="Message",
        body_ar="نص",
        body_en="Text",
        send_sms=False,
    )
    # Scoped to one service, so that it does not turn the owner's other e-services away.
    suspension = place(court, owner, reference="CRT-1447-000381", scope="service:passport_renewal")
    partner = Partner.objects.create(
        code="alrajhi-bank", kind=PartnerKind.BANK, name="Al Rajhi Bank", secret="s" * 43
    )

    return World(
        users={
            ANONYMOUS: None,
            REGISTERED: registered,
            OWNER: owner_user,
            OTHER_PERSON: other_user,
            OFFICER: officer,
            OTHER_CLERK: clerk,
            AGENT: agent,
            ADMINISTRATOR: administrator,
        },
        values={
            "sadad_number": bill.sadad_number,
            "challenge_id": str(OtpChallenge.objects.latest("id").public_id),
            "request_id": str(request.pk),
            "transfer_id": str(transfer.pk),
            "incoming_transfer_id": str(incoming.pk),
            "case_id": str(case.pk),
            "document_id": str(case.documents.first().pk),
            "message_id": str(message.pk),
            "reference": suspension.reference,
            "member_id": str(StaffMember.objects.get(user=agent).pk),
            "partner_code": partner.code,
            "service_code": "passport_renewal",
            "activation_service_code": "worker_services_transfer",
            "receipt_code": receipt_code,
            # Django admin: what it names by id (any value: every visitor here is turned away).
            "object_id": "1",
            "app_label": "audit",
            "url": "nowhere/",
            "content_type_id": "1",
            "token": "cs_unknown",
            "attempt_id": "at_unknown",
        },
        owner=owner,
    )
