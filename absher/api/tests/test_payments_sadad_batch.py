"""A bank's batch of SADAD payment notifications (POST /api/v1/integrations/sadad/payments/batch):
each notification is applied exactly once and answered as it would be alone; one refused
notification does not refuse the others; a malformed or oversized batch changes nothing."""

import datetime as dt
import json

import pytest

from absher.accounts.tests.support import (
    T0,
    make_partner,
    make_person,
    signed_headers,
    signed_post,
)
from absher.payments.constants import SADAD_BATCH_CHUNK, BillStatus, NotificationResult
from absher.payments.models import BankNotification, Bill, Payment
from absher.payments.tests.helpers import (  # noqa: F401
    _test_fulfiller,
    issue,
    notification,
    notifications,
    snapshot,
)

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/integrations/sadad/payments/batch"


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def bank(db):
    return make_partner("test-bank")


def send(api, bank, items, **options):
    return signed_post(api, bank, BATCH, {"items": items}, **options)


def bills(count, test_fulfiller):
    return [issue(make_person()) for _ in range(count)]


def test_a_batch_pays_every_bill_once_and_answers_in_order(api, bank, test_fulfiller):
    # More than one chunk, so that chunk boundaries are crossed.
    issued = bills(SADAD_BATCH_CHUNK + 3, test_fulfiller)
    items = [notification(bill, bank_reference=f"B-{n}") for n, bill in enumerate(issued)]

    response = send(api, bank, items)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["applied"], body["duplicate"], body["rejected"]) == (len(issued), 0, 0)
    assert [item["index"] for item in body["items"]] == list(range(len(issued)))
    assert [item["sadad_number"] for item in body["items"]] == [b.sadad_number for b in issued]
    assert {item["bill_status"] for item in body["items"]} == {BillStatus.PAID}
    assert Payment.objects.count() == len(issued)
    assert set(Bill.objects.values_list("status", flat=True)) == {BillStatus.PAID}
    assert sorted(test_fulfiller.runs) == sorted(b.sadad_number for b in issued)
    assert BankNotification.objects.filter(result=NotificationResult.APPLIED).count() == len(issued)


def test_the_same_batch_again_answers_duplicate_and_pays_nothing_more(api, bank, test_fulfiller):
    issued = bills(3, test_fulfiller)
    items = [notification(bill, bank_reference=f"B-{n}") for n, bill in enumerate(issued)]
    assert send(api, bank, items).status_code == 200
    before = snapshot()

    again = send(api, bank, items)

    assert again.status_code == 200
    assert (again.json()["applied"], again.json()["duplicate"]) == (0, 3)
    assert {item["result"] for item in again.json()["items"]} == {"duplicate"}
    after = snapshot()
    assert after["payments"] == before["payments"]
    assert after["bills"] == before["bills"]
    assert after["audit"] == before["audit"]


def test_one_refused_notification_does_not_refuse_the_others(api, bank, test_fulfiller):
    good, wrong_amount, other = bills(3, test_fulfiller)
    items = [
        notification(good, bank_reference="B-1"),
        notification(wrong_amount, bank_reference="B-2", amount=wrong_amount.amount_halalas + 1),
        notification(other, bank_reference="B-3"),
        notification(other, bank_reference="B-4"),  # the same bill again, by another payment
        {**notification(good, bank_reference="B-5"), "sadad_number": "9999999999999"},
        {**notification(good, bank_reference="B-6"), "sadad_number": "12"},
    ]

    response = send(api, bank, items)

    assert response.status_code == 200, response.json()
    body = response.json()
    results = [(item["result"], (item.get("error") or {}).get("code")) for item in body["items"]]
    assert results == [
        ("applied", None),
        ("rejected", "amount_mismatch"),
        ("applied", None),
        ("rejected", "bill_already_paid"),
        ("rejected", "bill_not_found"),
        ("rejected", "invalid_sadad_number"),
    ]
    assert (body["applied"], body["duplicate"], body["rejected"]) == (2, 0, 4)
    assert body["items"][1]["error"]["message"]
    assert Bill.objects.get(pk=wrong_amount.pk).status == BillStatus.UNPAID
    assert Payment.objects.count() == 2
    # Every notification is recorded for reconciliation, refused ones with their reason.
    assert [(result, reason) for _, result, reason in notifications()] == [
        ("applied", ""),
        ("rejected", "amount_mismatch"),
        ("applied", ""),
        ("rejected", "bill_already_paid"),
        ("rejected", "bill_not_found"),
        ("rejected", "invalid_sadad_number"),
    ]


def test_a_refusal_carries_the_message_in_the_callers_language(api, bank, test_fulfiller):
    (bill,) = bills(1, test_fulfiller)
    raw = json.dumps({"items": [notification(bill, amount=bill.amount_halalas + 5)]}).encode()
    headers = signed_headers(partner=bank.code, secret=bank.secret, path=BATCH, raw=raw)

    response = api.post_raw(BATCH, raw, {**headers, "Accept-Language": "ar"})

    error = response.json()["items"][0]["error"]
    assert error["code"] == "amount_mismatch"
    assert error["message"] == "المبلغ المسدد لا يطابق مبلغ الفاتورة."


@pytest.mark.parametrize("items", [[], [{"sadad_number": "1"}], "not a list"])
def test_a_malformed_batch_is_refused_whole_and_changes_nothing(api, bank, test_fulfiller, items):
    (bill,) = bills(1, test_fulfiller)
    before = snapshot()

    response = send(api, bank, items)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert snapshot() == before
    assert Bill.objects.get(pk=bill.pk).status == BillStatus.UNPAID


def test_a_batch_over_the_limit_is_refused_whole(api, bank, test_fulfiller):
    (bill,) = bills(1, test_fulfiller)
    item = notification(bill)
    before = snapshot()

    response = send(api, bank, [item] * 1001)

    assert response.status_code == 422
    assert snapshot() == before


def test_an_unsigned_batch_is_refused_and_recorded(api, bank, test_fulfiller):
    (bill,) = bills(1, test_fulfiller)
    before = snapshot()

    response = send(api, bank, [notification(bill)], timestamp=int(T0.timestamp()) - 3600)

    assert response.status_code == 401
    assert response.json()["code"] == "stale_timestamp"
    assert snapshot() == before
    assert [result for _, result, _ in notifications()] == ["rejected"]


def test_a_batch_is_applied_at_the_moment_it_is_received(api, bank, test_fulfiller, moved_clock):
    (bill,) = bills(1, test_fulfiller)
    moved_clock(T0 + dt.timedelta(days=40))  # past the bill's expiry
    item = notification(bill, paid_at=(T0 + dt.timedelta(days=40)).isoformat())

    response = send(api, bank, [item])

    assert response.json()["items"][0]["error"]["code"] == "bill_expired"
