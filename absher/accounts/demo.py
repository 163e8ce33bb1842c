"""Demo organisations, staff, integration partners and portal accounts for the embedded platform.
Idempotent: running it again changes nothing. Development and test profiles only (the partners'
secrets are the published `<partner id>-secret`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction

from absher.accounts.constants import AccountStatus, ActivationMethod, PartnerKind, StaffRole
from absher.accounts.models import Authority, Office, Partner, ServiceActivation, StaffMember, User
from absher.audit.services import audit_record
from absher.catalog.constants import TRANSFER_SERVICE_CODE
from absher.catalog.models import Service
from absher.core import clock
from absher.identity.models import Person

PERSON_PASSWORD = "Riyadh2030Demo"  # noqa: S105 (published demo credentials)
STAFF_PASSWORD = "Staff2030Demo"  # noqa: S105 (published demo credentials)

OFFICES = [
    (
        "riyadh-olaya",
        "مكتب أبشر أفراد - العليا",
        "Absher Individuals office - Olaya",
        "الرياض",
        "Riyadh",
    ),
    (
        "jeddah-rawdah",
        "مكتب أبشر أفراد - الروضة",
        "Absher Individuals office - Rawdah",
        "جدة",
        "Jeddah",
    ),
]
AUTHORITIES = [
    ("general-court", "المحكمة العامة بالرياض", "General Court, Riyadh"),
    ("traffic", "الإدارة العامة للمرور", "General Department of Traffic"),
    ("passports", "المديرية العامة للجوازات", "General Directorate of Passports"),
]
PARTNERS = [
    ("demo-bank", PartnerKind.BANK, "Demo Bank", None),
    ("demo-court", PartnerKind.AUTHORITY, "Demo court system", "general-court"),
    ("demo-traffic", PartnerKind.AUTHORITY, "Demo traffic system", "traffic"),
    ("demo-gateway", PartnerKind.CARD_GATEWAY, "Sandbox card gateway", None),
]


@dataclass(frozen=True)
class DemoStaff:
    username: str
    role: str
    mobile: str
    office: str = ""
    authority: str = ""


STAFF = [
    DemoStaff("officer.olaya", StaffRole.OFFICER, "+966500000101", office="riyadh-olaya"),
    DemoStaff("clerk.court", StaffRole.AUTHORITY_CLERK, "+966500000102", authority="general-court"),
    DemoStaff("clerk.traffic", StaffRole.AUTHORITY_CLERK, "+966500000103", authority="traffic"),
    DemoStaff("agent.19999", StaffRole.CALL_CENTRE_AGENT, "+966500000104"),
    DemoStaff("admin.moi", StaffRole.ADMINISTRATOR, "+966500000105"),
]


@dataclass(frozen=True)
class DemoAccount:
    role: str
    """The registry role (see absher.identity.demo.DEMO_PEOPLE)."""
    status: str
    transfer_service: bool = False


ACCOUNTS = [
    DemoAccount("sponsor_many_workers", AccountStatus.ACTIVE, transfer_service=True),
    DemoAccount("sponsor_domestic_workers", AccountStatus.ACTIVE, transfer_service=True),
    DemoAccount("new_sponsor_citizen", AccountStatus.ACTIVE, transfer_service=True),
    DemoAccount("new_sponsor_citizen_second", AccountStatus.ACTIVE, transfer_service=True),
    DemoAccount("new_sponsor_traffic_fines", AccountStatus.ACTIVE, transfer_service=True),
    DemoAccount("child_of_saudi_mother", AccountStatus.ACTIVE, transfer_service=True),
    DemoAccount("citizen_suspended", AccountStatus.ACTIVE),
    DemoAccount("worker_with_account", AccountStatus.ACTIVE),
    DemoAccount("new_sponsor_not_activated", AccountStatus.REGISTERED),
    DemoAccount("citizen_activation_bank", AccountStatus.REGISTERED),
    DemoAccount("citizen_activation_office", AccountStatus.REGISTERED),
    DemoAccount("citizen_activation_sms", AccountStatus.REGISTERED),
]


def demo_username(name_en: str) -> str:
    """The demo account's username: the person's first name in lower case."""
    return re.sub(r"[^a-z]", "", name_en.split()[0].lower())


def _organisations() -> tuple[dict[str, Office], dict[str, Authority]]:
    offices = {}
    for code, name_ar, name_en, city_ar, city_en in OFFICES:
        offices[code], _ = Office.objects.get_or_create(
            code=code,
            defaults={
                "name_ar": name_ar,
                "name_en": name_en,
                "city_ar": city_ar,
                "city_en": city_en,
            },
        )
    authorities = {}
    for code, name_ar, name_en in AUTHORITIES:
        authorities[code], _ = Authority.objects.get_or_create(
            code=code, defaults={"name_ar": name_ar, "name_en": name_en}
        )
    return offices, authorities


def _partners(authorities: dict[str, Authority]) -> None:
    for code, kind, name, authority in PARTNERS:
        _partner, created = Partner.objects.get_or_create(
            code=code,
            defaults={
                "kind": kind,
                "name": name,
                "secret": f"{code}-secret",
                "authority": authorities[authority] if authority else None,
            },
        )
        if created:
            _audit("partner.created", "partner", code)


def _staff(offices: dict[str, Office], authorities: dict[str, Authority]) -> None:
    for member in STAFF:
        if User.objects.filter(username__iexact=member.username).exists():
            continue
        user = User(username=member.username, mobile=member.mobile)
        user.set_password(STAFF_PASSWORD)
        user.save()
        StaffMember.objects.create(
            user=user,
            role=member.role,
            office=offices.get(member.office),
            authority=authorities.get(member.authority),
        )
        _audit("staff.created", "staff", str(user.pk))


def _accounts(people: dict[str, Person]) -> None:
    transfer = Service.objects.get(code=TRANSFER_SERVICE_CODE)
    for account in ACCOUNTS:
        person = people.get(account.role)
        if person is None or User.objects.filter(person=person).exists():
            continue
        user = User(
            username=demo_username(person.name_en),
            person=person,
            mobile=person.mobile,
            status=account.status,
        )
        if account.status == AccountStatus.ACTIVE:
            user.activation_method = ActivationMethod.OFFICE
            user.activated_at = clock.now()
        user.set_password(PERSON_PASSWORD)
        user.save()
        if account.transfer_service:
            ServiceActivation.objects.create(user=user, service=transfer)
        _audit("account.registered", "account", str(user.pk), person=person)


def _audit(action: str, subject_type: str, subject_id: str, person: Person | None = None) -> None:
    audit_record(
        action=action,
        actor_type="system",
        actor_id="load_demo",
        subject_type=subject_type,
        subject_id=subject_id,
        person=person,
    )


def demo_accounts_load(*, people_by_role: dict[str, str]) -> None:
    """`people_by_role` maps a registry demo role to its ID number."""
    with transaction.atomic():
        offices, authorities = _organisations()
        _partners(authorities)
        _staff(offices, authorities)
        by_id = {
            p.id_number: p for p in Person.objects.filter(id_number__in=people_by_role.values())
        }
        _accounts(
            {
                role: by_id[id_number]
                for role, id_number in people_by_role.items()
                if id_number in by_id
            }
        )
