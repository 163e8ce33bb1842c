"""Exactly-once over many inputs (hypothesis): whatever sequence of bank notifications arrives for
one bill (the same or other references, right or wrong amounts, in time or late, paid_at ahead or
not), at most one payment is made, the bill is paid exactly when an exact-amount notification
arrived in time before any other was applied, every answer is the one the rules give, and a
duplicate never changes anything."""

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from absher.accounts.tests.support import T0, make_person
from absher.core import clock
from absher.core.errors import ApplicationError
from absher.payments.constants import PAID_AT_FUTURE_TOLERANCE
from absher.payments.models import BankNotification, Bill, Fulfilment, Payment
from absher.payments.services import BankPayment, bill_pay_from_bank
from absher.payments.tests.helpers import issue, snapshot

pytestmark = pytest.mark.django_db

LIFETIME = dt.timedelta(days=3)
AMOUNT = 30000


@dataclass(frozen=True)
class Sent:
    reference: str  # one of a few, so that the same one comes again
    amount_offset: int  # 0: the bill's amount
    wait: dt.timedelta  # how long after the previous notification this one arrives
    paid_at_offset: dt.timedelta  # the bank's time of payment against the arrival


notifications = st.lists(
    st.builds(
        Sent,
        reference=st.sampled_from(["TX-A", "TX-B", "TX-C"]),
        amount_offset=st.sampled_from([0, 0, -1, 1, -AMOUNT + 1]),
        wait=st.sampled_from(
            [dt.timedelta(0), dt.timedelta(minutes=3), dt.timedelta(days=1), dt.timedelta(days=2)]
        ),
        paid_at_offset=st.sampled_from(
            [
                -dt.timedelta(hours=1),
                -PAID_AT_FUTURE_TOLERANCE,
                dt.timedelta(0),
                PAID_AT_FUTURE_TOLERANCE,
                PAID_AT_FUTURE_TOLERANCE + dt.timedelta(seconds=1),
            ]
        ),
    ),
    min_size=1,
    max_size=8,
)

_bills = itertools.count()


def _expected(sent: Sent, *, now: dt.datetime, bill: Bill, paid_by: str) -> str:
    """What the rules answer, in their order."""
    if sent.paid_at_offset > PAID_AT_FUTURE_TOLERANCE:
        return "paid_at_in_future"
    if paid_by == sent.reference:
        return "duplicate"
    if paid_by:
        return "bill_already_paid"
    if now >= bill.expires_at:
        return "bill_expired"
    if now + sent.paid_at_offset < bill.issued_at - PAID_AT_FUTURE_TOLERANCE:
        return "paid_at_before_issue"
    if sent.amount_offset:
        return "amount_mismatch"
    return "applied"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=notifications)
def test_any_sequence_of_notifications_pays_a_bill_at_most_once(sequence, moved_clock):
    moved_clock(T0)
    person = make_person()
    bill = issue(person, amount=AMOUNT, lifetime=LIFETIME)
    # Each example has its own bank, so references never collide between examples.
    partner = f"bank-{next(_bills)}"
    paid_by = ""

    for sent in sequence:
        moved_clock(clock.now() + sent.wait)
        expected = _expected(sent, now=clock.now(), bill=bill, paid_by=paid_by)
        before = snapshot()
        try:
            answer = bill_pay_from_bank(
                partner_code=partner,
                payment=BankPayment(
                    sadad_number=bill.sadad_number,
                    amount_halalas=AMOUNT + sent.amount_offset,
                    bank_code="RJHI",
                    bank_reference=sent.reference,
                    paid_at=clock.now() + sent.paid_at_offset,
                ),
            ).result
        except ApplicationError as refusal:
            answer = refusal.code

        assert answer == expected, (sent, paid_by)
        if answer == "applied":
            paid_by = sent.reference
        else:
            assert snapshot() == before, sent  # a duplicate or a refusal changes nothing

    payments = Payment.objects.filter(bill=bill)
    assert payments.count() == (1 if paid_by else 0)
    assert Fulfilment.objects.filter(bill=bill).count() == (1 if paid_by else 0)
    bill.refresh_from_db()
    assert bill.status == ("paid" if paid_by else "unpaid")
    if paid_by:
        assert payments.get().external_reference == f"RJHI:{paid_by}"
    assert BankNotification.objects.filter(partner_code=partner).count() == len(sequence)
    assert BankNotification.objects.filter(partner_code=partner, result="applied").count() == (
        1 if paid_by else 0
    )
