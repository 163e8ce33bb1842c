"""Download my personal data (تنزيل بياناتي الشخصية) from the portal, and GET
/api/v1/me/personal-data: the owner's own data as a JSON attachment that no cache keeps, each
download recorded with its channel; visitors sign in, registered-only accounts activate first."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from absher.accounts.constants import AccountStatus
from absher.audit.models import AuditEvent
from absher.privacy.constants import EXPORTED_ACTION
from absher.suspensions.tests.helpers import account, signed_in
from absher.transfers.tests.helpers import citizen

pytestmark = pytest.mark.django_db

PAGE = "/me/personal-data/"
API = "/api/v1/me/personal-data"


def exports() -> list[dict]:
    return list(AuditEvent.objects.filter(action=EXPORTED_ACTION).values("person_id", "data"))


def browser_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def h1(html: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


def test_the_page_says_what_the_file_holds_in_arabic(household):
    response = browser_of(household.account).get(PAGE)

    assert response.status_code == 200
    assert h1(response.text) == "تنزيل بياناتي الشخصية"
    assert "يحق لك بموجب نظام حماية البيانات الشخصية" in response.text
    assert f'action="{PAGE}" method="post"' in response.text
    assert exports() == []  # opening the page downloads nothing


def test_the_page_in_english(household):
    client = browser_of(household.account)

    response = client.get(PAGE, headers={"Accept-Language": "en"})

    assert h1(response.text) == "Download my personal data"


def test_the_account_page_links_to_it(household):
    response = browser_of(household.account).get("/me/")

    assert f'<a href="{PAGE}">تنزيل بياناتي الشخصية</a>' in response.text


def test_the_download_is_a_json_attachment_of_my_own_data(household):
    response = browser_of(household.account).post(PAGE)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="absher-personal-data-2026-03-01.json"'
    )
    assert response["Cache-Control"] == "private, no-store"
    export = json.loads(response.content.decode())
    assert export["person"]["id_number"] == household.owner.id_number
    assert "منيرة سالم الشهري" in response.content.decode()  # Arabic as written, not escaped
    assert exports() == [{"person_id": household.owner.pk, "data": {"channel": "portal"}}]


def test_visitors_are_sent_to_sign_in(db):
    response = Client().post(PAGE)

    assert response.status_code == 302
    assert response.url == f"/login/?next={PAGE}"
    assert exports() == []


def test_a_registered_account_is_asked_to_activate_first(db):
    person = citizen()
    user = account(person, status=AccountStatus.REGISTERED)

    page = browser_of(user).get(PAGE)
    download = browser_of(user).post(PAGE)
    dashboard = browser_of(user).get("/me/")

    assert (page.status_code, download.status_code) == (403, 403)
    assert PAGE not in dashboard.text
    assert exports() == []


def test_the_api_answers_my_own_data(api, household):
    signed_in(api, household.account)

    response = api.get(API)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert body["person"]["id_number"] == household.owner.id_number
    assert {t["id"] for t in body["transfers"]} == {household.outgoing.pk, household.incoming.pk}
    assert household.other_bill.sadad_number not in response.content.decode()
    assert exports() == [{"person_id": household.owner.pk, "data": {"channel": "api"}}]


def test_the_api_refuses_visitors_and_registered_accounts(api, db):
    anonymous = api.get(API)
    signed_in(api, account(citizen(), status=AccountStatus.REGISTERED))
    registered = api.get(API)

    assert anonymous.status_code == 401
    assert (registered.status_code, registered.json()["code"]) == (403, "account_not_activated")
    assert exports() == []


def test_the_operation_is_in_the_openapi_document(api, db):
    document = api.get("/api/v1/openapi.json").json()

    operation = document["paths"]["/api/v1/me/personal-data"]["get"]
    assert operation["summary"] == "Download my personal data"
    assert operation["security"] == [{"ActivatedPersonToken": []}]
