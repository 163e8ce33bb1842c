"""An officer at an Absher office activates e-services for a registered person, in Arabic: sign in
with password and the code sent by SMS, find the person, tick the documents checked, activate.

Live-server tests are transactional; `standard_catalogue` writes the migrated catalogue again after
the previous test's flush emptied every table."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from playwright.sync_api import expect

from absher.accounts.constants import AccountStatus, ActivationMethod, StaffRole
from absher.accounts.models import Office, OfficeActivation, StaffMember, User
from absher.audit.constants import TRUNCATE_SETTING
from absher.identity.constants import Gender, IdType, ResidencyStatus
from absher.identity.models import Person
from absher.identity.rules import id_number_with_check_digit
from absher.notifications.models import OutboxSms

OFFICER_MOBILE = "+966551230001"
OFFICER_PASSWORD = "Majlis2030ok"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Sign-in throttles and code send caps live in the cache (Redis in CI): start from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def audit_truncate_allowed(transactional_db: None) -> Iterator[None]:
    """The flush that ends a transactional test TRUNCATEs every table; on PostgreSQL the audit
    log's append-only trigger lets that through only when the session asks (audit migration 0002).
    Torn down before the flush, since it depends on `transactional_db`."""
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET {TRUNCATE_SETTING} = 'on'")


def latest_code(mobile: str) -> str:
    sms = OutboxSms.objects.filter(to=mobile).order_by("-created_at", "-id").first()
    assert sms is not None, f"no SMS to {mobile}"
    return re.search(r"\b(\d{6})\b", sms.body).group(1)


@pytest.fixture
def officer() -> StaffMember:
    office = Office.objects.create(
        code="riyadh-olaya",
        name_ar="مكتب أبشر أفراد - العليا",
        name_en="Absher Individuals Office - Olaya",
        city_ar="الرياض",
        city_en="Riyadh",
    )
    user = User(username="officer.olaya", mobile=OFFICER_MOBILE)
    user.set_password(OFFICER_PASSWORD)
    user.save()
    return StaffMember.objects.create(user=user, role=StaffRole.OFFICER, office=office)


@pytest.fixture
def registered_person() -> Person:
    person = Person.objects.create(
        id_number=id_number_with_check_digit("108765432"),
        id_type=IdType.CITIZEN,
        name_ar="عبدالرحمن بن فهد الشهري",
        name_en="Abdulrahman Fahad Alshehri",
        gender=Gender.MALE,
        nationality="SA",
        date_of_birth=dt.date(1988, 11, 2),
        mobile="+966509871234",
        residency_status=ResidencyStatus.VALID,
    )
    account = User(username="abdulrahman88", person=person, mobile=person.mobile)
    account.set_password("Sahara2030ok")
    account.save()
    return person


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("standard_catalogue")
def test_officer_activates_a_registered_person_in_arabic(
    live_server, page, screenshot_dir, audit_truncate_allowed, officer, registered_person
):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(live_server.url + "/backoffice/")

    expect(page.locator("html[lang=ar][dir=rtl]")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("دخول الموظفين")
    page.get_by_label("اسم المستخدم").fill("officer.olaya")
    page.get_by_label("كلمة المرور").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="متابعة").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("أدخل رمز التحقق")
    page.get_by_label("رمز التحقق").fill(latest_code(OFFICER_MOBILE))
    page.get_by_role("button", name="تسجيل الدخول").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("بوابة الموظفين")
    page.get_by_role("main").get_by_role(
        "link", name="تفعيل الخدمات الإلكترونية حضورياً"
    ).first.click()

    page.get_by_label("رقم الهوية").fill(registered_person.id_number)
    page.get_by_role("button", name="البحث عن الشخص").click()

    expect(page.get_by_text("عبدالرحمن بن فهد الشهري")).to_be_visible()
    expect(page.get_by_text("الحساب موجود، ولم تُفعَّل الخدمات الإلكترونية بعد")).to_be_visible()
    expect(page.get_by_text("+9665•••••234")).to_be_visible()
    documents = page.get_by_role("group", name="المستندات الأصلية التي تحققت منها")
    documents.get_by_label("بطاقة الهوية الوطنية").check()
    documents.get_by_label("سجل الأسرة").check()
    page.screenshot(path=screenshot_dir / "backoffice-officer-person-ar.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    page.screenshot(path=screenshot_dir / "backoffice-officer-person-ar-phone.png", full_page=True)
    page.get_by_role("button", name="تفعيل الخدمات الإلكترونية", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("تم تسجيل التفعيل")
    expect(page.get_by_role("status").filter(has_text="لحساب")).to_have_text(
        "تم تفعيل الخدمات الإلكترونية لحساب عبدالرحمن بن فهد الشهري، ويمكن استخدامها الآن مباشرة."
    )
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    page.screenshot(
        path=screenshot_dir / "backoffice-officer-activated-ar-phone.png", full_page=True
    )
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=screenshot_dir / "backoffice-officer-activated-ar.png", full_page=True)

    page.get_by_role("button", name="تسجيل الخروج").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("دخول الموظفين")
    expect(page.get_by_text("سجّلت الخروج من بوابة الموظفين.")).to_be_visible()

    account = User.objects.get(person=registered_person)
    assert account.status == AccountStatus.ACTIVE
    assert account.activation_method == ActivationMethod.OFFICE
    record = OfficeActivation.objects.get(user=account)
    assert (record.officer_id, record.office_id) == (officer.pk, officer.office_id)
    assert record.documents_checked == ["family_card", "national_id_card"]
    assert violations == []
