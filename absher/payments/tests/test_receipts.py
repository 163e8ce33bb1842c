"""Receipts of paid bills (SPEC 6): the payer's own receipt (another person's bill is the same 404
as a missing one, an unpaid bill has none), what it shows (the payer's ID masked to its last four
digits, the amount in riyals, the date in both calendars, the channel), a refunded bill's receipt
marked refunded, the PDF in Arabic (right to left, shaped) and English, and the public check by the
receipt's exact number that names no one."""

import base64
import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from absher.accounts.tests.support import T0, make_person
from absher.core.errors import ApplicationError
from absher.payments.constants import BillStatus
from absher.payments.models import Payment
from absher.payments.receipts import (
    ReceiptCheck,
    id_number_masked,
    receipt_get_for_actor,
    receipt_pdf,
    receipt_qr_svg_data_uri,
    receipt_verify,
)
from absher.payments.services import bill_refund
from absher.payments.tests.helpers import issue
from absher.payments.tests.receipts_support import paid_bill, pdf_text, refunded_bill

pytestmark = pytest.mark.django_db

VERIFY_URL = "https://absher.example.sa/receipts/CODE/"


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


def visual(text: str) -> str:
    """An Arabic line as a PDF lays it out, right to left: its characters in reverse order, but
    numbers and Latin words still read left to right."""
    return "".join(reversed(re.findall(r"[0-9A-Za-z.:]+|.", text)))


# --- the payer's receipt --------------------------------------------------------------------------


def test_the_receipt_of_a_paid_bill(person):
    bill = paid_bill(person, amount=30050)
    payment = Payment.objects.get(bill=bill)

    receipt = receipt_get_for_actor(person=person, sadad_number=bill.sadad_number)

    assert receipt.code == payment.receipt_code
    assert receipt.sadad_number == bill.sadad_number
    assert receipt.biller_code == bill.biller_code
    assert receipt.service_code == "passport_renewal"
    assert (receipt.service_name_ar, receipt.service_name_en) == (
        "تجديد جواز السفر",
        "Passport renewal",
    )
    assert (receipt.payer_name_ar, receipt.payer_name_en) == (
        "سعد بن عبدالله القحطاني",
        "Saad Abdullah Alqahtani",
    )
    assert receipt.payer_id_masked == "••••••" + person.id_number[-4:]
    assert person.id_number not in receipt.payer_id_masked
    assert receipt.amount_halalas == 30050
    assert receipt.amount == "300.50"
    assert receipt.paid_at == T0
    assert receipt.channel == "sadad"
    assert receipt.is_refunded is False
    assert receipt.refunded_at is None


def test_the_channel_is_named_in_the_language_asked(person):
    receipt = receipt_get_for_actor(person=person, sadad_number=paid_bill(person).sadad_number)

    with translation.override("en"):
        assert receipt.channel_label == "Bank or ATM (SADAD)"
    with translation.override("ar"):
        assert receipt.channel_label == "البنك أو الصراف الآلي (سداد)"


def test_another_persons_bill_has_no_receipt_for_you_and_looks_missing(person):
    other = make_person(name_ar="خالد", name_en="Khalid")
    bill = paid_bill(other)

    with pytest.raises(ApplicationError) as theirs:
        receipt_get_for_actor(person=person, sadad_number=bill.sadad_number)
    with pytest.raises(ApplicationError) as missing:
        receipt_get_for_actor(person=person, sadad_number="1000000000000")

    assert (theirs.value.code, theirs.value.http_status) == ("bill_not_found", 404)
    assert (missing.value.code, missing.value.http_status) == ("bill_not_found", 404)
    assert str(theirs.value.message) == str(missing.value.message)


@pytest.mark.parametrize("status", ["unpaid", "expired", "cancelled"])
def test_a_bill_that_was_never_paid_has_no_receipt(person, status):
    bill = issue(person)
    if status != "unpaid":
        bill.status = status
        bill.save(update_fields=["status"])

    with pytest.raises(ApplicationError) as refusal:
        receipt_get_for_actor(person=person, sadad_number=bill.sadad_number)

    assert refusal.value.code == "bill_not_paid"
    assert refusal.value.http_status == 409
    assert refusal.value.extra == {"status": status}
    with translation.override("en"):
        assert str(refusal.value.message) == (
            "This bill has not been paid, so it has no receipt yet."
        )
    with translation.override("ar"):
        assert str(refusal.value.message) == "لم تُسدَّد هذه الفاتورة، فليس لها إيصال بعد."


def test_a_refunded_bills_receipt_still_shows_marked_refunded(person, moved_clock):
    bill = paid_bill(person)
    moved_clock(T0 + dt.timedelta(days=2))
    bill = _refund(bill)

    receipt = receipt_get_for_actor(person=person, sadad_number=bill.sadad_number)

    assert bill.status == BillStatus.REFUNDED
    assert receipt.is_refunded is True
    assert receipt.refunded_at == T0 + dt.timedelta(days=2)
    assert receipt.paid_at == T0


def _refund(bill):
    return bill_refund(
        sadad_number=bill.sadad_number, actor_type="staff", actor_id="42", reason="rejected"
    )


@pytest.mark.parametrize(
    ("id_number", "masked"),
    [("1000000008", "••••••0008"), ("2123456789", "••••••6789"), ("123", "123")],
)
def test_an_id_number_shows_only_its_last_four_digits(id_number, masked):
    assert id_number_masked(id_number) == masked


# --- the public check -----------------------------------------------------------------------------


def test_the_check_tells_validity_amount_and_date_only(person):
    bill = paid_bill(person, amount=65000)
    code = Payment.objects.get(bill=bill).receipt_code

    check = receipt_verify(code=code)

    assert check == ReceiptCheck(is_refunded=False, amount_halalas=65000, paid_at=T0)
    assert check.amount == "650.00"


