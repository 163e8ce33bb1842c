"""A citizen's journey in Arabic: create an account with a Hijri date of birth typed in
Arabic-Indic digits, confirm the mobile with the code, sign in (code again), activate e-services
with the national ID (code to the registry's mobile), activate the transfer of worker services, and
see it activated. Each step is photographed on a desktop and on a 390 px phone in test-results/."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from absher.accounts.constants import AccountStatus, ActivationMethod
from absher.accounts.models import ServiceActivation, User
from absher.identity.models import Person
from absher.identity.tests.factories import PersonFactory
from absher.notifications.models import OutboxSms

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "Sahara2030ok"
SIGNUP_MOBILE = "٠٥٥١١١٢٢٣٣"
SIGNUP_E164 = "+966551112233"
REGISTRY_MOBILE = "+966501234567"
# 15 Rabi' al-Awwal 1410 in the Umm al-Qura calendar.
BORN = dt.date(1989, 10, 14)
BORN_HIJRI_ARABIC_DIGITS = "١٤١٠/٠٣/١٥"
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Sign-in throttles and code send caps live in the cache (Redis in CI): start from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def citizen(transactional_db: None) -> Person:
    return PersonFactory(
        name_ar="سعد بن عبدالله القحطاني",
        name_en="Saad Abdullah Alqahtani",
        date_of_birth=BORN,
        mobile=REGISTRY_MOBILE,
    )


def latest_code(mobile: str) -> str:
    sms = OutboxSms.objects.filter(to=mobile).order_by("-created_at", "-id").first()
    assert sms is not None, f"no SMS to {mobile}"
    return re.search(r"\b(\d{6})\b", sms.body).group(1)


def photograph(page: Page, directory: Path, name: str) -> None:
    """The page on a desktop, then on a phone (where nothing may stick out sideways)."""
    page.screenshot(path=directory / f"portal-{name}-ar.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    page.screenshot(path=directory / f"portal-{name}-ar-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def heading(page: Page):
    return page.get_by_role("heading", level=1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed")
def test_register_sign_in_activate_and_activate_the_transfer_service_in_arabic(
    live_server, page, screenshot_dir, citizen
):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    main = page.get_by_role("main")

    # Create the account.
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="القائمة الرئيسية").get_by_role(
        "link", name="إنشاء حساب"
    ).click()
    expect(page.locator("html[lang=ar][dir=rtl]")).to_have_count(1)
    expect(heading(page)).to_have_text("إنشاء حساب في أبشر")
    page.get_by_label("رقم الهوية").fill(citizen.id_number.translate(ARABIC_DIGITS))
    page.get_by_label("تاريخ الميلاد").fill(BORN_HIJRI_ARABIC_DIGITS)
    calendar = page.get_by_role("group", name="تقويم تاريخ الميلاد")
    calendar.get_by_label("هجري").check()
    page.get_by_label("اسم المستخدم").fill("saad.q")
    page.get_by_label("كلمة المرور", exact=True).fill(PASSWORD)
    page.get_by_label("تأكيد كلمة المرور").fill(PASSWORD)
    page.get_by_label("رقم الجوال").fill(SIGNUP_MOBILE)
    photograph(page, screenshot_dir, "register")
    main.get_by_role("button", name="متابعة").click()

    expect(heading(page)).to_have_text("تأكيد رقم الجوال")
    expect(main.get_by_text("+9665•••••233")).to_be_visible()
    page.get_by_label("رمز التحقق").fill(latest_code(SIGNUP_E164))
    photograph(page, screenshot_dir, "register-code")
    page.get_by_role("button", name="إنشاء الحساب").click()

    expect(heading(page)).to_have_text("تم تسجيل حسابك")
    expect(main.get_by_text("حسابك مسجّل لكنه غير مفعّل بعد.", exact=False)).to_be_visible()
    photograph(page, screenshot_dir, "registered")
    account = User.objects.get(person=citizen)
    assert account.status == AccountStatus.REGISTERED

    # Sign in: password, then a new code.
    main.get_by_role("link", name="تسجيل الدخول").click()
    expect(heading(page)).to_have_text("تسجيل الدخول إلى أبشر")
    page.get_by_label("اسم المستخدم أو رقم الهوية").fill("saad.q")
    page.get_by_label("كلمة المرور").fill(PASSWORD)
    main.get_by_role("button", name="متابعة").click()
    expect(heading(page)).to_have_text("أدخل رمز التحقق")
    page.get_by_label("رمز التحقق").fill(latest_code(SIGNUP_E164))
    main.get_by_role("button", name="تسجيل الدخول").click()

    expect(heading(page)).to_have_text("حسابي")
    expect(page.get_by_text("مسجّل (غير مفعّل)")).to_be_visible()
    expect(page.get_by_text("15 ربيع الأول 1410 هـ")).to_be_visible()
    menu = page.get_by_role("navigation", name="القائمة الرئيسية")
    expect(menu.get_by_role("link", name="الرسائل (غير المقروءة: 1)")).to_be_visible()
    expect(menu.get_by_role("button", name="تسجيل الخروج")).to_be_visible()
    photograph(page, screenshot_dir, "dashboard-registered")

    # A registered account is refused e-services, with the way to activation.
    menu.get_by_role("link", name="الخدمات الإلكترونية").click()
    expect(heading(page)).to_have_text("الخدمات الإلكترونية غير مفعّلة")
    photograph(page, screenshot_dir, "not-activated")
    main.get_by_role("link", name="تفعيل الخدمات الإلكترونية").click()

    # Activate e-services with the national ID: the code goes to the registry's mobile.
    expect(heading(page)).to_have_text("تفعيل الخدمات الإلكترونية")
    expect(main.get_by_role("heading", level=2)).to_have_text(
        [
            "برقم الهوية وتاريخ الميلاد",
            "عن طريق بنكك",
            "برمز تفعيل يصلك في رسالة نصية",
            "في أحد مكاتب أبشر",
        ]
    )
    by_national_id = main.get_by_role("region", name="برقم الهوية وتاريخ الميلاد")
    by_national_id.get_by_role("textbox", name="رقم الهوية").fill(citizen.id_number)
    by_national_id.get_by_role("textbox", name="تاريخ الميلاد").fill(BORN_HIJRI_ARABIC_DIGITS)
    photograph(page, screenshot_dir, "activation")
    main.get_by_role("button", name="إرسال رمز التحقق").click()

    expect(heading(page)).to_have_text("تفعيل الخدمات الإلكترونية: أدخل رمز التحقق")
    expect(main.get_by_text("+9665•••••567")).to_be_visible()
    page.get_by_label("رمز التحقق").fill(latest_code(REGISTRY_MOBILE))
    main.get_by_role("button", name="تفعيل الخدمات الإلكترونية").click()

    expect(heading(page)).to_have_text("تم تفعيل الخدمات الإلكترونية")
    photograph(page, screenshot_dir, "activated")
    main.get_by_role("link", name="الانتقال إلى خدماتي الإلكترونية").click()

    # Activate the transfer of worker services.
    expect(heading(page)).to_have_text("خدماتي الإلكترونية")
    transfer = page.locator("#service-worker_services_transfer")
    expect(transfer.locator(".badge")).to_have_text("تتطلب التفعيل")
    photograph(page, screenshot_dir, "services")
    transfer.get_by_role("button", name="تفعيل الخدمة: نقل خدمات عامل").click()

    expect(heading(page)).to_have_text("تفعيل الخدمة: أدخل رمز التحقق")
    expect(main.get_by_text("الخدمة الإلكترونية: نقل خدمات عامل")).to_be_visible()
    page.get_by_label("رمز التحقق").fill(latest_code(SIGNUP_E164))
    photograph(page, screenshot_dir, "service-code")
    main.get_by_role("button", name="تفعيل الخدمة").click()

    expect(heading(page)).to_have_text("تم تفعيل الخدمة")
    main.get_by_role("link", name="العودة إلى خدماتي الإلكترونية").click()

    expect(heading(page)).to_have_text("خدماتي الإلكترونية")
    transfer = page.locator("#service-worker_services_transfer")
    expect(transfer.locator(".badge")).to_have_text("مفعّلة")
    expect(transfer.get_by_role("button")).to_have_count(0)
    photograph(page, screenshot_dir, "services-activated")

    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert account.activation_method == ActivationMethod.NATIONAL_ID
    assert list(
        ServiceActivation.objects.filter(user=account).values_list("service__code", flat=True)
    ) == ["worker_services_transfer"]
    assert violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed")
def test_refusals_are_shown_next_to_the_field_without_javascript(
    live_server, page_without_javascript, screenshot_dir, citizen
):
    page = page_without_javascript
    page.goto(live_server.url + "/register/")
    page.get_by_label("رقم الهوية").fill("12345")
    page.get_by_label("تاريخ الميلاد").fill(BORN_HIJRI_ARABIC_DIGITS)
    page.get_by_label("اسم المستخدم").fill("saad.q")
    page.get_by_label("كلمة المرور", exact=True).fill(PASSWORD)
    page.get_by_label("تأكيد كلمة المرور").fill("Sahara2030OK")
    page.get_by_label("رقم الجوال").fill(SIGNUP_MOBILE)

    page.get_by_role("main").get_by_role("button", name="متابعة").click()

    expect(page.get_by_role("alert")).to_contain_text("يوجد خطأ")
    password_again = page.get_by_label("تأكيد كلمة المرور")
    expect(password_again).to_have_attribute("aria-invalid", "true")
    expect(password_again).to_have_accessible_description(
        "كلمتا المرور غير متطابقتين. اكتب كلمة المرور نفسها مرتين."
    )
    photograph(page, screenshot_dir, "register-errors")
    assert OutboxSms.objects.count() == 0
