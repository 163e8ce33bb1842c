"""Requesting a generic fee-bearing e-service from the e-services page (SPEC 5): the "Request this
service" button on those services only, the request issuing its SADAD bill and leading to the
bill's page, refusals (suspension, an open request, a service with its own flow) shown as messages
that change nothing; and My requests (طلباتي) with status, service, fee, bill and decision note."""

from __future__ import annotations

import re

import pytest

from absher.accounts.constants import StaffRole
from absher.accounts.models import Authority, Office, StaffMember, User
from absher.core import clock
from absher.identity.tests.factories import PersonFactory
from absher.payments.constants import DEFAULT_BILL_LIFETIME
from absher.payments.models import Bill
from absher.payments.tests.receipts_support import pay_at_bank
from absher.portal.tests.conftest import h1, make_account, status_messages
from absher.requests.constants import RequestStatus
from absher.requests.models import ServiceRequest
from absher.requests.services import service_request_create, service_request_reject
from absher.suspensions.services import suspension_place

SERVICES = "/services/"
REQUESTS = "/requests/"


def request_url(code: str) -> str:
    return f"/services/{code}/request/"


def card(html: str, code: str) -> str:
    return html.split(f'id="service-{code}"')[1].split("</li>")[0]


def request_buttons(html: str) -> list[str]:
    return re.findall(
        r'<form class="service-card__request" action="/services/([a-z_]+)/request/"', html
    )


def rows(html: str) -> list[dict[str, str]]:
    found = []
    for row in re.findall(r'<tr role="row" class="request-row">(.*?)</tr>', html, re.S):
        cells = re.findall(r'<td role="cell" data-label="([^"]+)"[^>]*>(.*?)</td>', row, re.S)
        found.append(
            {
                label: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", value)).strip()
                for label, value in cells
            }
        )
    return found


@pytest.fixture
def court(db: None) -> Authority:
    return Authority.objects.create(
        code="riyadh-court", name_ar="المحكمة العامة بالرياض", name_en="Riyadh General Court"
    )


@pytest.fixture
def officer(db: None) -> StaffMember:
    office = Office.objects.create(code="riyadh", name_ar="مكتب الرياض", name_en="Riyadh office")
    user = User.objects.create(username="officer.1", mobile="+966500000201")
    return StaffMember.objects.create(user=user, role=StaffRole.OFFICER, office=office)


# --- the button on the e-services page ------------------------------------------------------------


@pytest.mark.django_db
def test_generic_fee_bearing_services_offer_a_request_button(browser, activated):
    html = browser.sign_in_as(activated).get(SERVICES).text

    # A citizen: fixed fees only; not the transfers (own flows), free services or the inquiry.
    assert request_buttons(html) == [
        "passport_renewal",
        "iqama_renewal",
        "exit_reentry_visa",
        "driving_licence_renewal",
        "vehicle_registration_renewal",
    ]
    renewal = card(html, "passport_renewal")
    assert (
        '<button class="button" type="submit" aria-label="طلب الخدمة: تجديد جواز السفر">'
        "طلب الخدمة</button>"
    ) in renewal


@pytest.mark.django_db
def test_a_service_not_offered_to_the_person_has_no_button(english_browser):
    resident = make_account(PersonFactory(resident=True), status="active")

    html = english_browser.sign_in_as(resident).get(SERVICES).text

    assert "passport_renewal" not in request_buttons(html)
    assert "iqama_renewal" in request_buttons(html)
    assert ">Request this service</button>" in card(html, "iqama_renewal")


@pytest.mark.django_db
def test_a_suspended_person_sees_no_request_buttons(browser, activated, court):
    _suspend(activated.person, court)

    html = browser.sign_in_as(activated).get(SERVICES).text

    assert request_buttons(html) == []