def test_the_check_of_a_refunded_payment_says_so(person):
    code = Payment.objects.get(bill=refunded_bill(person)).receipt_code

    assert receipt_verify(code=code).is_refunded is True


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda code: code.swapcase(), id="other-case"),
        pytest.param(lambda code: code[:-1], id="shorter"),
        pytest.param(lambda code: code + "x", id="longer"),
        pytest.param(lambda code: code + " ", id="trailing-space"),
        pytest.param(lambda code: code[:8] + "%", id="like-pattern"),
        pytest.param(lambda code: "", id="empty"),
        pytest.param(lambda code: "x" * 5000, id="very-long"),
    ],
)
def test_only_the_exact_code_finds_a_receipt(person, variant):
    code = Payment.objects.get(bill=paid_bill(person)).receipt_code
    assert code.swapcase() != code

    with pytest.raises(ApplicationError) as refusal:
        receipt_verify(code=variant(code))

    assert (refusal.value.code, refusal.value.http_status) == ("receipt_not_found", 404)
    with translation.override("en"):
        assert str(refusal.value.message) == "No receipt has this number."


def test_a_malformed_code_is_refused_without_asking_the_database(person):
    with CaptureQueriesContext(connection) as queries, pytest.raises(ApplicationError):
        receipt_verify(code="'; select 1; --")

    assert len(queries) == 0


# --- QR code --------------------------------------------------------------------------------------


def test_the_qr_code_is_an_svg_image_address():
    uri = receipt_qr_svg_data_uri(url=VERIFY_URL)

    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    svg = base64.b64decode(uri[len(prefix) :]).decode()
    assert "<svg" in svg
    assert "<path" in svg
    assert receipt_qr_svg_data_uri(url=VERIFY_URL + "x") != uri


# --- PDF ------------------------------------------------------------------------------------------


def _receipt(person, **options):
    bill = paid_bill(person, **options)
    return receipt_get_for_actor(person=person, sadad_number=bill.sadad_number)


def test_the_english_pdf_holds_the_receipt_as_text(person):
    receipt = _receipt(person, amount=30050)

    document = receipt_pdf(receipt=receipt, language="en", verify_url=VERIFY_URL)

    assert document.startswith(b"%PDF-")
    assert document.rstrip().endswith(b"%%EOF")
    text = pdf_text(document)
    assert text[:2] == ["Absher", "Payment receipt"]
    for label, value in [
        ("Receipt number", receipt.code),
        ("SADAD number", receipt.sadad_number),
        ("Biller code", receipt.biller_code),
        ("Service", "Passport renewal"),
        ("Payer", "Saad Abdullah Alqahtani"),
        ("Payer's ID number", "••••••" + person.id_number[-4:]),
        ("Amount", "SAR 300.50"),
        ("Date of payment (Gregorian)", "March 1, 2026"),
        ("Date of payment (Hijri)", "12 Ramadan 1447 AH"),
        ("Time of payment", "1:05 p.m. Riyadh time"),
        ("Paid through", "Bank or ATM (SADAD)"),
        ("Status", "Paid"),
    ]:
        assert text[text.index(label) + 1] == value, label
    assert text[-1] == VERIFY_URL
    assert not any(person.id_number in line for line in text)
    assert "This payment was refunded." not in text
    assert b"/Lang (en)" in document


def test_the_arabic_pdf_is_laid_out_right_to_left_with_arabic_glyphs(person):
    receipt = _receipt(person, amount=30050)

    document = receipt_pdf(receipt=receipt, language="ar", verify_url=VERIFY_URL)

    assert document.startswith(b"%PDF-")
    text = pdf_text(document)
    assert text[:2] == [visual("أبشر"), visual("إيصال سداد")]
    assert text[text.index(visual("رقم سداد")) + 1] == receipt.sadad_number
    assert text[text.index(visual("رقم الإيصال")) + 1] == receipt.code
    # Codes keep their reading order inside the right-to-left page.
    assert text[text.index(visual("رمز المفوتر")) + 1] == receipt.biller_code
    assert "••••••" + person.id_number[-4:] in text
    assert text[text.index(visual("المبلغ")) + 1] == visual("300.50 ريال")
    assert text[text.index(visual("تاريخ السداد (هجري)")) + 1] == visual("12 رمضان 1447 هـ")
    assert text[text.index(visual("وقت السداد")) + 1] == visual("الساعة 1:05 م بتوقيت الرياض")
    assert visual("تجديد جواز السفر") in text
    assert visual("سعد بن عبدالله القحطاني") in text
    assert "SADAD number" not in text
    assert b"/Lang (ar)" in document


def test_a_refunded_receipt_pdf_says_so(person, moved_clock):
    bill = paid_bill(person)
    moved_clock(T0 + dt.timedelta(days=2))
    _refund(bill)
    receipt = receipt_get_for_actor(person=person, sadad_number=bill.sadad_number)

    english = pdf_text(receipt_pdf(receipt=receipt, language="en", verify_url=VERIFY_URL))
    arabic = pdf_text(receipt_pdf(receipt=receipt, language="ar", verify_url=VERIFY_URL))

    assert english[2] == "This payment was refunded."
    assert english[english.index("Status") + 1] == "Refunded"
    assert english[english.index("Refunded on") + 1] == "March 3, 2026"
    assert arabic[2] == visual("استُرد مبلغ هذا السداد.")


def test_an_unknown_language_gives_the_arabic_pdf(person):
    receipt = _receipt(person)

    document = receipt_pdf(receipt=receipt, language="fr", verify_url=VERIFY_URL)

    assert pdf_text(document)[0] == visual("أبشر")
