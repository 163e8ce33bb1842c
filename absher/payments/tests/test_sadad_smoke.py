import datetime as dt

import pytest

from absher.accounts.tests.support import (
    activate_by_national_id,
    login,
    make_partner,
    register,
    signed_post,
)
from absher.core import clock
from absher.payments.models import BankNotification, Bill, Payment
from absher.requests.models import ServiceRequest

pytestmark = pytest.mark.django_db


def test_request_bill_and_bank_payment_fulfil_the_request_exactly_once(api, person):
    register(api, person)
    login(api)
    activate_by_national_id(api, person)
    bank = make_partner()

    created = api.post("/api/v1/requests", {"service_code": "passport_renewal"})
    assert created.status_code == 201, created.json()
    number = created.json()["sadad_number"]
    bill = Bill.objects.get(sadad_number=number)
    assert (bill.amount_halalas, bill.status) == (30000, "unpaid")

    inquiry = signed_post(
        api, bank, "/api/v1/integrations/sadad/inquiry", {"id_number": person.id_number}
    )
    assert [item["sadad_number"] for item in inquiry.json()["items"]] == [number]

    body = {
        "sadad_number": number,
        "amount": 30000,
        "bank_code": "RJHI",
        "bank_reference": "TX-1",
        "paid_at": clock.now().isoformat(),
    }
    first = signed_post(api, bank, "/api/v1/integrations/sadad/payments", body)
    again = signed_post(api, bank, "/api/v1/integrations/sadad/payments", body)

    assert first.status_code == 200, first.json()
    assert first.json()["result"] == "applied"
    assert again.json()["result"] == "duplicate"
    assert Payment.objects.count() == 1
    assert ServiceRequest.objects.get().status == "paid"
    assert list(BankNotification.objects.values_list("result", flat=True).order_by("id")) == [
        "applied",
        "duplicate",
    ]


def test_wrong_amount_and_future_time_are_refused_and_recorded(api, person):
    register(api, person)
    login(api)
    activate_by_national_id(api, person)
    bank = make_partner()
    number = api.post("/api/v1/requests", {"service_code": "passport_renewal"}).json()[
        "sadad_number"
    ]
    base = {"sadad_number": number, "bank_code": "RJHI", "bank_reference": "TX-9"}

    wrong = signed_post(
        api,
        bank,
        "/api/v1/integrations/sadad/payments",
        {**base, "amount": 29999, "paid_at": clock.now().isoformat()},
    )
    future = signed_post(
        api,
        bank,
        "/api/v1/integrations/sadad/payments",
        {**base, "amount": 30000, "paid_at": (clock.now() + dt.timedelta(minutes=6)).isoformat()},
    )
    as_text = signed_post(
        api,
        bank,
        "/api/v1/integrations/sadad/payments",
        {**base, "amount": "30000", "paid_at": clock.now().isoformat()},
    )

    assert (wrong.status_code, wrong.json()["code"]) == (422, "amount_mismatch")
    assert (future.status_code, future.json()["code"]) == (422, "paid_at_in_future")
    assert (as_text.status_code, as_text.json()["code"]) == (422, "validation_error")
    assert Payment.objects.count() == 0
    assert Bill.objects.get(sadad_number=number).status == "unpaid"
    assert sorted(BankNotification.objects.values_list("reason", flat=True)) == [
        "amount_mismatch",
        "paid_at_in_future",
    ]


def test_a_notification_with_a_bad_signature_is_refused_and_recorded(api, person):
    bank = make_partner()
    bank.secret = "not-the-secret-the-bank-signs-with"
    body = {
        "sadad_number": "1234567890123",
        "amount": 30000,
        "bank_code": "RJHI",
        "bank_reference": "TX-FORGED",
        "paid_at": clock.now().isoformat(),
    }

    refused = signed_post(api, bank, "/api/v1/integrations/sadad/payments", body)

    assert (refused.status_code, refused.json()["code"]) == (401, "bad_signature")
    recorded = BankNotification.objects.get()
    assert (recorded.result, recorded.reason, recorded.bank_reference) == (
        "rejected",
        "bad_signature",
        "TX-FORGED",
    )
    assert Payment.objects.count() == 0
