"""The transfer of worker services from both sides, in Arabic (SPEC 8): the current sponsor signs
in, goes Passports → Transfer services, enters the code, picks the worker, enters the new sponsor's
ID number and Hijri date of birth, reviews both parties and the fee, confirms with a second code and
is told that the services were transferred and that the new sponsor has 15 days to accept. The new
sponsor, in a browser of their own, signs in, finds the incoming request, accepts it with a code,
opens the fee bill, pays it by card on the sandbox gateway's hosted page and comes back paid. The
worker is then the new sponsor's, and both see the same completed timeline. The main pages are
photographed on a desktop and on a 390 px phone in test-results/."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect

from absher.accounts.constants import AccountStatus, ActivationMethod, PartnerKind
from absher.accounts.models import ServiceActivation, User
from absher.accounts.tests.support import make_partner
from absher.catalog.models import Service
from absher.core import clock
from absher.identity.constants import Gender, IdType, ResidencyStatus
from absher.identity.models import Person, Sponsorship
from absher.identity.rules import hijri_from_gregorian, id_number_with_check_digit
from absher.identity.selectors import sponsor_current_of
from absher.payments.models import Bill
from absher.transfers.constants import TransferStatus
from absher.transfers.models import TransferRequest
from tests.e2e.helpers import latest_code

PASSWORD = "Sahara2030ok"
SPONSOR_MOBILE = "+966551230101"
NEW_SPONSOR_MOBILE = "+966551230202"
GOOD_CARD = "4111 1111 1111 1111"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NEW_SPONSOR_BORN = dt.date(1985, 7, 21)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed"),
]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Sign-in throttles and code send caps live in the cache: start from none."""
    cache.clear()
    yield
    cache.clear()


def _citizen(serial: str, name_ar: str, name_en: str, born: dt.date, mobile: str) -> Person:
    return Person.objects.create(
        id_number=id_number_with_check_digit(serial),
        id_type=IdType.CITIZEN,
        name_ar=name_ar,
        name_en=name_en,
        gender=Gender.MALE,
        nationality="SA",
        mother_nationality="SA",
        date_of_birth=born,
        mobile=mobile,
        residency_status=ResidencyStatus.VALID,
    )


def _account(person: Person, username: str) -> User:
    user = User(
        username=username,
        person=person,
        mobile=person.mobile,
        status=AccountStatus.ACTIVE,
        activation_method=ActivationMethod.NATIONAL_ID,
        activated_at=clock.now() - dt.timedelta(days=30),
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def sponsor() -> User:
    """A citizen with the transfer service activated and one worker."""
    person = _citizen(
        "104455661",
        "عبدالله بن محمد القحطاني",
        "Abdullah Mohammed Alqahtani",
        dt.date(1980, 2, 11),
        SPONSOR_MOBILE,
    )
    user = _account(person, "abdullah.q")
    ServiceActivation.objects.create(
        user=user, service=Service.objects.get(code="worker_services_transfer")
    )
    return user


@pytest.fixture
def worker(sponsor: User) -> Person:
    worker = Person.objects.create(
        id_number=id_number_with_check_digit("245566771"),
        id_type=IdType.RESIDENT,
        name_ar="راجيش كومار",
        name_en="Rajesh Kumar",
        gender=Gender.MALE,
        nationality="IN",
        mother_nationality="IN",
        date_of_birth=dt.date(1992, 9, 3),
        mobile="+966551230303",
        iqama_expiry=clock.today_local() + dt.timedelta(days=300),
        residency_status=ResidencyStatus.VALID,
    )
    assert sponsor.person is not None
    Sponsorship.objects.create(worker=worker, sponsor=sponsor.person, started_at=clock.now())
    return worker


@pytest.fixture
def new_sponsor() -> User:
    """An eligible citizen with an activated account (no service activation needed to answer)."""
    make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)
    person = _citizen(
        "106677882",
        "فيصل بن عبدالعزيز الدوسري",
        "Faisal Abdulaziz Aldossary",
        NEW_SPONSOR_BORN,
        NEW_SPONSOR_MOBILE,
    )
    return _account(person, "faisal.d")


