"""The demo data the main pages are visited with: `load_demo` (registry, staff, accounts, a court
suspension, unpaid bills), plus what the demo leaves out so that every main page has something to
show: a transfer request awaiting the new sponsor, a paid bill with its receipt, a case under an
officer's review, a message in the inbox."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.test import Client

from absher.accounts.models import ServiceActivation, StaffMember, User
from absher.catalog.models import Service
from absher.identity.demo import DEMO_PEOPLE
from absher.identity.models import Person, Sponsorship
from absher.notifications.models import Message
from absher.payments.models import Bill
from absher.suspensions.models import Suspension
from absher.transfers.models import TransferCase, TransferRequest
from absher.transfers.tests import helpers as transfer_steps
from absher.transfers.tests.case_support import CASE_SERVICE, file_case, under_review

PERSON_PASSWORD = "Riyadh2030Demo"  # published demo credentials (absher.accounts.demo)
STAFF_PASSWORD = "Staff2030Demo"  # published demo credentials (absher.accounts.demo)


def demo_id_number(role: str) -> str:
    return next(person.id_number for person in DEMO_PEOPLE if person.role == role)


def demo_account(role: str) -> User:
    return User.objects.get(person__id_number=demo_id_number(role))


def staff_account(username: str) -> User:
    return User.objects.get(username=username)


@dataclass(frozen=True)
class World:
    sponsor: User
    """Sponsor of many workers: sent the transfer, has a paid bill with its receipt."""
    new_sponsor: User
    """The transfer's new sponsor, with an unpaid bill."""
    filer: User
    """Filed the case of transfer without consent."""
    registered: User
    """Registered, not yet activated."""
    suspended: User
    """Has a court suspension of all services."""
    transfer: TransferRequest
    paid_bill: Bill
    unpaid_bill: Bill
    case: TransferCase
    suspension: Suspension
    message: Message


def world_load() -> World:
    """Needs the standard catalogue and a CASE_DOCUMENTS_DIR of the test's own."""
    call_command("load_demo", "--quiet")
    sponsor = demo_account("sponsor_many_workers")
    new_sponsor = demo_account("new_sponsor_citizen")
    assert sponsor.person is not None
    assert new_sponsor.person is not None
    worker = Person.objects.get(id_number=demo_id_number("worker_clean_first_transfer"))
    transfer = transfer_steps.create(sponsor, worker, new_sponsor.person)

    paid_bill = Bill.objects.get(payer=sponsor.person)
    transfer_steps.pay(paid_bill)
    paid_bill.refresh_from_db()
    unpaid_bill = Bill.objects.get(payer=new_sponsor.person)

    filer = demo_account("new_sponsor_citizen_second")
    ServiceActivation.objects.get_or_create(
        user=filer, service=Service.objects.get(code=CASE_SERVICE)
    )
    case_worker = (
        Sponsorship.objects.filter(sponsor=sponsor.person, ended_at__isnull=True)
        .exclude(worker=worker)
        .first()
    )
    assert case_worker is not None
    officer = StaffMember.objects.get(user__username="officer.olaya")
    case = under_review(file_case(filer, case_worker.worker), officer)

    suspended = demo_account("citizen_suspended")
    message = Message.objects.filter(person=sponsor.person).order_by("-id").first()
    assert message is not None
    return World(
        sponsor=sponsor,
        new_sponsor=new_sponsor,
        filer=filer,
        registered=demo_account("citizen_activation_sms"),
        suspended=suspended,
        transfer=transfer,
        paid_bill=paid_bill,
        unpaid_bill=unpaid_bill,
        case=case,
        suspension=Suspension.objects.get(person=suspended.person),
        message=message,
    )


def session_cookie(user: User) -> str:
    """A web session of `user`, as after password and code (the test client's own sign-in)."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value
