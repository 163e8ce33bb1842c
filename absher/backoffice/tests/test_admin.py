"""Administrators manage staff, offices, authorities and integration partners; each change is
audited by the service behind the page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.accounts.constants import PartnerKind, StaffRole
from absher.accounts.models import Authority, Office, Partner, StaffMember, User
from absher.accounts.services.partners import partner_create
from absher.audit.models import AuditEvent
from absher.catalog.models import Service

EN = {"accept-language": "en"}
SECRET = re.compile(r'<code dir="ltr" lang="en">([A-Za-z0-9_-]{43})</code>')


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))


# Staff


def test_admin_creates_an_officer_at_an_office(administrator, admin_client, office):
    response = admin_client.post(
        "/backoffice/staff/new/",
        {
            "username": "officer.malaz",
            "password": "Diriyah2030ok",
            "mobile": "٠٥٥١٢٣٤٥٦٧",
            "role": StaffRole.OFFICER,
            "office": office.pk,
        },
        headers=EN,
    )

    assert response.status_code == 302
    assert response.url == "/backoffice/staff/"
    member = StaffMember.objects.select_related("user").get(user__username="officer.malaz")
    assert (member.role, member.office, member.authority) == (StaffRole.OFFICER, office, None)
    assert member.user.mobile == "+966551234567"
    assert member.user.check_password("Diriyah2030ok")
    event = AuditEvent.objects.get(action="staff.created")
    assert (event.actor_id, event.subject_id) == (str(administrator.user_id), str(member.user_id))
    listing = admin_client.get("/backoffice/staff/", headers=EN)
    assert "The staff account officer.malaz was created." in listing.text
    assert '<th scope="row"><span dir="ltr">officer.malaz</span></th>' in listing.text


def test_an_officer_without_an_office_is_refused(admin_client):
    response = admin_client.post(
        "/backoffice/staff/new/",
        {
            "username": "officer.nowhere",
            "password": "Diriyah2030ok",
            "mobile": "0551234567",
            "role": StaffRole.OFFICER,
        },
        headers=EN,
    )

    assert response.status_code == 200
    assert "An officer must work at an office." in response.text
    assert 'aria-describedby="id_office_helptext id_office_error"' in response.text
    assert not User.objects.filter(username="officer.nowhere").exists()
    assert "staff.created" not in actions()


def test_a_weak_password_is_refused_with_each_broken_rule(admin_client):
    response = admin_client.post(
        "/backoffice/staff/new/",
        {
            "username": "agent.weak",
            "password": "password",
            "mobile": "0551234567",
            "role": StaffRole.CALL_CENTRE_AGENT,
        },
        headers=EN,
    )

    assert "The password does not meet the password policy." in response.text
    assert "This password is too common." in response.text
    assert not User.objects.filter(username="agent.weak").exists()


def test_a_taken_username_is_refused(admin_client, officer):
    response = admin_client.post(
        "/backoffice/staff/new/",
        {
            "username": "OFFICER.OLAYA",
            "password": "Diriyah2030ok",
            "mobile": "0551234567",
            "role": StaffRole.ADMINISTRATOR,
        },
        headers=EN,
    )

    assert "This username is taken. Choose another one." in response.text
    assert StaffMember.objects.count() == 2


def test_admin_deactivates_then_reactivates_a_staff_member(administrator, admin_client, officer):
    deactivated = admin_client.post(
        f"/backoffice/staff/{officer.pk}/active/", {"is_active": "0"}, headers=EN
    )

    officer.user.refresh_from_db()
    assert deactivated.url == "/backoffice/staff/"
    assert officer.user.is_active is False
    assert officer.user.session_epoch == 1

    admin_client.post(f"/backoffice/staff/{officer.pk}/active/", {"is_active": "1"})

    officer.user.refresh_from_db()
    assert officer.user.is_active is True
    assert [a for a in actions() if a.startswith("staff.")] == [
        "staff.deactivated",
        "staff.activated",
    ]


def test_a_deactivated_officer_is_signed_out_at_once(admin_client, officer, officer_client):
    admin_client.post(f"/backoffice/staff/{officer.pk}/active/", {"is_active": "0"})

    response = officer_client.get("/backoffice/activation/")

    assert response.url == "/backoffice/login/?next=/backoffice/activation/"


def test_the_staff_list_offers_no_button_against_oneself(administrator, admin_client, officer):
    listing = admin_client.get("/backoffice/staff/", headers=EN)

    assert f'action="/backoffice/staff/{officer.pk}/active/"' in listing.text
    assert f'action="/backoffice/staff/{administrator.pk}/active/"' not in listing.text
    assert "Your own account" in listing.text


def test_toggling_an_unknown_staff_member_is_not_found(admin_client):
    assert admin_client.post(
        "/backoffice/staff/999999/active/", {"is_active": "0"}
    ).status_code == (404)


# Offices and authorities


def test_admin_adds_an_office(administrator, admin_client):
    response = admin_client.post(
        "/backoffice/offices/new/",
        {
            "code": "jeddah-rawdah",
            "name_ar": "مكتب أبشر أفراد - الروضة",
            "name_en": "Absher Individuals Office - Rawdah",
            "city_ar": "جدة",
            "city_en": "Jeddah",
        },
    )

    assert response.url == "/backoffice/offices/"
    office = Office.objects.get(code="jeddah-rawdah")
    assert (office.name_en, office.city_ar) == ("Absher Individuals Office - Rawdah", "جدة")
    event = AuditEvent.objects.get(action="office.created")
    assert (event.actor_id, event.subject_id) == (str(administrator.user_id), "jeddah-rawdah")
    assert "مكتب أبشر أفراد - الروضة" in admin_client.get("/backoffice/offices/").text


def test_a_duplicate_office_code_is_refused(admin_client, office):
    response = admin_client.post(
        "/backoffice/offices/new/",
        {"code": office.code, "name_ar": "مكتب آخر", "name_en": "Another office"},
        headers=EN,
    )

    assert "An office with this code already exists." in response.text
    assert 'aria-describedby="id_code_helptext id_code_error"' in response.text
    assert list(Office.objects.values_list("name_en", flat=True)) == [office.name_en]


def test_admin_adds_an_authority(administrator, admin_client):
    response = admin_client.post(
        "/backoffice/authorities/new/",
        {"code": "traffic-dept", "name_ar": "الإدارة العامة للمرور", "name_en": "General Traffic"},
    )

    assert response.url == "/backoffice/authorities/"
    assert Authority.objects.get(code="traffic-dept").name_ar == "الإدارة العامة للمرور"
    event = AuditEvent.objects.get(action="authority.created")
    assert (event.actor_id, event.subject_id) == (str(administrator.user_id), "traffic-dept")


def test_an_office_code_must_be_a_slug(admin_client):
    response = admin_client.post(
        "/backoffice/offices/new/",
        {"code": "مكتب الرياض", "name_ar": "مكتب", "name_en": "Office"},
        headers=EN,
    )

    assert response.status_code == 200
    assert "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens." in (
        response.text
    )
    assert list(Office.objects.values_list("code", flat=True)) == ["riyadh-olaya"]


# Integration partners


def test_partner_secret_is_shown_once_at_creation(administrator, admin_client):
    response = admin_client.post(
        "/backoffice/partners/new/",
        {"code": "alinma-bank", "kind": PartnerKind.BANK, "name": "Alinma Bank"},
        headers=EN,
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    partner = Partner.objects.get(code="alinma-bank")
    (shown,) = SECRET.findall(response.text)
    assert shown == partner.secret
    assert AuditEvent.objects.get(action="partner.created").actor_id == str(administrator.user_id)
    for page in ("/backoffice/partners/", "/backoffice/partners/alinma-bank/rotate/"):
        assert partner.secret not in admin_client.get(page).text
    assert partner.secret not in str(AuditEvent.objects.get(action="partner.created").data)


def test_an_authority_partner_must_name_its_authority(admin_client):
    response = admin_client.post(
        "/backoffice/partners/new/",
        {"code": "court-system", "kind": PartnerKind.AUTHORITY, "name": "Court system"},
        headers=EN,
    )

    assert "An authority partner must name its authority." in response.text
    assert not Partner.objects.filter(code="court-system").exists()


def test_admin_rotates_a_partner_secret_and_sees_the_new_one_once(administrator, admin_client):
    old = partner_create(
        actor=administrator.user, code="snb", kind=PartnerKind.BANK, name="Saudi National Bank"
    ).secret

    confirm = admin_client.get("/backoffice/partners/snb/rotate/", headers=EN)
    response = admin_client.post("/backoffice/partners/snb/rotate/", headers=EN)

    assert "stops working at once" in confirm.text
    partner = Partner.objects.get(code="snb")
    (shown,) = SECRET.findall(response.text)
    assert shown == partner.secret != old
    assert partner.secret_rotated_at is not None
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="partner.secret_rotated").count() == 1
    assert partner.secret not in admin_client.get("/backoffice/partners/").text


def test_rotating_an_unknown_partner_is_not_found(admin_client):
    assert admin_client.post("/backoffice/partners/no-such-bank/rotate/").status_code == 404


@pytest.mark.parametrize("kind", PartnerKind.values)
def test_every_partner_kind_can_be_chosen(admin_client, kind):
    page = admin_client.get("/backoffice/partners/new/")

    assert f'<option value="{kind}">' in page.text


# Lists cost the same number of queries however many rows they show


def _queries_for(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "path", ["/backoffice/staff/", "/backoffice/partners/", "/backoffice/offices/"]
)
def test_lists_do_not_query_per_row(administrator, admin_client, make_staff, authority, path):
    before = _queries_for(admin_client, path)
    for role in (StaffRole.OFFICER, StaffRole.AUTHORITY_CLERK, StaffRole.CALL_CENTRE_AGENT):
        make_staff(role)
    for code in ("alinma-bank", "court-system"):
        partner_create(
            actor=administrator.user,
            code=code,
            kind=PartnerKind.AUTHORITY,
            name=code,
            authority=authority,
        )
    Office.objects.create(code="dammam", name_ar="مكتب الدمام", name_en="Dammam office")

    assert _queries_for(admin_client, path) == before


def test_catalogue_list_queries_do_not_grow_with_the_catalogue(admin_client):
    before = _queries_for(admin_client, "/backoffice/catalogue/")
    department = Service.objects.first().department
    for n in range(3):
        Service.objects.create(
            code=f"extra_{n}", department=department, name_ar=f"خدمة {n}", name_en=f"Service {n}"
        )

    assert _queries_for(admin_client, "/backoffice/catalogue/") == before
