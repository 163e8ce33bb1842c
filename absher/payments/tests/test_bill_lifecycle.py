"""A bill's status moves only by the transition table (unpaid → paid | expired | cancelled;
paid → refunded), each move with its history row and audit event; every other move is refused and
changes nothing. Expiry is by the clock; the sweep only tidies the status and tells the payer."""

import datetime as dt

import pytest

from absher.accounts.tests.support import T0
from absher.audit.models import AuditEvent
from absher.core import clock
from absher.core.errors import ApplicationError
from absher.notifications.models import Message, SmsMessage
from absher.payments import tasks
from absher.payments.constants import BILL_FINAL_STATUSES, BILL_TRANSITIONS, BillStatus
from absher.payments.models import Bill, BillEvent
from absher.payments.services import (
    BankPayment,
    bill_cancel,
    bill_pay_from_bank,
    bill_refund,
    bill_withdraw,
    bills_expire_due,
)
from absher.payments.tests.helpers import issue, snapshot

pytestmark = pytest.mark.django_db

ACTOR = {"actor_type": "staff", "actor_id": "42"}


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


def _pay(bill):
    bill_pay_from_bank(
        partner_code="test-bank",
        payment=BankPayment(
            sadad_number=bill.sadad_number,
            amount_halalas=bill.amount_halalas,
            bank_code="RJHI",
            bank_reference=f"TX-{bill.pk}",
            paid_at=clock.now(),
        ),
    )
    bill.refresh_from_db()
    return bill


def _in(status: str, person) -> Bill:
    bill = issue(person)
    if status == "paid":
        return _pay(bill)
    if status == "refunded":
        _pay(bill)
        return bill_refund(sadad_number=bill.sadad_number, reason="r", **ACTOR)
    if status == "cancelled":
        return bill_cancel(sadad_number=bill.sadad_number, reason="r", **ACTOR)
    if status == "expired":
        Bill.objects.filter(pk=bill.pk).update(expires_at=T0 - dt.timedelta(seconds=1))
        bills_expire_due()
        bill.refresh_from_db()
    return bill


def _events(bill) -> list[tuple[str, str, str, str, str]]:
    return list(
        BillEvent.objects.filter(bill=bill)
        .order_by("id")
        .values_list("from_status", "to_status", "actor_type", "actor_id", "note")
    )


def test_the_transition_table():
    assert {
        "unpaid": {"paid", "expired", "cancelled"},
        "paid": {"refunded"},
        "expired": set(),
        "cancelled": set(),
        "refunded": set(),
    } == BILL_TRANSITIONS
    assert {"expired", "cancelled", "refunded"} == BILL_FINAL_STATUSES


# --- refunds --------------------------------------------------------------------------------------


def test_a_paid_bill_is_refunded_and_the_payer_told(person):
    bill = _in("paid", person)

    refunded = bill_refund(sadad_number=bill.sadad_number, reason="Passport office closed", **ACTOR)

    assert (refunded.status, refunded.closed_at, refunded.close_reason) == (
        "refunded",
        T0,
        "Passport office closed",
    )
    assert _events(bill)[-1] == ("paid", "refunded", "staff", "42", "Passport office closed")
    audit = AuditEvent.objects.get(action="bill.refunded")
    assert (audit.actor_type, audit.actor_id, audit.subject_id) == (
        "staff",
        "42",
        bill.sadad_number,
    )
    assert audit.data == {"from": "paid", "note": "Passport office closed"}
    message = Message.objects.get(kind="bill_refunded")
    assert message.body_en == (
        f"SAR 300.00 paid for bill {bill.sadad_number} will be refunded. "
        "Reason: Passport office closed"
    )
    assert SmsMessage.objects.filter(body=message.body_ar).count() == 1


@pytest.mark.parametrize("status", ["unpaid", "expired", "cancelled", "refunded"])
def test_only_a_paid_bill_can_be_refunded(person, status):
    bill = _in(status, person)
    before = snapshot()

    with pytest.raises(ApplicationError) as refusal:
        bill_refund(sadad_number=bill.sadad_number, reason="r", **ACTOR)

    assert (refusal.value.code, refusal.value.http_status) == ("bill_transition_refused", 409)
    assert refusal.value.extra == {"status": status, "refused": "refunded"}
    assert snapshot() == before


# --- cancellations --------------------------------------------------------------------------------