def _suspend(person, court):
    suspension_place(
        authority=court,
        id_number=person.id_number,
        reference="CRT-1447-000381",
        scope="all",
        reason_ar="حكم قضائي",
        reason_en="A court judgment",
        lift_procedure_ar="مراجعة المحكمة",
        lift_procedure_en="Visit the court",
        actor_type="system",
        actor_id="test",
    )


# --- requesting -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_requesting_a_service_issues_its_bill_and_shows_it(browser, activated):
    browser.sign_in_as(activated)

    response = browser.post(request_url("passport_renewal"))

    created = ServiceRequest.objects.get()
    bill = Bill.objects.get()
    assert created.person == activated.person
    assert created.status == RequestStatus.AWAITING_PAYMENT
    assert created.sadad_number == bill.sadad_number
    assert bill.amount_halalas == 30000
    assert response.status_code == 302
    assert response.url == f"/bills/{bill.sadad_number}/"
    page = browser.get(response.url)
    assert status_messages(page.text) == [
        "استُلم طلبك لخدمة «تجديد جواز السفر». سدّد فاتورة سداد الموضحة أدناه عبر البنك أو جهاز "
        "الصراف الآلي أو بالبطاقة، ليُستكمل الطلب بعد ذلك."
    ]
    assert (
        f'<dd>تجديد جواز السفر<br><span class="muted">رسوم طلبك للخدمة الإلكترونية رقم '
        f"{created.pk}</span></dd>"
    ) in page.text
    assert f'action="/bills/{bill.sadad_number}/card-payment/"' in page.text


@pytest.mark.django_db
def test_requesting_in_english(english_browser, activated):
    english_browser.sign_in_as(activated)

    page = english_browser.get(english_browser.post(request_url("exit_reentry_visa")).url)

    assert status_messages(page.text) == [
        "Your request for “Exit and re-entry visa” was received. Pay its SADAD bill below, at a "
        "bank, an ATM or by card, and it will then be processed."
    ]
    assert h1(page.text) == "SADAD bill"


@pytest.mark.django_db
def test_a_second_open_request_is_refused_with_a_message(english_browser, activated):
    english_browser.sign_in_as(activated)
    english_browser.get(english_browser.post(request_url("passport_renewal")).url)

    refused = english_browser.post(request_url("passport_renewal"))
    page = english_browser.get(refused.url)

    assert refused.url == "/services/#service-passport_renewal"
    assert status_messages(page.text) == ["You already have an open request for this e-service."]
    assert ServiceRequest.objects.count() == 1
    assert Bill.objects.count() == 1


@pytest.mark.django_db
def test_a_suspended_person_is_told_why_and_nothing_is_created(browser, activated, court):
    _suspend(activated.person, court)
    browser.sign_in_as(activated)

    refused = browser.post(request_url("passport_renewal"))
    page = browser.get(refused.url)

    assert status_messages(page.text) == [
        "هذه الخدمة موقوفة عنك من قِبل المحكمة العامة بالرياض (المرجع CRT-1447-000381). "
        "تجد طريقة رفع الإيقاف في «الخدمات العامة» ثم «الإيقاف المؤقت للخدمات»."
    ]
    assert ServiceRequest.objects.count() == 0
    assert Bill.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("worker_services_transfer", "This e-service does not exist."),
        ("national_id_renewal", "This e-service has no fee and needs no request here."),
        ("no_such_service", "This e-service does not exist."),
    ],
)
def test_services_that_are_not_requested_here_are_refused(
    english_browser, activated, code, message
):
    english_browser.sign_in_as(activated)

    refused = english_browser.post(request_url(code))
    page = english_browser.get(refused.url)

    assert status_messages(page.text) == [message]
    assert ServiceRequest.objects.count() == 0


@pytest.mark.django_db
def test_requesting_needs_a_signed_in_activated_person_and_a_post(browser, registered):
    anonymous = browser.post(request_url("passport_renewal"))
    browser.sign_in_as(registered)
    not_activated = browser.post(request_url("passport_renewal"))

    assert anonymous.status_code == 302
    assert anonymous.url.startswith("/login/")
    assert not_activated.status_code == 403
    assert ServiceRequest.objects.count() == 0


