"""My bills (فواتيري) and one bill: the SADAD number with the biller code beside it, how to pay
it at a bank or ATM, the amount, status and expiry, what it pays for; "Pay by card" while it can
be paid, the receipt once paid; another person's bill is a 404. Paying by card goes to the
gateway's hosted page and comes back with its signed outcome, told on the bill's page."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.accounts.constants import PartnerKind
from absher.accounts.tests.support import make_partner
from absher.identity.tests.factories import PersonFactory
from absher.payments.constants import BillStatus, CheckoutStatus
from absher.payments.models import Bill, CardCheckout, Payment
from absher.payments.providers.hosted import params_sign
from absher.payments.services import bill_cancel
from absher.payments.tests.helpers import issue
from absher.payments.tests.receipts_support import pay_at_bank
from absher.portal.tests.conftest import T0, h1, make_account, status_messages

BILLS = "/bills/"


def bill_page(bill: Bill) -> str:
    return f"/bills/{bill.sadad_number}/"


def card_payment(bill: Bill) -> str:
    return f"/bills/{bill.sadad_number}/card-payment/"


def card_return(bill: Bill) -> str:
    return f"/bills/{bill.sadad_number}/card-return/"


def rows(html: str) -> list[dict[str, str]]:
    """Each bill of the list: its cells by column label, tags stripped, spaces squeezed."""
    found = []
    for row in re.findall(r'<tr role="row" class="bill-row">(.*?)</tr>', html, re.S):
        cells = re.findall(r'<td role="cell" data-label="([^"]+)"[^>]*>(.*?)</td>', row, re.S)
        found.append({label: _text(value) for label, value in cells})
    return found


def summary(html: str) -> dict[str, str]:
    return {
        term: _text(value)
        for term, value in re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", html, re.S)
    }


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


@pytest.fixture
def gateway(db):
    return make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)


# --- access -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["list", "detail"])
def test_anonymous_visitors_are_sent_to_sign_in(browser, person, page):
    path = BILLS if page == "list" else bill_page(issue(person))

    response = browser.get(path)

    assert response.status_code == 302
    assert response.url == f"/login/?next={path}"


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["list", "detail"])
def test_a_registered_account_is_asked_to_activate(browser, registered, page):
    path = BILLS if page == "list" else bill_page(issue(registered.person))

    response = browser.sign_in_as(registered).get(path)

    assert response.status_code == 403
    assert 'href="/activation/"' in response.text
    assert "/card-payment/" not in response.text


@pytest.mark.django_db
def test_another_persons_bill_is_not_found(browser, activated):
    theirs = issue(PersonFactory(name_en="Khalid Alharbi"))
    browser.sign_in_as(activated)

    response = browser.get(bill_page(theirs))
    missing = browser.get("/bills/1000000000000/")
    paying = browser.post(card_payment(theirs))

    assert response.status_code == 404
    assert missing.status_code == 404
    assert paying.status_code == 404
    assert h1(response.text) == "الصفحة غير موجودة"
    assert "300.00" not in response.text
    assert "تجديد جواز السفر" not in response.text
    assert "Khalid" not in response.text
    assert CardCheckout.objects.count() == 0


# --- the list -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_bills_newest_first_in_arabic(browser, activated, moved_clock):
    older = issue(activated.person, amount=30000)
    moved_clock(T0 + dt.timedelta(hours=2))
    newer = issue(activated.person, amount=65050, service_code="iqama_renewal")
    pay_at_bank(older)
    issue(PersonFactory())  # someone else's

    response = browser.sign_in_as(activated).get(BILLS)

    assert response.status_code == 200
    assert h1(response.text) == "فواتيري"
    assert rows(response.text) == [
        {
            "رقم سداد": f"{newer.sadad_number} رمز المفوتر 090",
            "الخدمة": "تجديد الإقامة",
            "المبلغ": "650.50 ريال",
            "الحالة": "غير مسددة",
            "تنتهي في": "30 مارس، 2026",
        },
        {
            "رقم سداد": f"{older.sadad_number} رمز المفوتر 090",
            "الخدمة": "تجديد جواز السفر",
            "المبلغ": "300.00 ريال",
            "الحالة": "مسددة",
            "تنتهي في": "30 مارس، 2026",
        },
    ]
    assert f'<a class="bill-row__number" href="/bills/{newer.sadad_number}/">' in response.text
    assert 'href="/static/portal/css/payments.css"' in response.text


@pytest.mark.django_db
def test_my_bills_in_english(english_browser, activated):
    bill = issue(activated.person)

    response = english_browser.sign_in_as(activated).get(BILLS)

    assert h1(response.text) == "My bills"
    assert rows(response.text) == [
        {
            "SADAD number": f"{bill.sadad_number} Biller code 090",
            "Service": "Passport renewal",
            "Amount": "SAR 300.00",
            "Status": "Unpaid",
            "Expires": "March 30, 2026",
        }
    ]


@pytest.mark.django_db
def test_no_bills(browser, activated):
    response = browser.sign_in_as(activated).get(BILLS)

    assert rows(response.text) == []
    assert "لا توجد لديك فواتير. تصدر الفاتورة عند طلبك خدمة إلكترونية ذات رسوم." in response.text


@pytest.mark.django_db
def test_the_list_does_not_query_per_bill(browser, activated):
    issue(activated.person)
    browser.sign_in_as(activated)
    with CaptureQueriesContext(connection) as one:
        browser.get(BILLS)
    for _ in range(5):
        issue(activated.person, service_code="iqama_renewal")

    with CaptureQueriesContext(connection) as six:
        response = browser.get(BILLS)

    assert len(rows(response.text)) == 6
    assert len(six.captured_queries) == len(one.captured_queries)


# --- one bill -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unpaid_bill_in_arabic_with_how_to_pay_it(browser, activated):
    bill = issue(activated.person, amount=30000)

    response = browser.sign_in_as(activated).get(bill_page(bill))

    html = response.text
    assert response.status_code == 200
    assert h1(html) == "فاتورة سداد"
    assert f"<title>فاتورة سداد {bill.sadad_number} – أبشر</title>" in html
    assert (
        '<div class="bill-number__item bill-number__item--main"><dt>رقم سداد</dt>'
        f'<dd><bdi dir="ltr">{bill.sadad_number}</bdi></dd></div>'
    ) in html
    assert (
        '<div class="bill-number__item"><dt>رمز المفوتر</dt><dd><bdi dir="ltr">090</bdi></dd></div>'
    ) in html
    details = summary(html)
    assert details["المبلغ"] == "300.00 ريال"
    assert details["الحالة"] == "غير مسددة"
    assert details["الغرض من الفاتورة"] == "تجديد جواز السفر"
    assert (
        details["تاريخ الإصدار"]
        == "12 رمضان 1447 هـ الموافق 1 مارس، 2026 م، الساعة 1:05 م بتوقيت الرياض"
    )
    assert details["آخر موعد للسداد"] == (
        "11 شوال 1447 هـ الموافق 30 مارس، 2026 م، الساعة 1:05 م بتوقيت الرياض"
    )
    assert "السداد عبر البنك أو جهاز الصراف الآلي (سداد)" in html
    assert f'<li>أدخل رقم سداد <bdi dir="ltr">{bill.sadad_number}</bdi>.</li>' in html
    assert '<li>اختر المفوتر ذا الرمز <bdi dir="ltr">090</bdi>' in html
    assert f'action="/bills/{bill.sadad_number}/card-payment/" method="post">' in html
    assert '<button class="button" type="submit">الدفع بالبطاقة</button>' in html
    assert "/receipt/" not in html


@pytest.mark.django_db
def test_an_unpaid_bill_in_english(english_browser, activated):
    bill = issue(activated.person)

    html = english_browser.sign_in_as(activated).get(bill_page(bill)).text

    assert h1(html) == "SADAD bill"
    details = summary(html)
    assert details["SADAD number"] == bill.sadad_number
    assert details["Biller code"] == "090"
    assert details["Amount"] == "SAR 300.00"
    assert details["Status"] == "Unpaid"
    assert details["Pay before"] == "March 30, 2026 (11 Shawwal 1447 AH), 1:05 p.m. Riyadh time"
    assert "Pay at a bank or ATM (SADAD)" in html
    assert '<button class="button" type="submit">Pay by card</button>' in html


@pytest.mark.django_db
def test_a_paid_bill_links_its_receipt_and_cannot_be_paid_again(browser, activated):
    bill = pay_at_bank(issue(activated.person))

    html = browser.sign_in_as(activated).get(bill_page(bill)).text

    details = summary(html)
    assert details["الحالة"] == "مسددة"
    assert details["قناة السداد"] == "البنك أو الصراف الآلي (سداد)"
    assert details["تاريخ السداد"].startswith("12 رمضان 1447 هـ")
    assert "آخر موعد للسداد" not in details
    assert "هذه الفاتورة مسددة." in html
    assert f'<a class="button" href="/bills/{bill.sadad_number}/receipt/">عرض الإيصال</a>' in html
    assert "/card-payment/" not in html


@pytest.mark.django_db
def test_a_bill_past_its_expiry_shows_expired_before_the_sweep(browser, activated, moved_clock):
    bill = issue(activated.person, lifetime=dt.timedelta(days=1))
    moved_clock(T0 + dt.timedelta(days=1, seconds=1))

    html = browser.sign_in_as(activated).get(bill_page(bill)).text

    assert Bill.objects.get(pk=bill.pk).status == BillStatus.UNPAID
    assert summary(html)["الحالة"] == "منتهية"
    assert "انتهت مدة هذه الفاتورة قبل سدادها." in html
    assert "/card-payment/" not in html
    assert "السداد عبر البنك" not in html


@pytest.mark.django_db
def test_a_cancelled_bill_cannot_be_paid(english_browser, activated):
    bill = issue(activated.person)
    bill_cancel(sadad_number=bill.sadad_number, actor_type="staff", actor_id="1", reason="r")

    html = english_browser.sign_in_as(activated).get(bill_page(bill)).text

    assert summary(html)["Status"] == "Cancelled"
    assert "This bill was cancelled." in html
    assert "/card-payment/" not in html


# --- paying by card -------------------------------------------------------------------------------


def gateway_return(checkout: CardCheckout, status: str, **overrides: str) -> dict[str, str]:
    """What the gateway's hosted page sends the browser back with, signed with its secret."""
    params = {
        "partner": "demo-gateway",
        "reference": checkout.reference,
        "status": status,
        "charge_id": "ch_001" if status == "paid" else "",
        "amount": str(checkout.amount_halalas),
    }
    params.update(overrides)
    params["signature"] = params_sign(params, "demo-gateway-secret")
    return params


