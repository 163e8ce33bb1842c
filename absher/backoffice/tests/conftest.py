"""Staff of every role, an office, an authority and registry people, for back-office page tests.
Set up through the ORM (fast, and independent of the services under test); the pages then go
through the services. E-service requests and their payments are the exception: they are made and
paid through their services, because the state they reach (paid, its bill paid) is the point."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from absher.accounts.constants import AccountStatus, StaffRole
from absher.accounts.models import Authority, Office, StaffMember, User
from absher.core import clock
from absher.identity.constants import Gender, IdType, ResidencyStatus
from absher.identity.models import Person
from absher.identity.rules import id_number_with_check_digit
from absher.notifications.models import OutboxSms
from absher.payments.services import BankPayment, PaymentOutcome, bill_pay_from_bank
from absher.requests.models import ServiceRequest
from absher.requests.services import service_request_create

STAFF_PASSWORD = "Majlis2030ok"
STAFF_MOBILES = {
    StaffRole.OFFICER: "+966551234001",
    StaffRole.AUTHORITY_CLERK: "+966551234002",
    StaffRole.CALL_CENTRE_AGENT: "+966551234003",
    StaffRole.ADMINISTRATOR: "+966551234004",
}
OFFICER_MOBILE = STAFF_MOBILES[StaffRole.OFFICER]

_serial = iter(range(30_000_000, 99_999_999))


def make_person(**overrides: Any) -> Person:
    prefix = overrides.pop("prefix", "1")
    fields: dict[str, Any] = {
        "id_number": id_number_with_check_digit(f"{prefix}{next(_serial)}"),
        "id_type": IdType.CITIZEN if prefix == "1" else IdType.RESIDENT,
        "name_ar": "نورة بنت خالد العتيبي",
        "name_en": "Noura Khalid Alotaibi",
        "gender": Gender.FEMALE,
        "nationality": "SA" if prefix == "1" else "EG",
        "date_of_birth": dt.date(1992, 3, 8),
        "mobile": "+966507654321",
        "residency_status": ResidencyStatus.VALID,
    }
    fields.update(overrides)
    return Person.objects.create(**fields)


def make_account(person: Person, **overrides: Any) -> User:
    fields: dict[str, Any] = {
        "username": f"person{person.pk}",
        "person": person,
        "mobile": person.mobile,
        "status": AccountStatus.REGISTERED,
    }
    fields.update(overrides)
    user = User(**fields)
    user.set_password("Sahara2030ok")
    user.save()
    return user


def make_request(person: Person | None = None) -> ServiceRequest:
    """A passport renewal (fee SAR 300) requested by an activated account, its bill unpaid."""
    person = person or make_person()
    user = make_account(person, status=AccountStatus.ACTIVE)
    return service_request_create(user=user, service_code="passport_renewal")


def bank_payment(sadad_number: str, reference: str = "TX-1", amount: int = 30000) -> BankPayment:
    return BankPayment(
        sadad_number=sadad_number,
        amount_halalas=amount,
        bank_code="RJHI",
        bank_reference=reference,
        paid_at=clock.now(),
    )


def signed_in(user: User) -> Client:
    """A browser whose session belongs to `user`, as after password + code."""
    client = Client()
    client.force_login(user)
    return client


def last_code(mobile: str) -> str:
    sms = OutboxSms.objects.filter(to=mobile).order_by("-created_at", "-id").first()
    assert sms is not None, f"no SMS to {mobile}"
    return re.search(r"\b(\d{6,8})\b", sms.body).group(1)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Sign-in throttles and code send caps live in the cache: no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def office(db) -> Office:
    return Office.objects.create(
        code="riyadh-olaya",
        name_ar="مكتب أبشر أفراد - العليا",
        name_en="Absher Individuals Office - Olaya",
        city_ar="الرياض",
        city_en="Riyadh",
    )


@pytest.fixture
def authority(db) -> Authority:
    return Authority.objects.create(
        code="riyadh-court", name_ar="المحكمة العامة بالرياض", name_en="Riyadh General Court"
    )


@pytest.fixture
def make_staff(office, authority) -> Callable[..., StaffMember]:
    def make(role: str, username: str | None = None, mobile: str = "") -> StaffMember:
        user = User(
            username=username or role.replace("_", "-"),
            mobile=mobile or STAFF_MOBILES[role],
        )
        user.set_password(STAFF_PASSWORD)
        user.save()
        return StaffMember.objects.create(
            user=user,
            role=role,
            office=office if role == StaffRole.OFFICER else None,
            authority=authority if role == StaffRole.AUTHORITY_CLERK else None,
        )

    return make


@pytest.fixture
def officer(make_staff) -> StaffMember:
    return make_staff(StaffRole.OFFICER, username="officer.olaya")


@pytest.fixture
def administrator(make_staff) -> StaffMember:
    return make_staff(StaffRole.ADMINISTRATOR, username="admin.moi")


@pytest.fixture
def officer_client(officer) -> Client:
    return signed_in(officer.user)


@pytest.fixture
def admin_client(administrator) -> Client:
    return signed_in(administrator.user)


@pytest.fixture
def person(db) -> Person:
    return make_person()


@pytest.fixture
def other_authority(db) -> Authority:
    return Authority.objects.create(
        code="traffic", name_ar="الإدارة العامة للمرور", name_en="General Directorate of Traffic"
    )


@pytest.fixture
def clerk(make_staff) -> StaffMember:
    return make_staff(StaffRole.AUTHORITY_CLERK, username="clerk.court")


@pytest.fixture
def other_clerk(other_authority) -> StaffMember:
    """A clerk of another authority (traffic): same role, none of the court's suspensions."""
    user = User(username="clerk.traffic", mobile="+966551234005")
    user.set_password(STAFF_PASSWORD)
    user.save()
    return StaffMember.objects.create(
        user=user, role=StaffRole.AUTHORITY_CLERK, authority=other_authority
    )


@pytest.fixture
def agent(make_staff) -> StaffMember:
    return make_staff(StaffRole.CALL_CENTRE_AGENT, username="agent.19999")


@pytest.fixture
def clerk_client(clerk) -> Client:
    return signed_in(clerk.user)


@pytest.fixture
def other_clerk_client(other_clerk) -> Client:
    return signed_in(other_clerk.user)


@pytest.fixture
def agent_client(agent) -> Client:
    return signed_in(agent.user)


@pytest.fixture
def pay(db, django_capture_on_commit_callbacks) -> Callable[..., PaymentOutcome]:
    """Pays a bill as a bank notifies it, then runs what commits set off (the fulfilment that
    marks its request paid)."""

    def send(sadad_number: str, reference: str = "TX-1", amount: int = 30000) -> PaymentOutcome:
        with django_capture_on_commit_callbacks(execute=True):
            return bill_pay_from_bank(
                partner_code="test-bank", payment=bank_payment(sadad_number, reference, amount)
            )

    return send


@pytest.fixture
def make_paid_request(pay) -> Callable[..., ServiceRequest]:
    """A passport renewal paid at a bank: in the officers' queue."""
    counter = iter(range(1, 10_000))

    def make(person: Person | None = None) -> ServiceRequest:
        request = make_request(person)
        pay(request.sadad_number, reference=f"TX-{next(counter)}")
        request.refresh_from_db()
        assert request.status == "paid", request.status
        return request

    return make
