"""A suspension of services from both sides, in Arabic (issue 5, "Done when"): a court clerk
places a suspension of all services on a person in the back office; the person, signed in to the
portal, sees it under General Services → Temporary suspension of services and is refused the
transfer of worker services, naming the court and the reference; the clerk lifts it and the service
works again; a 19999 call-centre agent looks the person up, and the person sees that look-up in
"who looked at my data". The person's pages are photographed on a desktop and a 390 px phone."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from absher.accounts.constants import AccountStatus, ActivationMethod, OtpPurpose, StaffRole
from absher.accounts.models import Authority, OtpChallenge, User
from absher.audit.selectors import access_log_for
from absher.core import clock
from absher.identity.constants import Gender, IdType, ResidencyStatus
from absher.identity.models import Person
from absher.identity.rules import hijri_from_gregorian, id_number_with_check_digit
from absher.suspensions.constants import SuspensionStatus
from absher.suspensions.models import Suspension
from tests.e2e.helpers import latest_code, make_staff

PASSWORD = "Majlis2030ok"
PERSON_PASSWORD = "Sahara2030ok"
CLERK_MOBILE = "+966551230002"
AGENT_MOBILE = "+966551230003"
ACCOUNT_MOBILE = "+966551112233"
REGISTRY_MOBILE = "+966509871234"
REFERENCE = "CRT-1447-000381"
COURT = "المحكمة العامة بالرياض"
REASON = "صدور حكم قضائي واجب النفاذ لم يُنفذ"
LIFT = "مراجعة دائرة التنفيذ في المحكمة العامة بالرياض وتنفيذ الحكم"
BORN = dt.date(1988, 11, 2)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def staff() -> None:
    court = Authority.objects.create(code="riyadh-court", name_ar=COURT, name_en="Riyadh Court")
    make_staff("clerk.court", CLERK_MOBILE, StaffRole.AUTHORITY_CLERK, court)
    make_staff("agent.19999", AGENT_MOBILE, StaffRole.CALL_CENTRE_AGENT)


@pytest.fixture
def person() -> Person:
    """A citizen with an activated account (its own mobile, other than the registry's)."""
    person = Person.objects.create(
        id_number=id_number_with_check_digit("108765432"),
        id_type=IdType.CITIZEN,
        name_ar="عبدالرحمن بن فهد الشهري",
        name_en="Abdulrahman Fahad Alshehri",
        gender=Gender.MALE,
        nationality="SA",
        date_of_birth=BORN,
        mobile=REGISTRY_MOBILE,
        residency_status=ResidencyStatus.VALID,
    )
    account = User(
        username="abdulrahman.s",
        person=person,
        mobile=ACCOUNT_MOBILE,
        status=AccountStatus.ACTIVE,
        activation_method=ActivationMethod.NATIONAL_ID,
        activated_at=clock.now() - dt.timedelta(days=30),
    )
    account.set_password(PERSON_PASSWORD)
    account.save()
    return person


@pytest.fixture
def clerk_page(browser: Browser) -> Iterator[Page]:
    """The clerk's own browser (own cookies), next to the person's."""
    context = browser.new_context(locale="ar-SA", viewport=DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture
def agent_page(browser: Browser) -> Iterator[Page]:
    """The agent's own browser."""
    context = browser.new_context(locale="ar-SA", viewport=DESKTOP)
    yield context.new_page()
    context.close()


def csp_violations(page: Page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def photograph(page: Page, directory: Path, name: str) -> None:
    """The page on a desktop, then on a phone (where nothing may stick out sideways)."""
    page.screenshot(path=directory / f"portal-{name}-ar.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    page.screenshot(path=directory / f"portal-{name}-ar-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def staff_signs_in(page: Page, url: str, username: str, mobile: str) -> None:
    page.goto(url + "/backoffice/")
    page.get_by_label("اسم المستخدم").fill(username)
    page.get_by_label("كلمة المرور").fill(PASSWORD)
    page.get_by_role("button", name="متابعة").click()
    expect(heading(page)).to_have_text("أدخل رمز التحقق")
    page.get_by_label("رمز التحقق").fill(latest_code(mobile))
    page.get_by_role("button", name="تسجيل الدخول").click()
    expect(heading(page)).to_have_text("بوابة الموظفين")


def person_signs_in(page: Page, url: str, person: Person) -> None:
    page.goto(url + "/login/")
    expect(page.locator("html[lang=ar][dir=rtl]")).to_have_count(1)
    main = page.get_by_role("main")
    page.get_by_label("اسم المستخدم أو رقم الهوية").fill(person.id_number)
    page.get_by_label("كلمة المرور").fill(PERSON_PASSWORD)
    main.get_by_role("button", name="متابعة").click()
    expect(heading(page)).to_have_text("أدخل رمز التحقق")
    page.get_by_label("رمز التحقق").fill(latest_code(ACCOUNT_MOBILE))
    main.get_by_role("button", name="تسجيل الدخول").click()
    expect(heading(page)).to_have_text("حسابي")


def clerk_places_a_suspension_of_all_services(page: Page, person: Person) -> None:
    page.get_by_role("main").get_by_role("link", name="إيقاف الخدمات").first.click()
    page.get_by_role("link", name="إصدار إيقاف").click()
    expect(heading(page)).to_have_text("إصدار إيقاف")
    page.get_by_label("رقم هوية الشخص").fill(person.id_number)
    page.get_by_label("الرقم المرجعي").fill(REFERENCE)
    page.get_by_label("ما يشمله الإيقاف").select_option("all")
    why = page.get_by_role("group", name="سبب الإيقاف")
    why.get_by_label("السبب بالعربية").fill(REASON)
    why.get_by_label("السبب بالإنجليزية").fill(
        "An enforceable court judgment has not been carried out"
    )
    how = page.get_by_role("group", name="كيف يرفع الشخص الإيقاف")
    how.get_by_label("طريقة رفع الإيقاف بالعربية").fill(LIFT)
    how.get_by_label("طريقة رفع الإيقاف بالإنجليزية").fill(
        "Visit the enforcement circuit of the General Court in Riyadh and carry out the judgment"
    )
    page.get_by_role("button", name="إصدار الإيقاف").click()
    expect(heading(page)).to_have_text(f"الإيقاف {REFERENCE}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed", "staff")
def test_a_suspension_seen_refused_lifted_and_a_call_centre_look_up_logged_in_arabic(
    live_server,
    page: Page,
    clerk_page: Page,
    agent_page: Page,
    screenshot_dir: Path,
    person: Person,
):
    url = live_server.url
    violations = csp_violations(page)
    violations_of_clerk = csp_violations(clerk_page)
    violations_of_agent = csp_violations(agent_page)
    main = page.get_by_role("main")
    transfer = page.locator("#service-worker_services_transfer")

    # The person signs in and opens the e-services in a second tab, before any suspension.
    person_signs_in(page, url, person)
    earlier_tab = page.context.new_page()
    earlier_tab.goto(url + "/services/")
    expect(earlier_tab.locator("#service-worker_services_transfer .badge")).to_have_text(
        "تتطلب التفعيل"
    )

    # General Services → Temporary suspension of services: nothing is suspended.
    page.get_by_role("navigation", name="القائمة الرئيسية").get_by_role(
        "link", name="الرئيسية"
    ).click()
    page.locator("#service-suspensions_inquiry").get_by_role(
        "link", name="الدخول إلى الخدمة: الإيقاف المؤقت للخدمات"
    ).click()
    expect(heading(page)).to_have_text("الإيقاف المؤقت للخدمات")
    expect(main.get_by_text("لا توجد لديك خدمات موقوفة.")).to_be_visible()
    expect(main.get_by_role("link", name="19999")).to_have_attribute("href", "tel:19999")
    photograph(page, screenshot_dir, "suspensions-none")

    # The court clerk places a suspension of all services.
    staff_signs_in(clerk_page, url, "clerk.court", CLERK_MOBILE)
    clerk_places_a_suspension_of_all_services(clerk_page, person)

    # The person sees it, in Arabic, with every detail.
    page.reload()
    expect(main.get_by_text("على خدماتك إيقاف واحد سارٍ.")).to_be_visible()
    suspension = main.get_by_role("listitem").filter(has_text=REFERENCE)
    expect(suspension.get_by_role("heading", level=2)).to_have_text(COURT)
    expect(suspension).to_contain_text("جميع الخدمات الإلكترونية")
    expect(suspension).to_contain_text(REASON)
    expect(suspension).to_contain_text(LIFT)
    expect(suspension).to_contain_text("بتوقيت الرياض")
    expect(suspension).not_to_contain_text("An enforceable")
    expect(main.get_by_text("لا توجد لديك خدمات موقوفة.")).to_have_count(0)
    photograph(page, screenshot_dir, "suspensions")

    # The transfer of worker services is refused, from the tab opened before the suspension.
    earlier_tab.locator("#service-worker_services_transfer").get_by_role(
        "button", name="تفعيل الخدمة: نقل خدمات عامل"
    ).click()
    expect(heading(earlier_tab)).to_have_text("خدماتي الإلكترونية")
    refusal = earlier_tab.get_by_role("status")
    expect(refusal).to_contain_text(COURT)
    expect(refusal).to_contain_text(REFERENCE)
    suspended = earlier_tab.locator("#service-worker_services_transfer")
    expect(suspended.locator(".badge")).to_have_text("موقوفة")
    expect(suspended).to_contain_text(LIFT)
    expect(suspended.get_by_role("button")).to_have_count(0)
    photograph(earlier_tab, screenshot_dir, "service-refused")
    earlier_tab.close()
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.SERVICE_ACTIVATE).count() == 0

    # The clerk lifts it.
    clerk_page.get_by_role("button", name="رفع الإيقاف").click()
    expect(clerk_page.get_by_text(f"رُفع الإيقاف {REFERENCE}، وبُلِّغ الشخص")).to_be_visible()

    # Nothing is suspended any more, and the service works again.
    page.reload()
    expect(main.get_by_text("لا توجد لديك خدمات موقوفة.")).to_be_visible()
    main.get_by_role("link", name="العودة إلى خدماتي الإلكترونية").click()
    expect(transfer.locator(".badge")).to_have_text("تتطلب التفعيل")
    transfer.get_by_role("button", name="تفعيل الخدمة: نقل خدمات عامل").click()
    expect(heading(page)).to_have_text("تفعيل الخدمة: أدخل رمز التحقق")
    expect(main.get_by_text("الخدمة الإلكترونية: نقل خدمات عامل")).to_be_visible()

    # A 19999 agent verifies the person by ID number and Hijri date of birth.
    staff_signs_in(agent_page, url, "agent.19999", AGENT_MOBILE)
    agent_page.goto(url + "/backoffice/call-centre/")
    agent_page.get_by_label("رقم هوية المتصل").fill(person.id_number)
    agent_page.get_by_label("تاريخ ميلاد المتصل").fill(hijri_from_gregorian(BORN).replace("-", "/"))
    agent_page.get_by_role("group", name="تقويم تاريخ الميلاد").get_by_label("هجري").check()
    agent_page.get_by_role("button", name="التحقق من المتصل").click()
    expect(heading(agent_page)).to_have_text("إيقافات خدمات المتصل")
    expect(agent_page.get_by_text("لا توجد خدمات موقوفة")).to_be_visible()

    # The person sees that look-up in "who looked at my data".
    page.get_by_role("navigation", name="القائمة الرئيسية").get_by_role(
        "link", name="حسابي"
    ).click()
    main.get_by_role("link", name="من اطّلع على بياناتي").click()
    expect(heading(page)).to_have_text("من اطّلع على بياناتي")
    look_up = main.get_by_role("row").filter(has_text="موظف مركز الاتصال (19999)")
    expect(look_up).to_have_count(1)
    expect(look_up).to_contain_text("اطّلع على خدماتك الموقوفة")
    expect(look_up.locator("time")).to_contain_text(re.compile(r"\d{1,2}:\d{2} [صم]"))
    photograph(page, screenshot_dir, "access-log-call-centre")

    assert Suspension.objects.get(reference=REFERENCE).status == SuspensionStatus.LIFTED
    assert [event.action for event in access_log_for(person=person)] == [
        "call_centre.suspensions_viewed"
    ]
    assert violations == []
    assert violations_of_clerk == []
    assert violations_of_agent == []