@pytest.mark.django_db
def test_pay_by_card_goes_to_the_gateways_page_and_comes_back_paid(browser, activated, gateway):
    bill = issue(activated.person)
    browser.sign_in_as(activated)

    started = browser.post(card_payment(bill))

    assert started.status_code == 302
    target = urlsplit(started.url)
    assert target.path == "/sandbox-gateway/pay/"
    query = parse_qs(target.query)
    checkout = CardCheckout.objects.get(bill=bill)
    assert query["reference"] == [checkout.reference]
    assert query["amount"] == ["30000"]
    assert query["return_url"] == [f"http://testserver/bills/{bill.sadad_number}/card-return/"]
    assert query["lang"] == ["ar"]

    back = browser.get(card_return(bill), data=gateway_return(checkout, "paid"))

    assert back.status_code == 302
    assert back.url == bill_page(bill)
    page = browser.get(back.url)
    assert status_messages(page.text) == ["شكرًا لك. استُلمت دفعتك بالبطاقة وسُددت الفاتورة."]
    assert summary(page.text)["الحالة"] == "مسددة"
    assert summary(page.text)["قناة السداد"] == "بطاقة ائتمانية أو بطاقة خصم مباشر"
    assert f'href="/bills/{bill.sadad_number}/receipt/"' in page.text
    assert Payment.objects.get(bill=bill).channel == "card"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (
            "declined",
            "Your bank declined the card payment, and nothing was taken from your card. You can "
            "try again with another card, or pay the bill at a bank or ATM through SADAD.",
        ),
        (
            "3ds_failed",
            "Your card's security check (3-D Secure) did not succeed, and nothing was taken from "
            "your card. You can try again.",
        ),
        (
            "timeout",
            "The card payment was not completed in time. If your bank confirms it later, the bill "
            "will show as paid here; otherwise you can try again.",
        ),
        ("cancelled", "You cancelled the card payment. The bill is still unpaid."),
    ],
)
def test_a_failed_card_payment_is_explained_and_can_be_tried_again(
    english_browser, activated, gateway, failure, message
):
    bill = issue(activated.person)
    english_browser.sign_in_as(activated)
    english_browser.post(card_payment(bill))
    checkout = CardCheckout.objects.get(bill=bill)

    back = english_browser.get(card_return(bill), data=gateway_return(checkout, failure))
    page = english_browser.get(back.url)

    assert status_messages(page.text).count(message.replace("'", "&#x27;")) == 1
    checkout.refresh_from_db()
    assert (checkout.status, checkout.failure_code) == (CheckoutStatus.FAILED, failure)
    assert summary(page.text)["Status"] == "Unpaid"
    assert '<button class="button" type="submit">Pay by card</button>' in page.text
    assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_a_declined_payment_in_arabic(browser, activated, gateway):
    bill = issue(activated.person)
    browser.sign_in_as(activated).post(card_payment(bill))
    checkout = CardCheckout.objects.get(bill=bill)

    page = browser.get(
        browser.get(card_return(bill), data=gateway_return(checkout, "declined")).url
    )

    assert status_messages(page.text) == [
        "رفض بنكك عملية الدفع بالبطاقة، ولم يُخصم أي مبلغ من بطاقتك. يمكنك المحاولة مرة أخرى "
        "ببطاقة أخرى، أو سداد الفاتورة عبر البنك أو جهاز الصراف الآلي من خلال «سداد»."
    ]


