"""GET /api/v1/bills/{sadad_number}/receipt (SPEC 13): the receipt of the caller's own paid bill as
JSON, or as a PDF attachment with `?format=pdf` in the language of Accept-Language (Arabic by
default); another person's bill is a 404 like a missing one, an unpaid bill a 409."""

import datetime as dt

import pytest

from absher.accounts.constants import AccountStatus
from absher.accounts.tests.support import T0, make_person
from absher.payments.models import Payment
from absher.payments.services import bill_refund
from absher.payments.tests.helpers import issue
from absher.payments.tests.receipts_support import paid_bill, pdf_text
from absher.suspensions.tests.helpers import account, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def signed(api, person):
    return signed_in(api, account(person))


def receipt_path(sadad_number: str, query: str = "") -> str:
    return f"/api/v1/bills/{sadad_number}/receipt{query}"


def test_the_receipt_of_my_paid_bill(signed, person):
    bill = paid_bill(person, amount=30050)
    code = Payment.objects.get(bill=bill).receipt_code

    response = signed.get(receipt_path(bill.sadad_number))

    assert response.status_code == 200
    assert response.json() == {
        "receipt_number": code,
        "sadad_number": bill.sadad_number,
        "biller_code": bill.biller_code,
        "service_code": "passport_renewal",
        "service_name_ar": "تجديد جواز السفر",
        "service_name_en": "Passport renewal",
        "payer_name_ar": "سعد بن عبدالله القحطاني",
        "payer_name_en": "Saad Abdullah Alqahtani",
        "payer_id_number_masked": "••••••" + person.id_number[-4:],
        "amount_halalas": 30050,
        "amount_sar": "300.50",
        "paid_at": "2026-03-01T10:05:00Z",
        "paid_on_gregorian": "March 1, 2026",
        "paid_on_hijri": "12 Ramadan 1447 AH",
        "channel": "sadad",
        "channel_name": "Bank or ATM (SADAD)",
        "status": "paid",
        "refunded_at": None,
        "verification_url": f"http://testserver/receipts/{code}/",
    }
    assert person.id_number not in response.text


def test_dates_and_channel_follow_the_language_asked(signed, person):
    bill = paid_bill(person)

    response = signed.get(receipt_path(bill.sadad_number), headers={"Accept-Language": "ar"})

    body = response.json()
    assert body["paid_on_hijri"] == "12 رمضان 1447 هـ"
    assert body["paid_on_gregorian"] == "1 مارس، 2026"
    assert body["channel_name"] == "البنك أو الصراف الآلي (سداد)"


def test_a_refunded_bill_keeps_its_receipt_marked_refunded(api, person, moved_clock):
    bill = paid_bill(person)
    moved_clock(T0 + dt.timedelta(days=1))
    bill_refund(sadad_number=bill.sadad_number, actor_type="staff", actor_id="7", reason="rejected")
    signed_in(api, account(person))

    body = api.get(receipt_path(bill.sadad_number)).json()

    assert body["status"] == "refunded"
    assert body["refunded_at"] == "2026-03-02T10:05:00Z"
    assert body["paid_at"] == "2026-03-01T10:05:00Z"


def test_the_pdf_is_an_arabic_attachment_by_default(signed, person):
    bill = paid_bill(person)

    response = signed.get(
        receipt_path(bill.sadad_number, "?format=pdf"), headers={"Accept-Language": ""}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="receipt-{bill.sadad_number}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert text[0] == "رشبأ"  # أبشر, laid out right to left
    assert bill.sadad_number in text


def test_the_pdf_in_english_when_asked(signed, person):
    bill = paid_bill(person, amount=20000)
    code = Payment.objects.get(bill=bill).receipt_code

    response = signed.get(
        receipt_path(bill.sadad_number, "?format=pdf"), headers={"Accept-Language": "en"}
    )

    text = pdf_text(response.content)
    assert text[:2] == ["Absher", "Payment receipt"]
    assert text[text.index("SADAD number") + 1] == bill.sadad_number
    assert text[text.index("Amount") + 1] == "SAR 200.00"
    assert text[-1] == f"http://testserver/receipts/{code}/"


@pytest.mark.parametrize("query", ["", "?format=pdf"])
def test_another_persons_bill_is_not_found(signed, query):
    theirs = paid_bill(make_person(name_ar="خالد", name_en="Khalid"))

    response = signed.get(receipt_path(theirs.sadad_number, query))
    missing = signed.get(receipt_path("1000000000000", query))

    assert response.status_code == 404
    assert response.json()["code"] == "bill_not_found"
    assert response.json() == missing.json()
    assert "Khalid" not in response.text


def test_an_unpaid_bill_has_no_receipt_yet(signed, person):
    bill = issue(person)

    english = signed.get(receipt_path(bill.sadad_number))
    arabic = signed.get(receipt_path(bill.sadad_number), headers={"Accept-Language": "ar"})
    pdf = signed.get(receipt_path(bill.sadad_number, "?format=pdf"))

    assert english.status_code == 409
    assert english.json() == {
        "code": "bill_not_paid",
        "message": "This bill has not been paid, so it has no receipt yet.",
        "details": {"status": "unpaid"},
    }
    assert arabic.json()["message"] == "لم تُسدَّد هذه الفاتورة، فليس لها إيصال بعد."
    assert pdf.status_code == 409


def test_an_unknown_format_is_refused(signed, person):
    bill = paid_bill(person)

    response = signed.get(receipt_path(bill.sadad_number, "?format=xml"))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_a_registered_account_must_activate_first(api, person):
    bill = paid_bill(person)
    signed_in(api, account(person, status=AccountStatus.REGISTERED))

    response = api.get(receipt_path(bill.sadad_number))

    assert response.status_code == 403
    assert response.json()["code"] == "account_not_activated"


def test_without_a_token_the_receipt_is_refused(api, person):
    bill = paid_bill(person)

    response = api.get(receipt_path(bill.sadad_number))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_openapi_document_offers_json_and_pdf(api):
    document = api.get("/api/v1/openapi.json").json()

    operation = document["paths"]["/api/v1/bills/{sadad_number}/receipt"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "application/pdf"}
    assert {p["name"] for p in operation["parameters"]} == {"sadad_number", "format"}
