"""The e-services page of an activated person, and per-service activation (choose → activate →
code)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.accounts.models import OtpChallenge, ServiceActivation
from absher.catalog.models import Department, Service
from absher.identity.tests.factories import PersonFactory
from absher.notifications.models import OutboxSms
from absher.portal.tests.conftest import (
    SIGNUP_E164,
    field_errors,
    h1,
    last_code,
    make_account,
    other_code,
    status_messages,
)
from absher.portal.views import services as services_views

SERVICES = "/services/"
ACTIVATE = "/services/worker_services_transfer/activate/"
VERIFY = "/services/worker_services_transfer/activate/verify/"
ACTIVATED = "/services/worker_services_transfer/activated/"


def card(html: str, code: str) -> str:
    return html.split(f'id="service-{code}"')[1].split("</li>")[0]


def badges(html: str) -> dict[str, str]:
    """Service code → the status badge on its card."""
    return dict(
        re.findall(
            r'<li class="service-card[^"]*" id="service-([a-z_]+)">\s*<h3[^>]*>[^<]*</h3>\s*'
            r'<p class="badge[^"]*">([^<]+)</p>',
            html,
        )
    )


@pytest.mark.django_db
def test_the_catalogue_by_department_with_fee_and_status_for_the_person(browser, activated):
    response = browser.sign_in_as(activated).get(SERVICES)

    assert response.status_code == 200
    html = response.text
    assert h1(html) == "خدماتي الإلكترونية"
    assert re.findall(r'<h2 class="department__title" id="[^"]+">([^<]+)</h2>', html) == [
        "الجوازات",
        "الأحوال المدنية",
        "المرور",
        "الخدمات العامة",
    ]
    assert badges(html) == {
        "worker_services_transfer": "تتطلب التفعيل",
        "transfer_without_consent": "تتطلب التفعيل",
        "passport_renewal": "متاحة",
        "iqama_renewal": "متاحة",
        "exit_reentry_visa": "متاحة",
        "national_id_renewal": "متاحة",
        "national_address_update": "متاحة",
        "driving_licence_renewal": "متاحة",
        "vehicle_registration_renewal": "متاحة",
        "traffic_violations_inquiry": "متاحة",
        "suspensions_inquiry": "متاحة",
        "lost_document_report": "متاحة",
    }
    transfer = card(html, "worker_services_transfer")
    assert "<dd>حسب الحالة</dd>" in transfer
    assert (
        '<form class="service-card__action" action="/services/worker_services_transfer/activate/"'
        ' method="post">'
    ) in transfer
    assert (
        '<button class="button" type="submit" aria-label="تفعيل الخدمة: نقل خدمات عامل">'
        "تفعيل الخدمة</button>"
    ) in transfer
    renewal = card(html, "passport_renewal")
    assert "<dd>300.00 ريال</dd>" in renewal
    assert "service-card__action" not in renewal


@pytest.mark.django_db
def test_a_service_for_citizens_only_is_not_offered_to_a_resident(browser):
    resident = make_account(PersonFactory(resident=True), status="active")

    response = browser.sign_in_as(resident).get(SERVICES)

    assert badges(response.text)["passport_renewal"] == "غير متاحة لفئتك"
    assert badges(response.text)["iqama_renewal"] == "متاحة"


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_catalogue(browser, activated):
    browser.sign_in_as(activated)
    browser.get(SERVICES)
    with CaptureQueriesContext(connection) as standard:
        browser.get(SERVICES)
    department = Department.objects.create(code="extra", name_ar="إضافية", name_en="Extra")
    for number in range(5):
        Service.objects.create(
            code=f"extra_{number}",
            department=department,
            name_ar=f"خدمة {number}",
            name_en=f"Service {number}",
            requires_activation=True,
        )

    with CaptureQueriesContext(connection) as larger:
        response = browser.get(SERVICES)

    assert len(re.findall(r'<li class="service-card[^"]*" id=', response.text)) == 17
    assert len(larger.captured_queries) == len(standard.captured_queries)


@pytest.mark.django_db
def test_activate_the_transfer_service_with_a_code(browser, activated):
    browser.sign_in_as(activated)

    started = browser.post(ACTIVATE)

    assert started.url == VERIFY
    page = browser.get(VERIFY)
    assert h1(page.text) == "تفعيل الخدمة: أدخل رمز التحقق"
    assert '<p class="lead">الخدمة الإلكترونية: نقل خدمات عامل</p>' in page.text
    assert '<bdi dir="ltr">+9665•••••233</bdi>' in page.text

    done = browser.post(VERIFY, {"code": last_code(SIGNUP_E164)})

    assert done.url == ACTIVATED
    assert ServiceActivation.objects.get().service.code == "worker_services_transfer"
    page = browser.get(ACTIVATED)
    assert h1(page.text) == "تم تفعيل الخدمة"
    assert "فُعّلت الخدمة الإلكترونية «نقل خدمات عامل» لحسابك." in page.text
    listing = browser.get(SERVICES).text
    assert badges(listing)["worker_services_transfer"] == "مفعّلة"
    transfer_card = card(listing, "worker_services_transfer")
    assert 'action="/services/worker_services_transfer/activate/"' not in transfer_card
    assert '<a class="button" href="/transfers/"' in transfer_card


@pytest.mark.django_db
def test_a_wrong_code_does_not_activate_the_service(english_browser, activated):
    english_browser.sign_in_as(activated)
    english_browser.post(ACTIVATE)

    response = english_browser.post(VERIFY, {"code": other_code(last_code(SIGNUP_E164))})

    assert field_errors(response.text, "code") == [
        "The verification code is not correct.",
        "You can try 2 more times.",
    ]
    assert ServiceActivation.objects.count() == 0


@pytest.mark.django_db
def test_a_service_that_needs_no_activation_is_refused_with_a_message(english_browser, activated):
    english_browser.sign_in_as(activated)

    response = english_browser.post("/services/passport_renewal/activate/")

    assert response.url == "/services/#service-passport_renewal"
    assert status_messages(english_browser.get(SERVICES).text) == [
        "This e-service does not need activation."
    ]
    assert OtpChallenge.objects.count() == 0
    assert OutboxSms.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_service_is_not_found(browser, activated):
    response = browser.sign_in_as(activated).post("/services/no_such_service/activate/")

    assert response.status_code == 404


@pytest.mark.django_db
def test_the_code_page_of_another_service_goes_back_to_the_catalogue(browser, activated):
    browser.sign_in_as(activated)
    browser.post(ACTIVATE)

    response = browser.get("/services/transfer_without_consent/activate/verify/")

    assert response.url == SERVICES


@pytest.mark.django_db
def test_a_suspended_service_shows_the_suspension(browser, activated, monkeypatch):
    real = services_views.services_for_viewer

    def with_a_suspension(*, user):
        items = real(user=user)
        for item in items:
            if item["code"] == "passport_renewal":
                item["status"] = "suspended"
                item["suspended"] = True
                item["suspension"] = {
                    "code": "service_suspended",
                    "authority_name_ar": "المحكمة العامة بالرياض",
                    "authority_name_en": "Riyadh General Court",
                    "reference": "CRT-2026-0042",
                    "reason_ar": "حكم قضائي بمنع السفر",
                    "reason_en": "A court order bans travel",
                    "lift_procedure_ar": "راجع المحكمة لرفع المنع",
                    "lift_procedure_en": "Contact the court to lift the ban",
                }
        return items

    monkeypatch.setattr(services_views, "services_for_viewer", with_a_suspension)

    html = browser.sign_in_as(activated).get(SERVICES).text

    assert badges(html)["passport_renewal"] == "موقوفة"
    suspended = card(html, "passport_renewal")
    assert '<li class="service-card service-card--suspended"' in html
    assert "<dt>الجهة الموقِفة</dt><dd>المحكمة العامة بالرياض</dd>" in suspended
    assert '<dt>الرقم المرجعي</dt><dd><bdi dir="ltr">CRT-2026-0042</bdi></dd>' in suspended
    assert "<dt>السبب</dt><dd>حكم قضائي بمنع السفر</dd>" in suspended
    assert "<dt>طريقة رفع الإيقاف</dt><dd>راجع المحكمة لرفع المنع</dd>" in suspended