@pytest.mark.django_db
def test_a_forged_return_pays_nothing_and_says_why(english_browser, activated, gateway):
    bill = issue(activated.person)
    english_browser.sign_in_as(activated).post(card_payment(bill))
    checkout = CardCheckout.objects.get(bill=bill)
    forged = gateway_return(checkout, "paid")
    forged["signature"] = "0" * 64

    back = english_browser.get(card_return(bill), data=forged)
    page = english_browser.get(back.url)

    assert back.url == bill_page(bill)
    assert status_messages(page.text) == [
        "The payment result could not be verified. Nothing was paid from this page."
    ]
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.UNPAID
    assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_paying_a_paid_bill_by_card_is_refused_with_a_message(english_browser, activated, gateway):
    bill = pay_at_bank(issue(activated.person))
    english_browser.sign_in_as(activated)

    refused = english_browser.post(card_payment(bill))
    page = english_browser.get(refused.url)

    assert refused.url == bill_page(bill)
    assert status_messages(page.text) == ["This bill has already been paid."]
    assert CardCheckout.objects.count() == 0


@pytest.mark.django_db
def test_card_payment_accepts_only_a_post(browser, activated, gateway):
    bill = issue(activated.person)

    response = browser.sign_in_as(activated).get(card_payment(bill))

    assert response.status_code == 405
    assert CardCheckout.objects.count() == 0


