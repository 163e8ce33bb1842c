"""The payer's receipt (printable page and PDF) and the public page its QR code opens: valid or
refunded, the amount and the date, and nothing about the payer or the service; an unknown number is
a 404 that says so. The public page is kept out of search engines."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from absher.identity.tests.factories import PersonFactory
from absher.payments.models import Payment
from absher.payments.receipts import receipt_qr_svg_data_uri
from absher.payments.services import bill_refund
from absher.payments.tests.helpers import issue
from absher.payments.tests.receipts_support import pay_at_bank, pdf_text
from absher.portal.tests.conftest import T0, h1, status_messages


def receipt_page(bill) -> str:
    return f"/bills/{bill.sadad_number}/receipt/"


def receipt_pdf(bill) -> str:
    return f"/bills/{bill.sadad_number}/receipt.pdf"


def verify_page(code: str) -> str:
    return f"/receipts/{code}/"


def code_of(bill) -> str:
    return Payment.objects.get(bill=bill).receipt_code


def summary(html: str) -> dict[str, str]:
    return {
        term: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", value)).strip()
        for term, value in re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", html, re.S)
    }


@pytest.fixture
def paid(activated):
    return pay_at_bank(issue(activated.person, amount=30050))


# --- access -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("page", [receipt_page, receipt_pdf])
def test_anonymous_visitors_are_sent_to_sign_in(browser, paid, page):
    response = browser.get(page(paid))

    assert response.status_code == 302
    assert response.url == f"/login/?next={page(paid)}"


@pytest.mark.django_db
@pytest.mark.parametrize("page", [receipt_page, receipt_pdf])
def test_a_registered_account_is_asked_to_activate(browser, registered, page):
    bill = pay_at_bank(issue(registered.person))

    response = browser.sign_in_as(registered).get(page(bill))

    assert response.status_code == 403
    assert 'href="/activation/"' in response.text
    assert code_of(bill) not in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("page", [receipt_page, receipt_pdf])
def test_another_persons_receipt_is_not_found(browser, activated, page):
    theirs = pay_at_bank(issue(PersonFactory(name_en="Khalid Alharbi")))

    response = browser.sign_in_as(activated).get(page(theirs))

    assert response.status_code == 404
    assert code_of(theirs) not in response.text
    assert "Khalid" not in response.text


@pytest.mark.django_db
def test_an_unpaid_bill_has_no_receipt_yet(browser, activated):
    bill = issue(activated.person)
    browser.sign_in_as(activated)

    response = browser.get(receipt_page(bill))
    download = browser.get(receipt_pdf(bill))
    page = browser.get(response.url)

    assert response.status_code == 302
    assert response.url == f"/bills/{bill.sadad_number}/"
    assert download.status_code == 302
    assert status_messages(page.text) == ["لم تُسدَّد هذه الفاتورة، فليس لها إيصال بعد."] * 2


# --- the receipt page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_receipt_in_arabic(browser, activated, paid):
    code = code_of(paid)

    response = browser.sign_in_as(activated).get(receipt_page(paid))

    html = response.text
    assert response.status_code == 200
    assert '<h1 class="receipt__title" id="receipt-title">إيصال سداد</h1>' in html
    assert summary(html) == {
        "رقم الإيصال": code,
        "رقم سداد": paid.sadad_number,
        "رمز المفوتر": "090",
        "الخدمة": "تجديد جواز السفر",
        "المسدِّد": "سعد بن عبدالله القحطاني",
        "رقم هوية المسدِّد": "••••••" + activated.person.id_number[-4:],
        "المبلغ": "300.50 ريال",
        "تاريخ السداد (ميلادي)": "1 مارس، 2026",
        "تاريخ السداد (هجري)": "12 رمضان 1447 هـ",
        "وقت السداد": "الساعة 1:05 م بتوقيت الرياض",
        "قناة السداد": "البنك أو الصراف الآلي (سداد)",
        "الحالة": "مسددة",
    }
    assert activated.person.id_number not in html
    verify_url = f"http://testserver/receipts/{code}/"
    assert f'src="{receipt_qr_svg_data_uri(url=verify_url)}"' in html
    assert 'alt="رمز الاستجابة السريعة (QR) الذي يفتح صفحة التحقق من هذا الإيصال"' in html
    assert f'<a href="{verify_url}"><bdi dir="ltr">{verify_url}</bdi></a>' in html
    assert (
        f'<a class="button" href="/bills/{paid.sadad_number}/receipt.pdf" download>'
        "تنزيل بصيغة PDF</a>"
    ) in html
    assert "استُرد مبلغ هذا السداد." not in html


@pytest.mark.django_db
def test_the_receipt_in_english(english_browser, activated, paid):
    html = english_browser.sign_in_as(activated).get(receipt_page(paid)).text

    details = summary(html)
    assert details["Service"] == "Passport renewal"
    assert details["Payer"] == "Saad Abdullah Alqahtani"
    assert details["Amount"] == "SAR 300.50"
    assert details["Date of payment (Gregorian)"] == "March 1, 2026"
    assert details["Date of payment (Hijri)"] == "12 Ramadan 1447 AH"
    assert details["Time of payment"] == "1:05 p.m. Riyadh time"
    assert details["Paid through"] == "Bank or ATM (SADAD)"
    assert details["Status"] == "Paid"
    assert ">Download PDF</a>" in html


@pytest.mark.django_db
def test_a_refunded_payments_receipt_is_marked_refunded(browser, activated, paid, moved_clock):
    moved_clock(T0 + dt.timedelta(days=2))
    bill_refund(sadad_number=paid.sadad_number, actor_type="staff", actor_id="9", reason="r")

    html = browser.sign_in_as(activated).get(receipt_page(paid)).text

    assert '<p class="receipt__refunded">استُرد مبلغ هذا السداد.</p>' in html
    assert summary(html)["الحالة"] == "مستردة"
    assert summary(html)["تاريخ الاسترداد"] == "3 مارس، 2026"


@pytest.mark.django_db
def test_the_bill_page_links_the_receipt_of_a_refunded_payment(browser, activated, paid):
    bill_refund(sadad_number=paid.sadad_number, actor_type="staff", actor_id="9", reason="r")

    html = browser.sign_in_as(activated).get(f"/bills/{paid.sadad_number}/").text

    assert "سُددت هذه الفاتورة ثم استُرد مبلغها." in html
    assert f'href="/bills/{paid.sadad_number}/receipt/"' in html


# --- the PDF --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_download_the_pdf_in_arabic(browser, activated, paid):
    response = browser.sign_in_as(activated).get(receipt_pdf(paid))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="receipt-{paid.sadad_number}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert text[0] == "رشبأ"  # أبشر, right to left
    assert paid.sadad_number in text
    assert code_of(paid) in text
    assert text[-1] == f"http://testserver/receipts/{code_of(paid)}/"


@pytest.mark.django_db
def test_download_the_pdf_in_english(english_browser, activated, paid):
    response = english_browser.sign_in_as(activated).get(receipt_pdf(paid))

    text = pdf_text(response.content)
    assert text[:2] == ["Absher", "Payment receipt"]
    assert text[text.index("SADAD number") + 1] == paid.sadad_number
    assert text[text.index("Amount") + 1] == "SAR 300.50"


# --- the public check ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_anyone_can_check_a_receipt_without_signing_in(browser, activated, paid):
    response = browser.get(verify_page(code_of(paid)))

    html = response.text
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert h1(html) == "التحقق من إيصال سداد"
    assert "هذا الإيصال صحيح: استلم أبشر المبلغ المسدد." in html
    assert summary(html) == {
        "المبلغ": "300.50 ريال",
        "تاريخ السداد": "12 رمضان 1447 هـ الموافق 1 مارس، 2026 م",
    }
    for private in [
        activated.person.name_ar,
        activated.person.name_en,
        activated.person.id_number[-4:],
        paid.sadad_number,
        "تجديد جواز السفر",
        "Passport renewal",
    ]:
        assert private not in html


@pytest.mark.django_db
def test_the_check_in_english(english_browser, paid):
    html = english_browser.get(verify_page(code_of(paid))).text

    assert "This receipt is valid: the payment was received by Absher." in html
    assert summary(html) == {
        "Amount": "SAR 300.50",
        "Date of payment": "March 1, 2026 (12 Ramadan 1447 AH)",
    }


@pytest.mark.django_db
def test_the_check_of_a_refunded_payment(english_browser, paid):
    bill_refund(sadad_number=paid.sadad_number, actor_type="staff", actor_id="9", reason="r")

    html = english_browser.get(verify_page(code_of(paid))).text

    assert "This receipt was issued by Absher, but this payment was refunded." in html
    assert "This receipt is valid" not in html
    assert summary(html)["Amount"] == "SAR 300.50"


@pytest.mark.django_db
@pytest.mark.parametrize("variant", ["unknown", "other-case"])
def test_an_unknown_number_is_a_404_that_says_so(browser, paid, variant):
    code = "AAAAAAAAAAAAAAAAAAAA" if variant == "unknown" else code_of(paid).swapcase()

    response = browser.get(verify_page(code))

    assert response.status_code == 404
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert h1(response.text) == "الإيصال غير موجود"
    assert "لا يوجد إيصال بهذا الرقم." in response.text
    assert "300.50" not in response.text


@pytest.mark.django_db
def test_the_check_answers_only_get(browser, paid):
    response = browser.post(verify_page(code_of(paid)))

    assert response.status_code == 405