def test_an_unpaid_bill_is_cancelled(person):
    bill = _in("unpaid", person)

    cancelled = bill_cancel(sadad_number=bill.sadad_number, reason="Request withdrawn", **ACTOR)

    assert (cancelled.status, cancelled.closed_at, cancelled.close_reason) == (
        "cancelled",
        T0,
        "Request withdrawn",
    )
    assert _events(bill)[-1] == ("unpaid", "cancelled", "staff", "42", "Request withdrawn")
    assert (
        AuditEvent.objects.filter(action="bill.cancelled", subject_id=bill.sadad_number).count()
        == 1
    )


def test_an_unpaid_bill_past_its_expiry_can_still_be_cancelled(person, moved_clock):
    bill = issue(person)
    moved_clock(bill.expires_at + dt.timedelta(days=1))

    assert bill_cancel(sadad_number=bill.sadad_number, reason="r", **ACTOR).status == "cancelled"


@pytest.mark.parametrize("status", ["paid", "expired", "cancelled", "refunded"])
def test_only_an_unpaid_bill_can_be_cancelled(person, status):
    bill = _in(status, person)
    before = snapshot()

    with pytest.raises(ApplicationError) as refusal:
        bill_cancel(sadad_number=bill.sadad_number, reason="r", **ACTOR)

    assert refusal.value.code == "bill_transition_refused"
    assert snapshot() == before


@pytest.mark.parametrize("close", [bill_cancel, bill_refund, bill_withdraw])
def test_closing_an_unknown_bill_is_not_found(db, close):
    with pytest.raises(ApplicationError) as refusal:
        close(sadad_number="1000000000000", reason="r", **ACTOR)

    assert (refusal.value.code, refusal.value.http_status) == ("bill_not_found", 404)


# --- withdrawing (what the bill pays for will not happen) -----------------------------------------


@pytest.mark.parametrize(
    ("status", "after"),
    [
        ("unpaid", "cancelled"),
        ("paid", "refunded"),
        ("expired", "expired"),
        ("cancelled", "cancelled"),
        ("refunded", "refunded"),
    ],
)
def test_withdrawing_cancels_an_unpaid_bill_refunds_a_paid_one_and_leaves_the_rest(
    person, status, after
):
    bill = _in(status, person)
    events = BillEvent.objects.count()

    withdrawn = bill_withdraw(sadad_number=bill.sadad_number, reason="r", **ACTOR)

    assert withdrawn.status == after
    assert BillEvent.objects.count() == events + (status != after)


# --- expiry sweep ---------------------------------------------------------------------------------


def test_the_sweep_expires_unpaid_bills_past_their_expiry_only(person, moved_clock):
    due = issue(person, lifetime=dt.timedelta(days=1))
    later = issue(person, lifetime=dt.timedelta(days=3))
    paid = _pay(issue(person, lifetime=dt.timedelta(days=1)))
    cancelled = bill_cancel(
        sadad_number=issue(person, lifetime=dt.timedelta(days=1)).sadad_number, reason="r", **ACTOR
    )
    moved_clock(T0 + dt.timedelta(days=1))

    expired = bills_expire_due()

    assert expired == 1
    statuses = dict(Bill.objects.values_list("sadad_number", "status"))
    assert statuses == {
        due.sadad_number: "expired",
        later.sadad_number: "unpaid",
        paid.sadad_number: "paid",
        cancelled.sadad_number: "cancelled",
    }
    assert _events(due)[-1] == ("unpaid", "expired", "system", "sweep", "")
    assert AuditEvent.objects.filter(action="bill.expired").count() == 1
    message = Message.objects.get(kind="bill_expired")
    assert message.body_en == f"SADAD bill {due.sadad_number} expired unpaid."
    assert not SmsMessage.objects.filter(body=message.body_ar).exists()
    assert Bill.objects.get(pk=due.pk).closed_at == T0 + dt.timedelta(days=1)


def test_the_sweep_run_again_changes_nothing(person, moved_clock):
    issue(person, lifetime=dt.timedelta(days=1))
    moved_clock(T0 + dt.timedelta(days=2))
    assert bills_expire_due() == 1
    before = snapshot()

    assert bills_expire_due() == 0
    assert snapshot() == before


def test_the_sweep_stops_at_its_limit_and_the_next_run_goes_on(person, moved_clock):
    for _ in range(3):
        issue(person, lifetime=dt.timedelta(days=1))
    moved_clock(T0 + dt.timedelta(days=1))

    assert bills_expire_due(limit=2) == 2
    assert bills_expire_due(limit=2) == 1
    assert set(Bill.objects.values_list("status", flat=True)) == {BillStatus.EXPIRED}


def test_the_expiry_task_runs_the_sweep(person, moved_clock):
    issue(person, lifetime=dt.timedelta(days=1))
    moved_clock(T0 + dt.timedelta(days=1))

    assert tasks.expire_bills.apply().get() == 1