@pytest.mark.django_db
def test_the_card_return_needs_the_payer_signed_in(browser, activated, gateway):
    bill = issue(activated.person)
    other = make_account(PersonFactory(), username="other.person", status="active")
    browser.sign_in_as(activated).post(card_payment(bill))
    checkout = CardCheckout.objects.get(bill=bill)
    browser.client.logout()

    response = browser.sign_in_as(other).get(
        card_return(bill), data=gateway_return(checkout, "paid")
    )

    assert response.status_code == 404
    assert Payment.objects.count() == 0


def test_the_payments_stylesheet_uses_logical_properties_only():
    from absher.portal.tests.test_assets import PHYSICAL_DIRECTION, PORTAL

    css = (PORTAL / "static" / "portal" / "css" / "payments.css").read_text(encoding="utf-8")

    assert PHYSICAL_DIRECTION.findall(css) == []
    assert "@media print" in css


@pytest.mark.django_db
def test_a_charge_after_the_bill_was_paid_at_a_bank_is_returned(
    english_browser, activated, gateway
):
    bill = issue(activated.person)
    english_browser.sign_in_as(activated).post(card_payment(bill))
    checkout = CardCheckout.objects.get(bill=bill)
    pay_at_bank(bill)

    # The return, without running its after-commit work (handing the charge back to the card
    # through the gateway, which the card payment tests cover).
    back = english_browser.client.get(card_return(bill), data=gateway_return(checkout, "paid"))
    page = english_browser.get(back.url)

    assert status_messages(page.text) == [
        "The bill could no longer be paid when your card was charged (it had been paid, had "
        "expired or was cancelled), so the amount will be returned to your card."
    ]
    assert CardCheckout.objects.get(pk=checkout.pk).status == CheckoutStatus.REFUNDED
    assert Payment.objects.get(bill=bill).channel == "sadad"


@pytest.mark.django_db
def test_a_transfer_fee_bill_says_what_it_pays_for(browser, activated):
    from absher.catalog.models import Service
    from absher.payments.services import bill_create
    from absher.transfers.constants import BILL_PURPOSE

    bill = bill_create(
        payer=activated.person,
        service=Service.objects.get(code="worker_services_transfer"),
        amount_halalas=200000,
        purpose=BILL_PURPOSE,
        purpose_id="41",
    )

    response = browser.sign_in_as(activated).get(bill_page(bill))

    assert "المقابل المالي لنقل خدمات العامل، الطلب رقم 41" in response.text
