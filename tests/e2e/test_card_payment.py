"""Paying a bill by card in Arabic (SPEC 6): from the portal's bill page to the sandbox gateway's
hosted page and back. A good card pays the bill, whose receipt opens with its QR code's public
verification page (valid, amount, date and nothing else) and downloads as a PDF; a declined card
leaves the bill unpaid with the reason and the button to try again. Card numbers are typed only
into the gateway's page: the platform's pages and database never hold one."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from absher.accounts.constants import AccountStatus, ActivationMethod, PartnerKind
from absher.accounts.models import User
from absher.accounts.tests.support import make_partner
from absher.core import clock
from absher.identity.constants import Gender, IdType, ResidencyStatus
from absher.identity.models import Person
from absher.identity.rules import id_number_with_check_digit
from absher.payments.models import Bill, CardCheckout, Payment
from absher.requests.services import service_request_create
from tests.e2e.helpers import latest_code

PERSON_PASSWORD = "Sahara2030ok"
ACCOUNT_MOBILE = "+966551112299"
GOOD_CARD = "4111 1111 1111 1111"
DECLINED_CARD = "4000 0000 0000 0002"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("standard_catalogue", "audit_truncate_allowed"),
]


@pytest.fixture
def account() -> User:
    make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)
    person = Person.objects.create(
        id_number=id_number_with_check_digit("109876543"),
        id_type=IdType.CITIZEN,
        name_ar="ريم بنت سعود العتيبي",
        name_en="Reem Saud Alotaibi",
        gender=Gender.FEMALE,
        nationality="SA",
        date_of_birth=dt.date(1992, 3, 14),
        mobile="+966509870011",
        residency_status=ResidencyStatus.VALID,
    )
    user = User(
        username="reem.o",
        person=person,
        mobile=ACCOUNT_MOBILE,
        status=AccountStatus.ACTIVE,
        activation_method=ActivationMethod.NATIONAL_ID,
        activated_at=clock.now() - dt.timedelta(days=30),
    )
    user.set_password(PERSON_PASSWORD)
    user.save()
    return user


def signs_in(page: Page, url: str, user: User) -> None:
    main = page.get_by_role("main")
    page.goto(url + "/login/")
    page.get_by_label("اسم المستخدم أو رقم الهوية").fill(user.username)
    page.get_by_label("كلمة المرور").fill(PERSON_PASSWORD)
    main.get_by_role("button", name="متابعة").click()
    page.get_by_label("رمز التحقق").fill(latest_code(ACCOUNT_MOBILE))
    main.get_by_role("button", name="تسجيل الدخول").click()
    expect(page).to_have_url(re.compile(r"/me/$"))


def opens_the_bill(page: Page, url: str, bill: Bill) -> None:
    page.goto(url + "/bills/")
    page.get_by_role("main").get_by_role("link", name=re.compile(bill.sadad_number)).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("فاتورة سداد")
    expect(page.get_by_role("main")).to_contain_text(bill.sadad_number)


def pays_on_the_gateway(page: Page, card: str, screenshot: Path | None = None) -> None:
    page.get_by_role("main").get_by_role("button", name="الدفع بالبطاقة").click()
    expect(page).to_have_url(re.compile(r"/sandbox-gateway/pay/"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    if screenshot is not None:
        page.screenshot(path=screenshot, full_page=True)
    page.get_by_label("اسم حامل البطاقة").fill("REEM ALOTAIBI")
    page.get_by_label("رقم البطاقة").fill(card)
    page.get_by_label("تاريخ الانتهاء").fill("12/39")
    page.get_by_label("رمز التحقق (CVV)").fill("123")
    page.get_by_role("button", name=re.compile("^ادفع")).click()


def test_a_bill_paid_by_card_then_its_receipt_and_verification_page(
    live_server, page: Page, account: User, screenshot_dir: Path
):
    url = live_server.url
    request = service_request_create(user=account, service_code="passport_renewal")
    bill = Bill.objects.get(sadad_number=request.sadad_number)
    signs_in(page, url, account)

    opens_the_bill(page, url, bill)
    page.screenshot(path=screenshot_dir / "portal-bill-ar.png", full_page=True)
    pays_on_the_gateway(page, GOOD_CARD, screenshot_dir / "sandbox-gateway-pay-ar.png")

    # Back on the platform's bill page, paid.
    expect(page).to_have_url(re.compile(rf"/bills/{bill.sadad_number}/$"))
    main = page.get_by_role("main")
    expect(main).to_contain_text("شكرًا لك. استُلمت دفعتك بالبطاقة وسُددت الفاتورة.")
    expect(main).to_contain_text("هذه الفاتورة مسددة.")
    bill.refresh_from_db()
    assert (bill.status, bill.paid_channel) == ("paid", "card")
    assert Payment.objects.get().external_reference.startswith("ch_")
    assert CardCheckout.objects.get().status == "paid"

    # The receipt, its PDF and its public verification page.
    main.get_by_role("link", name="عرض الإيصال").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("إيصال سداد")
    expect(page.get_by_role("main")).to_contain_text(bill.sadad_number)
    expect(page.get_by_role("img", name=re.compile("QR"))).to_be_visible()
    page.screenshot(path=screenshot_dir / "portal-receipt-ar.png", full_page=True)
    pdf = page.request.get(url + f"/bills/{bill.sadad_number}/receipt.pdf")
    assert pdf.ok
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    verify_link = page.get_by_role("main").get_by_role("link", name=re.compile("receipts"))
    verify_url = verify_link.get_attribute("href")
    assert verify_url is not None
    stranger = page.context.browser.new_context(locale="ar-SA")  # no session: a public page
    public = stranger.new_page()
    public.goto(verify_url)
    public_main = public.get_by_role("main")
    expect(public_main).to_contain_text("هذا الإيصال صحيح: استلم أبشر المبلغ المسدد.")
    expect(public_main).to_contain_text("300.00")
    expect(public_main).not_to_contain_text("ريم")
    expect(public_main).not_to_contain_text(bill.sadad_number)
    public.screenshot(path=screenshot_dir / "portal-receipt-verify-ar.png", full_page=True)
    stranger.close()


def test_a_declined_card_leaves_the_bill_unpaid_and_payable(live_server, page: Page, account: User):
    url = live_server.url
    request = service_request_create(user=account, service_code="passport_renewal")
    bill = Bill.objects.get(sadad_number=request.sadad_number)
    signs_in(page, url, account)

    opens_the_bill(page, url, bill)
    pays_on_the_gateway(page, DECLINED_CARD)

    expect(page).to_have_url(re.compile(rf"/bills/{bill.sadad_number}/$"))
    main = page.get_by_role("main")
    expect(main).to_contain_text("رفض بنكك عملية الدفع بالبطاقة، ولم يُخصم أي مبلغ من بطاقتك.")
    expect(main.get_by_role("button", name="الدفع بالبطاقة")).to_be_visible()
    bill.refresh_from_db()
    assert bill.status == "unpaid"
    assert Payment.objects.count() == 0
    checkout = CardCheckout.objects.get()
    assert (checkout.status, checkout.failure_code) == ("failed", "declined")

    # Trying again with a good card pays it.
    pays_on_the_gateway(page, GOOD_CARD)
    expect(page.get_by_role("main")).to_contain_text("هذه الفاتورة مسددة.")
    bill.refresh_from_db()
    assert bill.status == "paid"
