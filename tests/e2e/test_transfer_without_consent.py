"""Transfer without the sponsor's consent from both sides, in Arabic (SPEC 9): a prospective new
sponsor signs in to the portal, opens the e-service from the catalogue and files a case for a
worker with the seven documents of the checklist (small real PDF, PNG and JPEG files made here);
an officer, in a browser of their own, signs in to the back office, opens the case from the queue,
takes it for review, reads a document and approves it; the new sponsor then sees the approval and
the resulting transfer awaiting payment of its fee. The pages are photographed on a desktop and on
a 390 px phone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from absher.accounts.constants import AccountStatus, ActivationMethod, StaffRole
from absher.accounts.models import Office, ServiceActivation, StaffMember, User
from absher.catalog.models import Service
from absher.core import clock
from absher.identity.constants import Gender, IdType, ResidencyStatus
from absher.identity.models import Person, Sponsorship
from absher.identity.rules import id_number_with_check_digit
from absher.transfers.constants import REQUIRED_DOCUMENTS
from absher.transfers.models import CaseDocument, TransferCase, TransferRequest
from absher.transfers.tests.case_support import JPEG, PDF, PNG
from tests.e2e.helpers import latest_code

PASSWORD = "Sahara2030ok"
OFFICER_PASSWORD = "Majlis2030ok"
FILER_MOBILE = "+966551117788"
OFFICER_MOBILE = "+966551230011"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LABELS = {
    "sponsorship_form": "نموذج كفالة موقع من الكفيل",
    "transfer_letter": "خطاب النقل الجديد",
    "old_passports": "صور جوازات المقيم القديمة",
    "chamber_of_commerce": "مستند الغرفة التجارية المرفق بالخطاب",
    "sponsor_pledge": "تعهد موقع من الكفيل الجديد تجاه المقيم",
    "commercial_registration": "صورة السجل التجاري أو رخصة البلدية",
    "resident_photo": "صورة شخصية للمقيم مع نموذج تعهد النقل",
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed"),
]


@pytest.fixture(autouse=True)
def _private_documents(settings, tmp_path: Path) -> None:
    """The live server runs in this process: the documents go to the test's own directory."""
    settings.CASE_DOCUMENTS_DIR = tmp_path / "private" / "cases"


def _person(nine: str, **fields: object) -> Person:
    citizen = nine.startswith("1")
    return Person.objects.create(
        id_number=id_number_with_check_digit(nine),
        id_type=IdType.CITIZEN if citizen else IdType.RESIDENT,
        gender=Gender.MALE,
        nationality="SA" if citizen else "PH",
        mother_nationality="SA" if citizen else "PH",
        date_of_birth=dt.date(1985, 6, 1),
        residency_status=ResidencyStatus.VALID,
        **fields,
    )


@pytest.fixture
def worker() -> Person:
    sponsor = _person(
        "107654321",
        name_ar="عبدالله بن محمد القحطاني",
        name_en="Abdullah Mohammed Alqahtani",
        mobile="+966509870101",
    )
    worker = _person(
        "245678123",
        name_ar="خوسيه ديلا كروز",
        name_en="Jose Dela Cruz",
        mobile="+966509870102",
        iqama_expiry=dt.date(2030, 1, 31),
    )
    Sponsorship.objects.create(worker=worker, sponsor=sponsor, started_at=clock.now())
    return worker


@pytest.fixture
def filer() -> Person:
    """The prospective new sponsor: a citizen with e-services and this service activated."""
    person = _person(
        "108123456",
        name_ar="فيصل بن عبدالعزيز الدوسري",
        name_en="Faisal Abdulaziz Aldossary",
        mobile="+966509870103",
    )
    account = User(
        username="faisal.d",
        person=person,
        mobile=FILER_MOBILE,
        status=AccountStatus.ACTIVE,
        activation_method=ActivationMethod.NATIONAL_ID,
        activated_at=clock.now() - dt.timedelta(days=30),
    )
    account.set_password(PASSWORD)
    account.save()
    ServiceActivation.objects.create(
        user=account, service=Service.objects.get(code="transfer_without_consent")
    )
    return person


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
def officer_page(browser: Browser) -> Iterator[Page]:
    """The officer's own browser (own cookies), next to the new sponsor's."""
    context = browser.new_context(locale="ar-SA", viewport=DESKTOP, accept_downloads=True)
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


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def photograph(page: Page, directory: Path, name: str) -> None:
    """The page on a desktop, then on a phone (where nothing may stick out sideways)."""
    page.screenshot(path=directory / f"{name}-ar.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    page.screenshot(path=directory / f"{name}-ar-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def file_for(kind: str) -> dict[str, object]:
    if kind == "resident_photo":
        return {"name": "صورة-المقيم.jpg", "mimeType": "image/jpeg", "buffer": JPEG}
    if kind == "old_passports":
        return {"name": "passports.png", "mimeType": "image/png", "buffer": PNG}
    return {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}


def new_sponsor_signs_in(page: Page, url: str, person: Person) -> None:
    page.goto(url + "/login/")
    expect(page.locator("html[lang=ar][dir=rtl]")).to_have_count(1)
    main = page.get_by_role("main")
    page.get_by_label("اسم المستخدم أو رقم الهوية").fill(person.id_number)
    page.get_by_label("كلمة المرور").fill(PASSWORD)
    main.get_by_role("button", name="متابعة").click()
    expect(heading(page)).to_have_text("أدخل رمز التحقق")
    page.get_by_label("رمز التحقق").fill(latest_code(FILER_MOBILE))
    main.get_by_role("button", name="تسجيل الدخول").click()
    expect(heading(page)).to_have_text("حسابي")


def officer_signs_in(page: Page, url: str) -> None:
    page.goto(url + "/backoffice/")
    expect(heading(page)).to_have_text("دخول الموظفين")
    page.get_by_label("اسم المستخدم").fill("officer.olaya")
    page.get_by_label("كلمة المرور").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="متابعة").click()
    expect(heading(page)).to_have_text("أدخل رمز التحقق")
    page.get_by_label("رمز التحقق").fill(latest_code(OFFICER_MOBILE))
    page.get_by_role("button", name="تسجيل الدخول").click()
    expect(heading(page)).to_have_text("بوابة الموظفين")