@pytest.mark.django_db
def test_requesting_with_get_is_refused(browser, activated):
    response = browser.sign_in_as(activated).get(request_url("passport_renewal"))

    assert response.status_code == 405
    assert ServiceRequest.objects.count() == 0


# --- my requests ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_requests_with_status_fee_bill_and_decision(
    browser, activated, officer, django_capture_on_commit_callbacks
):
    first = service_request_create(user=activated, service_code="passport_renewal")
    with django_capture_on_commit_callbacks(execute=True):  # the fulfilment marks it paid
        pay_at_bank(Bill.objects.get(sadad_number=first.sadad_number))
    first.refresh_from_db()
    second = service_request_create(user=activated, service_code="driving_licence_renewal")
    service_request_reject(officer=officer, request_id=second.pk, reason="الصورة غير واضحة")
    service_request_create(
        user=make_account(PersonFactory(), username="x.y", status="active"),
        service_code="iqama_renewal",
    )

    response = browser.sign_in_as(activated).get(REQUESTS)

    assert response.status_code == 200
    assert h1(response.text) == "طلباتي"
    assert rows(response.text) == [
        {
            "رقم الطلب": str(second.pk),
            "الخدمة": "تجديد رخصة القيادة",
            "الرسوم": "400.00 ريال",
            "الحالة": "مرفوض",
            "الفاتورة": second.sadad_number,
            "تاريخ التقديم": "1 مارس، 2026",
            "ملاحظة القرار": "الصورة غير واضحة",
        },
        {
            "رقم الطلب": str(first.pk),
            "الخدمة": "تجديد جواز السفر",
            "الرسوم": "300.00 ريال",
            "الحالة": "مسدد، قيد المعالجة",
            "الفاتورة": first.sadad_number,
            "تاريخ التقديم": "1 مارس، 2026",
            "ملاحظة القرار": "–",
        },
    ]
    assert f'<a href="/bills/{first.sadad_number}/">' in response.text


@pytest.mark.django_db
def test_my_requests_in_english_with_a_lapsed_bill_explained(
    english_browser, activated, moved_clock
):
    lapsed = service_request_create(user=activated, service_code="passport_renewal")
    moved_clock(clock.now() + DEFAULT_BILL_LIFETIME)
    service_request_create(user=activated, service_code="passport_renewal")
    lapsed.refresh_from_db()
    assert lapsed.status == RequestStatus.CANCELLED

    html = english_browser.sign_in_as(activated).get(REQUESTS).text

    listed = rows(html)
    assert [row["Status"] for row in listed] == ["Awaiting payment", "Cancelled"]
    assert listed[1]["Decision note"] == "Its bill expired before it was paid."
    assert listed[1]["Fee"] == "SAR 300.00"


@pytest.mark.django_db
def test_no_requests(browser, activated):
    html = browser.sign_in_as(activated).get(REQUESTS).text

    assert rows(html) == []
    assert "لا توجد لديك طلبات خدمات إلكترونية." in html


@pytest.mark.django_db
def test_my_requests_needs_an_activated_account(browser, registered):
    anonymous = browser.get(REQUESTS)
    not_activated = browser.sign_in_as(registered).get(REQUESTS)

    assert anonymous.url == f"/login/?next={REQUESTS}"
    assert not_activated.status_code == 403


@pytest.mark.django_db
def test_the_dashboard_links_my_requests_and_my_bills(browser, activated):
    html = browser.sign_in_as(activated).get("/me/").text

    assert '<li><a href="/requests/">طلباتي</a></li>' in html
    assert '<li><a href="/bills/">فواتيري</a></li>' in html


@pytest.mark.django_db
def test_a_registered_dashboard_offers_activation_instead(browser, registered):
    html = browser.sign_in_as(registered).get("/me/").text

    assert 'href="/requests/"' not in html
    assert 'href="/bills/"' not in html