@pytest.fixture
def new_sponsor_page(browser: Browser) -> Iterator[Page]:
    """The new sponsor's own browser (own cookies), next to the current sponsor's."""
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


def signs_in(page: Page, url: str, user: User) -> None:
    main = page.get_by_role("main")
    page.goto(url + "/login/")
    expect(page.locator("html[lang=ar][dir=rtl]")).to_have_count(1)
    page.get_by_label("اسم المستخدم أو رقم الهوية").fill(user.username)
    page.get_by_label("كلمة المرور").fill(PASSWORD)
    main.get_by_role("button", name="متابعة").click()
    expect(heading(page)).to_have_text("أدخل رمز التحقق")
    page.get_by_label("رمز التحقق").fill(latest_code(user.mobile))
    main.get_by_role("button", name="تسجيل الدخول").click()
    expect(heading(page)).to_have_text("حسابي")


def sponsor_sends_the_request(
    page: Page, url: str, sponsor: User, worker: Person, new_sponsor: User, shots: Path
) -> None:
    main = page.get_by_role("main")
    # Passports → Transfer services.
    page.get_by_role("navigation", name="القائمة الرئيسية").get_by_role(
        "link", name="الخدمات الإلكترونية"
    ).click()
    expect(heading(page)).to_have_text("خدماتي الإلكترونية")
    main.get_by_role("navigation", name="الإدارات").get_by_role("link", name="الجوازات").click()
    page.locator("#service-worker_services_transfer").get_by_role(
        "link", name="الدخول إلى الخدمة: نقل خدمات عامل"
    ).click()
    expect(heading(page)).to_have_text("نقل خدمات عامل")
    expect(main.locator("#my-workers")).to_contain_text("راجيش كومار")
    photograph(page, shots, "transfer-service")
    main.get_by_role("button", name="نقل الخدمات").click()

    # The verification code.
    expect(heading(page)).to_have_text("نقل الخدمات: أدخل رمز التحقق")
    page.get_by_label("رمز التحقق").fill(latest_code(sponsor.mobile))
    main.get_by_role("button", name="متابعة").click()

    # The worker.
    expect(heading(page)).to_have_text("اختيار العامل")
    main.get_by_role("radio", name=re.compile("راجيش كومار")).check()
    photograph(page, shots, "transfer-worker")
    main.get_by_role("button", name="التالي").click()

    # The new sponsor's ID number and Hijri date of birth.
    expect(heading(page)).to_have_text("بيانات صاحب العمل الجديد")
    assert new_sponsor.person is not None
    page.get_by_label("رقم هوية صاحب العمل الجديد").fill(new_sponsor.person.id_number)
    page.get_by_label("تاريخ ميلاد صاحب العمل الجديد").fill(
        hijri_from_gregorian(NEW_SPONSOR_BORN).replace("-", "/")
    )
    page.get_by_role("group", name="تقويم تاريخ ميلاد صاحب العمل الجديد").get_by_label(
        "هجري"
    ).check()
    photograph(page, shots, "transfer-new-sponsor")
    main.get_by_role("button", name="التالي").click()

    # The review of both parties and the fee.
    expect(heading(page)).to_have_text("مراجعة بيانات النقل")
    expect(main).to_contain_text("راجيش كومار")
    expect(main).to_contain_text("عبدالله بن محمد القحطاني")
    expect(main).to_contain_text("فيصل بن عبدالعزيز الدوسري")
    expect(main).to_contain_text("2,000.00 ريال")
    photograph(page, shots, "transfer-review")
    main.get_by_role("link", name="موافق").click()

    # The code, then the source's message.
    expect(heading(page)).to_have_text("تأكيد النقل: أدخل رمز التحقق")
    page.get_by_label("رمز التحقق").fill(latest_code(sponsor.mobile))
    main.get_by_role("button", name="تأكيد النقل").click()
    expect(heading(page)).to_have_text("تم نقل الخدمات بنجاح")
    expect(main.locator(".confirmation")).to_have_text(
        "على صاحب العمل الجديد قبول الطلب في مدة لا تزيد على 15 يومًا."
    )
    photograph(page, shots, "transfer-sent")


