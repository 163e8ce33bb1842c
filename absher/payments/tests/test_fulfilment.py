"""Fulfilment (what a paid bill sets off) goes through an outbox row written with the payment and
a task that runs the registered handler: exactly once, however often the task runs; a handler that
fails leaves the row pending with its attempt counted and its own writes undone, and the next run
succeeds."""

import datetime as dt

import pytest

from absher.accounts.tests.support import T0, make_partner
from absher.core import clock
from absher.notifications.models import Message
from absher.payments import tasks
from absher.payments.constants import FULFILMENT_MAX_ATTEMPTS
from absher.payments.fulfilment import handler_for, handler_register, purposes_registered
from absher.payments.models import Fulfilment
from absher.payments.services import BankPayment, bill_pay_from_bank, fulfilments_redispatch
from absher.payments.tests.helpers import TEST_PURPOSE, _test_fulfiller, issue  # noqa: F401
from absher.requests.constants import BILL_PURPOSE
from absher.requests.services import service_request_mark_paid

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def bank(db):
    return make_partner("test-bank")


def _pay(bill, reference: str = "TX-1"):
    return bill_pay_from_bank(
        partner_code="test-bank",
        payment=BankPayment(
            sadad_number=bill.sadad_number,
            amount_halalas=bill.amount_halalas,
            bank_code="RJHI",
            bank_reference=reference,
            paid_at=clock.now(),
        ),
    )


def _paid_without_running(person):
    """A paid bill whose fulfilment task has not run yet (on-commit work not executed)."""
    bill = issue(person)
    _pay(bill)
    return bill, Fulfilment.objects.get(bill=bill)


def _handler_messages() -> int:
    return Message.objects.filter(kind="test_fulfilled").count()


def test_the_payment_writes_a_pending_fulfilment_and_queues_it_after_commit(
    person, bank, test_fulfiller, django_capture_on_commit_callbacks
):
    bill = issue(person)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _pay(bill)

    fulfilment = Fulfilment.objects.get()
    assert (fulfilment.bill_id, fulfilment.status, fulfilment.attempts) == (bill.pk, "pending", 0)
    assert test_fulfiller.runs == []
    for callback in callbacks:
        callback()
    fulfilment.refresh_from_db()
    assert (fulfilment.status, fulfilment.attempts, fulfilment.processed_at) == ("done", 1, T0)
    assert test_fulfiller.runs == [bill.sadad_number]


def test_the_task_run_twice_fulfils_once(person, bank, test_fulfiller):
    bill, fulfilment = _paid_without_running(person)

    first = tasks.fulfil_bill.apply(args=[fulfilment.pk]).get()
    second = tasks.fulfil_bill.apply(args=[fulfilment.pk]).get()

    assert (first, second) == ("done", "skipped")
    assert test_fulfiller.runs == [bill.sadad_number]
    assert _handler_messages() == 1
    fulfilment.refresh_from_db()
    assert (fulfilment.status, fulfilment.attempts) == ("done", 1)


def test_a_failing_handler_leaves_the_row_pending_and_undoes_its_writes(
    person, bank, test_fulfiller
):
    bill, fulfilment = _paid_without_running(person)
    test_fulfiller.failures_left = 1

    failed = tasks.fulfil_bill.apply(args=[fulfilment.pk]).get()

    assert failed == "retry"
    fulfilment.refresh_from_db()
    assert (fulfilment.status, fulfilment.attempts, fulfilment.last_error) == (
        "pending",
        1,
        "RuntimeError",
    )
    assert fulfilment.processed_at is None
    assert _handler_messages() == 0
    assert test_fulfiller.runs == []

    retried = tasks.fulfil_bill.apply(args=[fulfilment.pk]).get()

    assert retried == "done"
    fulfilment.refresh_from_db()
    assert (fulfilment.status, fulfilment.attempts) == ("done", 2)
    assert _handler_messages() == 1
    assert test_fulfiller.runs == [bill.sadad_number]


def test_a_handler_that_keeps_failing_is_given_up_after_the_last_attempt(
    person, bank, test_fulfiller
):
    _, fulfilment = _paid_without_running(person)
    test_fulfiller.failures_left = FULFILMENT_MAX_ATTEMPTS + 5

    outcomes = [
        tasks.fulfil_bill.apply(args=[fulfilment.pk]).get()
        for _ in range(FULFILMENT_MAX_ATTEMPTS + 1)
    ]

    assert outcomes == ["retry"] * (FULFILMENT_MAX_ATTEMPTS - 1) + ["failed", "skipped"]
    fulfilment.refresh_from_db()
    assert (fulfilment.status, fulfilment.attempts) == ("failed", FULFILMENT_MAX_ATTEMPTS)
    assert _handler_messages() == 0


def test_a_missing_fulfilment_is_skipped(db):
    assert tasks.fulfil_bill.apply(args=[999_999]).get() == "skipped"


def test_a_fulfilment_lost_on_its_way_to_the_queue_is_dispatched_again(
    person, bank, test_fulfiller, moved_clock
):
    bill, fulfilment = _paid_without_running(person)
    done_bill = issue(person, amount=111)
    _pay(done_bill, reference="TX-2")
    tasks.fulfil_bill.apply(args=[Fulfilment.objects.get(bill=done_bill).pk])
    assert fulfilments_redispatch() == 0  # too recent: its task may still be on the way

    moved_clock(T0 + dt.timedelta(minutes=10))
    dispatched = fulfilments_redispatch()

    assert dispatched == 1
    fulfilment.refresh_from_db()
    assert fulfilment.status == "done"
    assert test_fulfiller.runs == [done_bill.sadad_number, bill.sadad_number]
    assert fulfilments_redispatch() == 0


def test_the_redispatch_task_runs_the_sweep(person, bank, test_fulfiller, moved_clock):
    _paid_without_running(person)
    moved_clock(T0 + dt.timedelta(hours=1))

    assert tasks.redispatch_fulfilments.apply().get() == 1
    assert Fulfilment.objects.get().status == "done"


def test_apps_register_their_handlers_once():
    assert handler_for(BILL_PURPOSE) is service_request_mark_paid
    assert {BILL_PURPOSE, TEST_PURPOSE} <= purposes_registered()
    handler_register(BILL_PURPOSE, service_request_mark_paid)  # the same again is harmless

    with pytest.raises(ValueError, match="already registered"):
        handler_register(BILL_PURPOSE, lambda bill: None)