def test_a_new_sponsor_files_a_case_and_an_officer_approves_it_in_arabic(
    live_server, page, officer_page, screenshot_dir, filer, worker, officer
):
    url = live_server.url
    violations = csp_violations(page) + csp_violations(officer_page)

    # The new sponsor: E-services → Passports → Transfer without the sponsor's consent.
    new_sponsor_signs_in(page, url, filer)
    page.get_by_role("navigation", name="القائمة الرئيسية").get_by_role(
        "link", name="الخدمات الإلكترونية"
    ).click()
    page.get_by_role("link", name="الدخول إلى الخدمة: نقل الكفالة بدون موافقة الكفيل").click()
    expect(heading(page)).to_have_text("نقل الكفالة بدون موافقة الكفيل")
    page.get_by_role("link", name="تقديم طلب جديد").click()
    expect(heading(page)).to_have_text("تقديم طلب")

    page.get_by_label("رقم إقامة العامل").fill(worker.id_number)
    documents = page.get_by_role("group", name="المستندات السبعة المطلوبة")
    for kind in REQUIRED_DOCUMENTS:
        documents.get_by_label(LABELS[kind], exact=True).set_input_files(file_for(kind))
    photograph(page, screenshot_dir, "portal-case-new")
    page.get_by_role("button", name="تقديم الطلب").click()

    case = TransferCase.objects.get()
    expect(heading(page)).to_have_text(f"الطلب {case.reference}")
    expect(page.get_by_role("status")).to_contain_text(
        f"استلمنا طلبك {case.reference} مع مستنداته السبعة"
    )
    expect(page.get_by_text("مقدَّم، بانتظار المراجعة")).to_be_visible()
    for label in LABELS.values():
        expect(page.get_by_role("link", name=f"تنزيل {label}")).to_be_visible()
    photograph(page, screenshot_dir, "portal-case-submitted")
    assert CaseDocument.objects.filter(case=case).count() == 7

    # The officer, in their own browser: the queue, the case, review, a document, approval.
    officer_signs_in(officer_page, url)
    officer_page.get_by_role("main").get_by_role(
        "link", name="نقل الكفالة بدون موافقة الكفيل"
    ).first.click()
    expect(heading(officer_page)).to_have_text("نقل الكفالة بدون موافقة الكفيل")
    officer_page.screenshot(path=screenshot_dir / "backoffice-case-queue-ar.png", full_page=True)
    officer_page.get_by_role("link", name=f"فتح الطلب {case.reference}").click()
    expect(heading(officer_page)).to_have_text(f"الطلب {case.reference}")
    expect(officer_page.get_by_text("فيصل بن عبدالعزيز الدوسري", exact=True)).to_be_visible()
    officer_page.get_by_role("button", name="بدء المراجعة").click()
    expect(officer_page.get_by_role("status")).to_contain_text(
        f"توليت مراجعة الطلب {case.reference}"
    )
    expect(officer_page.get_by_text("جميع الشروط متحققة", exact=False)).to_be_visible()
    with officer_page.expect_download() as download:
        officer_page.get_by_role("link", name=f"تنزيل {LABELS['resident_photo']}").click()
    assert Path(download.value.path()).read_bytes() == JPEG
    officer_page.screenshot(path=screenshot_dir / "backoffice-case-review-ar.png", full_page=True)
    officer_page.get_by_role("button", name="الموافقة على النقل").click()

    transfer = TransferRequest.objects.get()
    expect(officer_page.get_by_role("status")).to_contain_text(
        f"تمت الموافقة على الطلب {case.reference}، وطلب النقل رقم {transfer.pk}"
    )
    officer_page.screenshot(path=screenshot_dir / "backoffice-case-approved-ar.png", full_page=True)

    # The new sponsor sees the approval and the transfer waiting for the fee.
    page.reload()
    expect(page.get_by_role("heading", name="تمت الموافقة على طلبك.")).to_be_visible()
    expect(page.get_by_text("مقبول، بانتظار سداد المقابل المالي")).to_be_visible()
    expect(page.get_by_text(transfer.bill.sadad_number)).to_be_visible()
    photograph(page, screenshot_dir, "portal-case-approved")
    page.get_by_role("link", name="سداد المقابل المالي").click()
    expect(page.get_by_text(transfer.bill.sadad_number).first).to_be_visible()

    assert (transfer.status, transfer.is_without_consent) == ("awaiting_payment", True)
    assert transfer.new_sponsor == filer
    assert violations == []
