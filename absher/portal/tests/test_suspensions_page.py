"""General Services → Temporary suspension of services (الإيقاف المؤقت للخدمات): the person's active
suspensions, each with its authority, reference, reason, how to lift it, scope and since when; the
e-services page marking suspended services and refusing to activate them; the links to the page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.accounts.models import Authority, OtpChallenge, ServiceActivation
from absher.identity.tests.factories import PersonFactory
from absher.notifications.models import OutboxSms
from absher.portal.tests.conftest import SIGNUP_E164, T0, h1, make_account, status_messages
from absher.suspensions.models import Suspension
from absher.suspensions.services import suspension_lift, suspension_place

PAGE = "/services/suspensions/"
SERVICES = "/services/"
ACTIVATE = "/services/worker_services_transfer/activate/"

REASON_AR = "صدور حكم قضائي واجب النفاذ لم يُنفذ"
REASON_EN = "An enforceable court judgment has not been carried out"
LIFT_AR = "مراجعة دائرة التنفيذ في المحكمة العامة بالرياض وتنفيذ الحكم"
LIFT_EN = "Visit the enforcement circuit of the General Court in Riyadh"


@pytest.fixture
def court(db: None) -> Authority:
    return Authority.objects.create(
        code="riyadh-court", name_ar="المحكمة العامة بالرياض", name_en="Riyadh General Court"
    )


@pytest.fixture
def traffic(db: None) -> Authority:
    return Authority.objects.create(
        code="traffic", name_ar="الإدارة العامة للمرور", name_en="General Department of Traffic"
    )


def place(authority: Authority, person, reference: str, scope: str = "all", **texts: str):
    fields = {
        "reason_ar": REASON_AR,
        "reason_en": REASON_EN,
        "lift_procedure_ar": LIFT_AR,
        "lift_procedure_en": LIFT_EN,
    }
    fields.update(texts)
    return suspension_place(
        authority=authority,
        id_number=person.id_number,
        reference=reference,
        scope=scope,
        actor_type="system",
        actor_id="test",
        **fields,
    ).suspension


def items(html: str) -> list[dict[str, str]]:
    """Each suspension on the page: its heading, then its rows (term → text, tags stripped)."""
    found = []
    for item in re.findall(r'<li class="panel suspension-item"[^>]*>(.*?)</li>', html, re.S):
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", item, re.S).group(1).strip()
        rows = re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", item, re.S)
        found.append(
            {"authority": heading}
            | {term: re.sub(r"<[^>]+>", "", value).strip() for term, value in rows}
        )
    return found


def card(html: str, code: str) -> str:
    return html.split(f'id="service-{code}"')[1].split("</li>")[0]


@pytest.mark.django_db
def test_no_suspended_services(browser, activated):
    response = browser.sign_in_as(activated).get(PAGE)

    assert response.status_code == 200
    html = response.text
    assert h1(html) == "الإيقاف المؤقت للخدمات"
    assert "<title>الإيقاف المؤقت للخدمات – أبشر</title>" in html
    assert '<p class="notice__title">لا توجد لديك خدمات موقوفة.</p>' in html
    assert items(html) == []
    assert (
        '<p class="call-centre">ويمكنك أيضًا الاستعلام عن خدماتك الموقوفة عبر مركز الاتصال'
        ' الموحد: <a href="tel:19999"><bdi dir="ltr">19999</bdi></a></p>'
    ) in html


@pytest.mark.django_db
def test_one_suspension_with_every_detail_in_arabic(browser, activated, court):
    place(court, activated.person, "CRT-1447-000381")

    html = browser.sign_in_as(activated).get(PAGE).text

    assert '<p class="suspension-count">على خدماتك إيقاف واحد سارٍ.</p>' in html
    assert items(html) == [
        {
            "authority": "المحكمة العامة بالرياض",
            "الرقم المرجعي": "CRT-1447-000381",
            "يشمل": "جميع الخدمات الإلكترونية",
            "منذ": "12 رمضان 1447 هـ الموافق 1 مارس، 2026 م، الساعة 1:05 م بتوقيت الرياض",
            "السبب": REASON_AR,
            "طريقة رفع الإيقاف": LIFT_AR,
        }
    ]
    assert '<bdi dir="ltr">CRT-1447-000381</bdi>' in html
    assert '<time datetime="2026-03-01T10:05:00+00:00">' in html
    assert "لا توجد لديك خدمات موقوفة." not in html
    assert "مركز الاتصال الموحد" in html


@pytest.mark.django_db
def test_one_suspension_in_english(english_browser, activated, court):
    place(court, activated.person, "CRT-1447-000381", scope="department:passports")

    html = english_browser.sign_in_as(activated).get(PAGE).text

    assert h1(html) == "Temporary suspension of services"
    assert '<p class="suspension-count">You have 1 active suspension.</p>' in html
    assert items(html) == [
        {
            "authority": "Riyadh General Court",
            "Reference": "CRT-1447-000381",
            "Covers": "All services of the Passports department",
            "Since": "March 1, 2026 (12 Ramadan 1447 AH), 1:05 p.m. Riyadh time",
            "Reason": REASON_EN,
            "How to lift it": LIFT_EN,
        }
    ]


@pytest.mark.django_db
def test_several_suspensions_newest_first_without_lifted_ones_or_other_peoples(
    browser, activated, court, traffic, moved_clock
):
    person = activated.person
    moved_clock(T0 - dt.timedelta(days=9))
    place(court, person, "CRT-1", scope="department:passports")
    moved_clock(T0 - dt.timedelta(days=2))
    place(
        traffic,
        person,
        "TRF-7",
        scope="service:vehicle_registration_renewal",
        reason_ar="مخالفات مرورية غير مسددة",
        lift_procedure_ar="سداد المخالفات عبر سداد",
    )
    lifted = place(court, person, "CRT-2")
    suspension_lift(authority=court, reference=lifted.reference, actor_type="system", actor_id="t")
    place(court, PersonFactory(), "CRT-3")
    moved_clock(T0)

    html = browser.sign_in_as(activated).get(PAGE).text

    assert '<p class="suspension-count">على خدماتك إيقافان ساريان.</p>' in html
    assert items(html) == [
        {
            "authority": "الإدارة العامة للمرور",
            "الرقم المرجعي": "TRF-7",
            "يشمل": "خدمة «تجديد رخصة سير» فقط",
            "منذ": "10 رمضان 1447 هـ الموافق 27 فبراير، 2026 م، الساعة 1:05 م بتوقيت الرياض",
            "السبب": "مخالفات مرورية غير مسددة",
            "طريقة رفع الإيقاف": "سداد المخالفات عبر سداد",
        },
        {
            "authority": "المحكمة العامة بالرياض",
            "الرقم المرجعي": "CRT-1",
            "يشمل": "جميع خدمات الجوازات",
            "منذ": "3 رمضان 1447 هـ الموافق 20 فبراير، 2026 م، الساعة 1:05 م بتوقيت الرياض",
            "السبب": REASON_AR,
            "طريقة رفع الإيقاف": LIFT_AR,
        },
    ]
    assert "CRT-2" not in html
    assert "CRT-3" not in html


@pytest.mark.django_db
def test_a_registered_only_account_is_sent_to_activation(browser, registered, court):
    place(court, registered.person, "CRT-1")

    response = browser.sign_in_as(registered).get(PAGE)

    assert response.status_code == 403
    assert h1(response.text) == "الخدمات الإلكترونية غير مفعّلة"
    assert "CRT-1" not in response.text


@pytest.mark.django_db
def test_a_visitor_signs_in_first(browser):
    response = browser.get(PAGE)

    assert response.status_code == 302
    assert response.url == "/login/?next=/services/suspensions/"


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_suspensions(
    browser, activated, court, traffic
):
    browser.sign_in_as(activated)
    place(court, activated.person, "CRT-1")
    browser.get(PAGE)
    with CaptureQueriesContext(connection) as one:
        browser.get(PAGE)
    place(court, activated.person, "CRT-2", scope="department:passports")
    place(traffic, activated.person, "TRF-1", scope="service:vehicle_registration_renewal")
    place(traffic, activated.person, "TRF-2", scope="department:traffic")
    place(court, activated.person, "CRT-3", scope="service:passport_renewal")

    with CaptureQueriesContext(connection) as five:
        response = browser.get(PAGE)

    assert len(items(response.text)) == 5
    assert len(five.captured_queries) == len(one.captured_queries)


@pytest.mark.django_db
def test_the_e_services_page_names_the_suspension_of_a_suspended_service(browser, activated, court):
    place(court, activated.person, "CRT-1447-000381")

    html = browser.sign_in_as(activated).get(SERVICES).text

    transfer = card(html, "worker_services_transfer")
    assert '<p class="badge badge--suspended">موقوفة</p>' in transfer
    assert "<dt>الجهة الموقِفة</dt><dd>المحكمة العامة بالرياض</dd>" in transfer
    assert '<dt>الرقم المرجعي</dt><dd><bdi dir="ltr">CRT-1447-000381</bdi></dd>' in transfer
    assert f"<dt>السبب</dt><dd>{REASON_AR}</dd>" in transfer
    assert f"<dt>طريقة رفع الإيقاف</dt><dd>{LIFT_AR}</dd>" in transfer
    assert '<a href="/services/suspensions/">عرض جميع الإيقافات على خدماتك</a>' in transfer
    assert "service-card__action" not in transfer
    assert "بعض خدماتك الإلكترونية موقوفة مؤقتًا." in html
    # The suspensions inquiry itself is never suspended, and opens the page.
    inquiry = card(html, "suspensions_inquiry")
    assert '<p class="badge badge--active">متاحة</p>' in inquiry
    assert '<a class="button" href="/services/suspensions/"' in inquiry


@pytest.mark.django_db
def test_activating_a_suspended_service_is_refused_naming_the_suspension(browser, activated, court):
    place(court, activated.person, "CRT-1447-000381")
    browser.sign_in_as(activated)

    response = browser.post(ACTIVATE)

    assert response.url == "/services/#service-worker_services_transfer"
    assert status_messages(browser.get(SERVICES).text) == [
        "هذه الخدمة موقوفة عنك من قِبل المحكمة العامة بالرياض (المرجع CRT-1447-000381). "
        "تجد طريقة رفع الإيقاف في «الخدمات العامة» ثم «الإيقاف المؤقت للخدمات»."
    ]
    assert OtpChallenge.objects.count() == 0
    assert OutboxSms.objects.filter(to=SIGNUP_E164).count() == 0
    assert ServiceActivation.objects.count() == 0


@pytest.mark.django_db
def test_after_the_lift_the_service_can_be_activated_again(browser, activated, court):
    place(court, activated.person, "CRT-1")
    suspension_lift(authority=court, reference="CRT-1", actor_type="system", actor_id="test")
    browser.sign_in_as(activated)

    response = browser.post(ACTIVATE)

    assert response.url == "/services/worker_services_transfer/activate/verify/"
    assert OtpChallenge.objects.count() == 1
    assert Suspension.objects.get().status == "lifted"
    assert items(browser.get(PAGE).text) == []


@pytest.mark.django_db
def test_the_home_page_links_the_suspensions_inquiry(browser):
    html = browser.get("/").text

    inquiry = card(html, "suspensions_inquiry")
    assert (
        '<a class="button" href="/services/suspensions/" aria-label="الدخول إلى الخدمة: الإيقاف'
        ' المؤقت للخدمات">الدخول إلى الخدمة</a>'
    ) in inquiry
    assert "/services/suspensions/" not in card(html, "passport_renewal")


@pytest.mark.django_db
def test_a_resident_sees_the_page_too(browser, court):
    resident = make_account(PersonFactory(resident=True), status="active")
    place(court, resident.person, "CRT-9", scope="department:passports")

    html = browser.sign_in_as(resident).get(PAGE).text

    assert [item["الرقم المرجعي"] for item in items(html)] == ["CRT-9"]