def new_sponsor_accepts_and_pays(page: Page, url: str, new_sponsor: User, shots: Path) -> None:
    main = page.get_by_role("main")
    transfer = TransferRequest.objects.get()
    # My account → Transfer of worker services → the incoming request.
    main.get_by_role("link", name="نقل خدمات عامل").click()
    expect(heading(page)).to_have_text("نقل خدمات عامل")
    incoming = main.get_by_role("region", name="طلبات النقل الواردة إليك، الأحدث أولًا")
    expect(incoming).to_contain_text("عبدالله بن محمد القحطاني")
    expect(incoming).to_contain_text("بانتظار موافقة صاحب العمل الجديد")
    incoming.get_by_role("link", name=f"عرض طلب النقل رقم {transfer.pk}").click()
    expect(heading(page)).to_have_text(f"طلب النقل رقم {transfer.pk}")
    expect(main).to_contain_text("يطلب عبدالله بن محمد القحطاني نقل خدمات العامل راجيش كومار إليك.")
    photograph(page, shots, "transfer-incoming")

    # Accept with a code: the fee bill appears.
    main.get_by_role("button", name="قبول نقل الخدمات").click()
    expect(heading(page)).to_have_text("قبول نقل الخدمات: أدخل رمز التحقق")
    page.get_by_label("رمز التحقق").fill(latest_code(new_sponsor.mobile))
    main.get_by_role("button", name="قبول نقل الخدمات").click()
    expect(heading(page)).to_have_text(f"طلب النقل رقم {transfer.pk}")
    expect(page.get_by_role("status")).to_contain_text("قبلت طلب نقل الخدمات.")
    bill = Bill.objects.get()
    bill_panel = main.get_by_role("region", name="فاتورة المقابل المالي")
    expect(bill_panel).to_contain_text(bill.sadad_number)
    expect(bill_panel).to_contain_text("2,000.00 ريال")
    photograph(page, shots, "transfer-accepted")

    # The bill, paid by card on the gateway's hosted page.
    bill_panel.get_by_role("link", name="سداد فاتورة المقابل المالي").click()
    expect(heading(page)).to_have_text("فاتورة سداد")
    main.get_by_role("button", name="الدفع بالبطاقة").click()
    expect(page).to_have_url(re.compile(r"/sandbox-gateway/pay/"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_label("اسم حامل البطاقة").fill("FAISAL ALDOSSARY")
    page.get_by_label("رقم البطاقة").fill(GOOD_CARD)
    page.get_by_label("تاريخ الانتهاء").fill("12/39")
    page.get_by_label("رمز التحقق (CVV)").fill("123")
    page.get_by_role("button", name=re.compile("^ادفع")).click()
    expect(page).to_have_url(re.compile(rf"/bills/{bill.sadad_number}/$"))
    expect(main).to_contain_text("شكرًا لك. استُلمت دفعتك بالبطاقة وسُددت الفاتورة.")
    expect(main).to_contain_text("هذه الفاتورة مسددة.")


def sees_the_completed_timeline(page: Page, url: str, shots: Path | None, name: str) -> None:
    transfer = TransferRequest.objects.get()
    main = page.get_by_role("main")
    page.goto(url + "/transfers/")
    main.get_by_role("link", name=f"عرض طلب النقل رقم {transfer.pk}").click()
    expect(heading(page)).to_have_text(f"طلب النقل رقم {transfer.pk}")
    expect(main.locator(".lead .transfer-status")).to_have_text("مكتمل")
    expect(main.locator(".timeline__step")).to_have_text(
        [
            "قدّم الكفيل الحالي الطلب",
            "قبل صاحب العمل الجديد الطلب",
            "سُدِّد المقابل المالي ونُقلت الخدمات",
        ]
    )
    expect(main.locator(".timeline time").first).to_contain_text("بتوقيت الرياض")
    expect(main.locator(".timeline time").first).to_contain_text("هـ")
    if shots is not None:
        photograph(page, shots, name)


def test_a_worker_transferred_from_one_sponsor_to_another_in_arabic(
    live_server,
    page: Page,
    new_sponsor_page: Page,
    screenshot_dir: Path,
    sponsor: User,
    worker: Person,
    new_sponsor: User,
):
    url = live_server.url
    violations = csp_violations(page)
    violations_of_new_sponsor = csp_violations(new_sponsor_page)

    signs_in(page, url, sponsor)
    sponsor_sends_the_request(page, url, sponsor, worker, new_sponsor, screenshot_dir)
    transfer = TransferRequest.objects.get()
    assert (transfer.status, transfer.worker_id) == (TransferStatus.PENDING_ACCEPTANCE, worker.pk)

    signs_in(new_sponsor_page, url, new_sponsor)
    new_sponsor_accepts_and_pays(new_sponsor_page, url, new_sponsor, screenshot_dir)

    # The worker is now the new sponsor's, and both see the same completed timeline.
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.COMPLETED
    assert sponsor_current_of(worker=worker) == new_sponsor.person
    sees_the_completed_timeline(new_sponsor_page, url, screenshot_dir, "transfer-completed")
    new_sponsor_page.goto(url + "/transfers/")
    expect(new_sponsor_page.locator("#my-workers")).to_contain_text("راجيش كومار")
    photograph(new_sponsor_page, screenshot_dir, "transfer-service-new-sponsor")
    sees_the_completed_timeline(page, url, None, "")
    page.goto(url + "/transfers/")
    expect(page.locator("#my-workers")).not_to_contain_text("راجيش كومار")

    assert violations == []
    assert violations_of_new_sponsor == []


def test_without_javascript_the_review_lists_each_failed_condition_in_arabic(
    live_server,
    page_without_javascript: Page,
    screenshot_dir: Path,
    sponsor: User,
    worker: Person,
):
    page = page_without_javascript
    url = live_server.url
    main = page.get_by_role("main")
    Person.objects.filter(pk=worker.pk).update(has_criminal_case=True)
    stranger = _citizen(
        "107788993",
        "سالم بن ناصر العتيبي",
        "Salem Nasser Alotaibi",
        NEW_SPONSOR_BORN,
        "+966551230404",
    )  # in the registry, with no Absher account

    signs_in(page, url, sponsor)
    page.goto(url + "/transfers/")
    main.get_by_role("button", name="نقل الخدمات").click()
    page.get_by_label("رمز التحقق").fill(latest_code(sponsor.mobile))
    main.get_by_role("button", name="متابعة").click()
    main.get_by_role("button", name="التالي").click()
    expect(main.get_by_role("alert")).to_contain_text("اختر العامل الذي تريد نقل خدماته.")
    main.get_by_role("radio", name=re.compile("راجيش كومار")).check()
    main.get_by_role("button", name="التالي").click()
    page.get_by_label("رقم هوية صاحب العمل الجديد").fill(stranger.id_number)
    page.get_by_label("تاريخ ميلاد صاحب العمل الجديد").fill("1985/07/21")
    page.get_by_role("group", name="تقويم تاريخ ميلاد صاحب العمل الجديد").get_by_label(
        "ميلادي"
    ).check()
    main.get_by_role("button", name="التالي").click()

    expect(heading(page)).to_have_text("لا يمكن إتمام نقل الخدمات")
    reasons = main.get_by_role("alert").get_by_role("listitem")
    expect(reasons).to_have_count(2)
    expect(reasons.nth(0)).to_contain_text("ليس لدى صاحب العمل الجديد حساب مفعّل في أبشر.")
    expect(reasons.nth(1)).to_contain_text("على العامل قضية جنائية أو أمنية قائمة")
    expect(main.get_by_role("link", name="موافق")).to_have_count(0)
    photograph(page, screenshot_dir, "transfer-refused")
    assert TransferRequest.objects.count() == 0
