"""Service suspensions in the back office, in Arabic: a court clerk signs in (password + the code
sent by SMS), places a suspension of all services on a person, finds it in the list and lifts it;
meanwhile a 19999 call-centre agent verifies the person by ID number and Hijri date of birth and
reads the suspension, and after the lifting reads that none is left."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from absher.accounts.constants import StaffRole
from absher.accounts.models import Authority
from absher.audit.selectors import access_log_for
from absher.identity.constants import Gender, IdType, ResidencyStatus
from absher.identity.models import Person
from absher.identity.rules import hijri_from_gregorian, id_number_with_check_digit
from absher.notifications.models import OutboxSms
from absher.notifications.selectors import messages_for
from absher.suspensions.constants import SuspensionStatus
from absher.suspensions.models import Suspension
from tests.e2e.helpers import latest_code, make_staff

PASSWORD = "Majlis2030ok"
CLERK_MOBILE = "+966551230002"
AGENT_MOBILE = "+966551230003"
REFERENCE = "CRT-1447-000381"
BORN = dt.date(1988, 11, 2)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def staff() -> None:
    court = Authority.objects.create(
        code="riyadh-court", name_ar="المحكمة العامة بالرياض", name_en="Riyadh General Court"
    )
    make_staff("clerk.court", CLERK_MOBILE, StaffRole.AUTHORITY_CLERK, court)
    make_staff("agent.19999", AGENT_MOBILE, StaffRole.CALL_CENTRE_AGENT)


@pytest.fixture
def person() -> Person:
    return Person.objects.create(
        id_number=id_number_with_check_digit("108765432"),
        id_type=IdType.CITIZEN,
        name_ar="عبدالرحمن بن فهد الشهري",
        name_en="Abdulrahman Fahad Alshehri",
        gender=Gender.MALE,
        nationality="SA",
        date_of_birth=BORN,
        mobile="+966509871234",
        residency_status=ResidencyStatus.VALID,
    )


@pytest.fixture
def agent_page(browser: Browser) -> Iterator[Page]:
    """The agent's own browser (own cookies) next to the clerk's."""
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


def sign_in(page: Page, url: str, username: str, mobile: str) -> None:
    page.goto(url + "/backoffice/")
    expect(page.locator("html[lang=ar][dir=rtl]")).to_have_count(1)
    page.get_by_label("اسم المستخدم").fill(username)
    page.get_by_label("كلمة المرور").fill(PASSWORD)
    page.get_by_role("button", name="متابعة").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("أدخل رمز التحقق")
    page.get_by_label("رمز التحقق").fill(latest_code(mobile))
    page.get_by_role("button", name="تسجيل الدخول").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("بوابة الموظفين")


def agent_looks_up(page: Page, person: Person) -> str:
    """Verifies the caller with the Hijri date of birth; the answer's Cache-Control."""
    page.get_by_label("رقم هوية المتصل").fill(person.id_number)
    page.get_by_label("تاريخ ميلاد المتصل").fill(hijri_from_gregorian(BORN).replace("-", "/"))
    page.get_by_role("group", name="تقويم تاريخ الميلاد").get_by_label("هجري").check()
    with page.expect_response(
        lambda response: (
            response.url.endswith("/backoffice/call-centre/") and response.request.method == "POST"
        )
    ) as answer:
        page.get_by_role("button", name="التحقق من المتصل").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("إيقافات خدمات المتصل")
    return answer.value.headers["cache-control"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed", "staff")
def test_clerk_places_and_lifts_a_suspension_and_an_agent_reads_it_in_arabic(
    live_server, page: Page, agent_page: Page, screenshot_dir, person
):
    violations = csp_violations(page)
    violations_of_agent = csp_violations(agent_page)

    # The clerk places a suspension of all services.
    sign_in(page, live_server.url, "clerk.court", CLERK_MOBILE)
    page.get_by_role("main").get_by_role("link", name="إيقاف الخدمات").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("إيقاف الخدمات")
    expect(page.get_by_text("لم تُصدر جهتك أي إيقاف بعد.")).to_be_visible()
    page.get_by_role("link", name="إصدار إيقاف").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("إصدار إيقاف")
    page.get_by_role("button", name="إصدار الإيقاف").click()
    expect(page.get_by_role("alert")).to_contain_text("أدخل رقم هوية الشخص.")
    page.screenshot(path=screenshot_dir / "backoffice-suspension-errors-ar.png", full_page=True)

    page.get_by_label("رقم هوية الشخص").fill(person.id_number)
    page.get_by_label("الرقم المرجعي").fill(REFERENCE)
    page.get_by_label("ما يشمله الإيقاف").select_option("all")
    why = page.get_by_role("group", name="سبب الإيقاف")
    why.get_by_label("السبب بالعربية").fill("صدور حكم قضائي واجب النفاذ لم يُنفذ")
    why.get_by_label("السبب بالإنجليزية").fill(
        "An enforceable court judgment has not been carried out"
    )
    how = page.get_by_role("group", name="كيف يرفع الشخص الإيقاف")
    how.get_by_label("طريقة رفع الإيقاف بالعربية").fill(
        "مراجعة دائرة التنفيذ في المحكمة العامة بالرياض وتنفيذ الحكم"
    )
    how.get_by_label("طريقة رفع الإيقاف بالإنجليزية").fill(
        "Visit the enforcement circuit of the General Court in Riyadh and carry out the judgment"
    )
    page.screenshot(path=screenshot_dir / "backoffice-suspension-form-ar.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    page.screenshot(path=screenshot_dir / "backoffice-suspension-form-ar-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="إصدار الإيقاف").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"الإيقاف {REFERENCE}")
    expect(page.get_by_text(f"صدر الإيقاف {REFERENCE}، وبُلِّغ الشخص")).to_be_visible()
    page.screenshot(path=screenshot_dir / "backoffice-suspension-detail-ar.png", full_page=True)

    # It is listed, and found by the person's ID number.
    page.get_by_role("link", name="العودة إلى الإيقافات").click()
    page.get_by_label("الرقم المرجعي أو رقم الهوية").fill(person.id_number)
    page.get_by_role("button", name="بحث").click()
    row = page.get_by_role("row").filter(has_text=REFERENCE)
    expect(row).to_contain_text("عبدالرحمن بن فهد الشهري")
    expect(row).to_contain_text("جميع الخدمات")
    expect(row).to_contain_text("ساري")
    page.screenshot(path=screenshot_dir / "backoffice-suspension-list-ar.png", full_page=True)

    # The agent verifies the caller and reads the suspension.
    sign_in(agent_page, live_server.url, "agent.19999", AGENT_MOBILE)
    agent_page.get_by_role("main").get_by_role(
        "link", name="مركز الاتصال (19999): إيقافات المتصل"
    ).first.click()
    cache_control = agent_looks_up(agent_page, person)
    assert "no-store" in cache_control
    suspension_panel = agent_page.get_by_role("listitem").filter(has_text=REFERENCE)
    expect(suspension_panel.get_by_role("heading", level=2)).to_have_text("المحكمة العامة بالرياض")
    expect(suspension_panel).to_contain_text("صدور حكم قضائي واجب النفاذ لم يُنفذ")
    expect(suspension_panel).to_contain_text("مراجعة دائرة التنفيذ في المحكمة العامة بالرياض")
    expect(suspension_panel).not_to_contain_text("An enforceable")
    assert person.id_number not in agent_page.url
    agent_page.screenshot(
        path=screenshot_dir / "backoffice-call-centre-result-ar.png", full_page=True
    )

    # The clerk lifts it.
    row.get_by_role("link", name=REFERENCE).click()
    page.get_by_role("button", name="رفع الإيقاف").click()
    expect(page.get_by_text(f"رُفع الإيقاف {REFERENCE}، وبُلِّغ الشخص")).to_be_visible()
    expect(page.get_by_role("button", name="رفع الإيقاف")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "backoffice-suspension-lifted-ar.png", full_page=True)

    # The agent verifies the caller again: nothing is suspended any more.
    agent_page.get_by_role("link", name="التحقق من متصل آخر").click()
    agent_looks_up(agent_page, person)
    expect(agent_page.get_by_text("لا توجد خدمات موقوفة")).to_be_visible()

    suspension = Suspension.objects.get(reference=REFERENCE)
    assert suspension.status == SuspensionStatus.LIFTED
    assert [m.kind for m in messages_for(person=person)] == [
        "suspension_lifted",
        "suspension_placed",
    ]
    assert OutboxSms.objects.filter(to=person.mobile).count() == 2
    assert access_log_for(person=person).count() == 2
    assert violations == []
    assert violations_of_agent == []
