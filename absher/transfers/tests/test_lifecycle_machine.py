"""The lifecycle as a hypothesis state machine: sponsors create, accept, reject and cancel
requests, pay their bills, let the clock run past windows and bills, break a condition, and run
the sweeps, in any order. A small model says what each step must do; after every step the
database must agree with it, never hold an impossible state (a status reached outside the
transition table, two open requests for one worker), and never move a worker twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from absher.accounts.tests.support import T0
from absher.core import clock
from absher.core.errors import ApplicationError
from absher.identity.models import Person, Sponsorship
from absher.payments.models import Bill
from absher.payments.services import bills_expire_due
from absher.transfers import services
from absher.transfers.constants import (
    TRANSFER_INITIAL_STATUSES,
    TRANSFER_OPEN_STATUSES,
    TRANSFER_TRANSITIONS,
    TransferStatus,
    TransferStep,
)
from absher.transfers.models import TransferEvent, TransferRequest
from absher.transfers.selectors import transfer_status_now
from absher.transfers.tests.helpers import accept, citizen, create, pay, user_of, worker_of

pytestmark = pytest.mark.django_db

WINDOW = dt.timedelta(days=15)
BILL_LIFETIME = dt.timedelta(days=15)
REFUSAL_BY_STATUS = {
    TransferStatus.AWAITING_PAYMENT: "transfer_already_accepted",
    TransferStatus.COMPLETED: "transfer_already_accepted",
    TransferStatus.REJECTED: "transfer_rejected",
    TransferStatus.CANCELLED: "transfer_cancelled",
    TransferStatus.EXPIRED: "transfer_expired",
    TransferStatus.FAILED_CONDITIONS: "transfer_failed_conditions",
}
S = TransferStatus


@dataclass
class Expected:
    """What the model knows of one request."""

    pk: int
    worker: int
    current: int
    new: int
    created_at: dt.datetime
    status: str = S.PENDING_ACCEPTANCE
    accepted_at: dt.datetime | None = None
    history: list[str] = field(default_factory=list)

    def now_status(self, now: dt.datetime) -> str:
        if self.status == S.PENDING_ACCEPTANCE and now >= self.created_at + WINDOW:
            return S.EXPIRED
        if (
            self.status == S.AWAITING_PAYMENT
            and self.accepted_at is not None
            and now >= self.accepted_at + BILL_LIFETIME
        ):
            return S.EXPIRED
        return self.status


def attempt(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, str]:
    """What the call returned and "", or None and the refusal's code."""
    try:
        return call(*args, **kwargs), ""
    except ApplicationError as refusal:
        return None, refusal.code


class TransferLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        cache.clear()
        self.savepoint = transaction.savepoint()
        clock.set_override(T0)
        self.now = T0
        self.people = [citizen() for _ in range(3)]
        self.users = [user_of(person) for person in self.people]
        self.workers = [worker_of(self.people[0]) for _ in range(3)]
        self.sponsor_of = [0, 0, 0]  # index into people, by worker
        self.moves = [0, 0, 0]
        self.criminal = [False, False, False]
        self.expected: list[Expected] = []

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)
        clock.set_override(None)

    # --- helpers ----------------------------------------------------------------------------------

    def _open_for(self, worker: int) -> Expected | None:
        for item in self.expected:
            if item.worker == worker and item.now_status(self.now) in TRANSFER_OPEN_STATUSES:
                return item
        return None

    def _pick(self, index: int) -> Expected:
        return self.expected[index % len(self.expected)]

    def _row(self, item: Expected) -> TransferRequest:
        return TransferRequest.objects.select_related("bill").get(pk=item.pk)

    # --- rules ------------------------------------------------------------------------------------

    @rule(worker=st.integers(0, 2), new=st.integers(0, 2))
    def make_request(self, worker: int, new: int) -> None:
        current = self.sponsor_of[worker]
        if self._open_for(worker) is not None:
            expected = "transfer_open"
        elif new == current or self.criminal[worker] or self.moves[worker] >= 4:
            expected = "transfer_conditions_failed"
        else:
            expected = ""
        made, code = attempt(create, self.users[current], self.workers[worker], self.people[new])
        assert code == expected, (code, expected)
        if code:
            return
        assert made.status == S.PENDING_ACCEPTANCE
        assert made.expires_at == self.now + WINDOW
        self.expected.append(
            Expected(made.pk, worker, current, new, self.now, history=[S.PENDING_ACCEPTANCE])
        )

    def _answer_expected(self, item: Expected, *, conditions: bool) -> str:
        status = item.now_status(self.now)
        if status != S.PENDING_ACCEPTANCE:
            return REFUSAL_BY_STATUS[status]
        if conditions and self.criminal[item.worker]:
            return "transfer_conditions_failed"
        return ""

    @precondition(lambda self: self.expected)
    @rule(index=st.integers(0, 50))
    def accept_request(self, index: int) -> None:
        item = self._pick(index)
        expected = self._answer_expected(item, conditions=True)
        accepted, code = attempt(accept, self.users[item.new], self._row(item))
        assert code == expected, (code, expected)
        if code:
            return
        assert accepted.bill is not None
        assert (
            accepted.bill.amount_halalas
            == [200_000, 400_000, 600_000][min(self.moves[item.worker], 2)]
        )
        item.status, item.accepted_at = S.AWAITING_PAYMENT, self.now

    @precondition(lambda self: self.expected)
    @rule(index=st.integers(0, 50), by_current=st.booleans())
    def answer_by_someone_else(self, index: int, by_current: bool) -> None:
        """The current sponsor cannot accept, nor a stranger: the request is not theirs."""
        item = self._pick(index)
        someone = item.current if by_current else 3 - item.current - item.new
        with pytest.raises(ApplicationError) as refusal:
            services.transfer_accept_start(user=self.users[someone], transfer_id=item.pk)
        assert refusal.value.code == "transfer_not_found"

    @precondition(lambda self: self.expected)
    @rule(index=st.integers(0, 50))
    def reject_request(self, index: int) -> None:
        item = self._pick(index)
        expected = self._answer_expected(item, conditions=False)
        _rejected, code = attempt(
            services.transfer_reject, user=self.users[item.new], transfer_id=item.pk
        )
        assert code == expected, (code, expected)
        if code:
            return
        item.status = S.REJECTED

    @precondition(lambda self: self.expected)
    @rule(index=st.integers(0, 50))
    def cancel_request(self, index: int) -> None:
        item = self._pick(index)
        expected = self._answer_expected(item, conditions=False)
        _cancelled, code = attempt(
            services.transfer_cancel, user=self.users[item.current], transfer_id=item.pk
        )
        assert code == expected, (code, expected)
        if code:
            return
        item.status = S.CANCELLED

    @precondition(lambda self: any(item.accepted_at for item in self.expected))
    @rule(index=st.integers(0, 50))
    def pay_bill(self, index: int) -> None:
        billed = [item for item in self.expected if item.accepted_at is not None]
        item = billed[index % len(billed)]
        status = item.now_status(self.now)
        if status == S.EXPIRED:
            expected = "bill_expired"
        elif status != S.AWAITING_PAYMENT:
            expected = "bill_already_paid"
        else:
            expected = ""
        outcome, code = attempt(pay, Bill.objects.get(transfer__pk=item.pk))
        assert code == expected, (code, expected)
        if code:
            return
        assert outcome == "done"
        if self.criminal[item.worker]:
            item.status = S.FAILED_CONDITIONS
        else:
            item.status = S.COMPLETED
            self.sponsor_of[item.worker] = item.new
            self.moves[item.worker] += 1

    @rule(seconds=st.sampled_from([1, 3600, 86_400, 13 * 86_400, 14 * 86_400 + 86_399]))
    def let_time_pass(self, seconds: int) -> None:
        self.now += dt.timedelta(seconds=seconds)
        clock.set_override(self.now)

    @rule(worker=st.integers(0, 2))
    def toggle_criminal_case(self, worker: int) -> None:
        self.criminal[worker] = not self.criminal[worker]
        Person.objects.filter(pk=self.workers[worker].pk).update(
            has_criminal_case=self.criminal[worker]
        )

    @rule()
    def run_the_sweeps(self) -> None:
        services.transfers_expire_due()
        services.transfer_reminders_send()
        bills_expire_due()

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def the_database_agrees_with_the_model(self) -> None:
        rows = {row.pk: row for row in TransferRequest.objects.select_related("bill")}
        assert set(rows) == {item.pk for item in self.expected}
        for item in self.expected:
            row = rows[item.pk]
            assert transfer_status_now(row) == item.now_status(self.now), (item, row.status)
            if item.status == S.COMPLETED:
                assert row.bill.status == "paid"
            if item.status == S.FAILED_CONDITIONS:
                assert row.bill.status == "refunded"

    @invariant()
    def at_most_one_open_request_per_worker(self) -> None:
        open_workers = list(
            TransferRequest.objects.filter(status__in=sorted(TRANSFER_OPEN_STATUSES)).values_list(
                "worker_id", flat=True
            )
        )
        assert len(open_workers) == len(set(open_workers))

    @invariant()
    def every_status_was_reached_through_the_table(self) -> None:
        for transfer_id in {item.pk for item in self.expected}:
            events = list(
                TransferEvent.objects.filter(transfer_id=transfer_id)
                .order_by("id")
                .values_list("step", "from_status", "to_status")
            )
            assert events[0][1] == ""
            assert events[0][2] in TRANSFER_INITIAL_STATUSES
            status = events[0][2]
            for step, before, after in events[1:]:
                assert before == status, events
                if step in (TransferStep.REMINDER_SENT, TransferStep.WORKER_CONSENTED):
                    assert after == before
                else:
                    assert after in TRANSFER_TRANSITIONS[before], events
                status = after
            assert TransferRequest.objects.get(pk=transfer_id).status == status
            reminders = [e for e in events if e[0] == TransferStep.REMINDER_SENT]
            assert len(reminders) <= 2

    @invariant()
    def no_worker_moved_twice(self) -> None:
        for index, worker in enumerate(self.workers):
            rows = list(Sponsorship.objects.filter(worker=worker).order_by("started_at", "id"))
            assert len(rows) == 1 + self.moves[index]
            assert [row.ended_at is None for row in rows] == [False] * self.moves[index] + [True]
            assert rows[-1].sponsor_id == self.people[self.sponsor_of[index]].pk
            assert Person.objects.get(pk=worker.pk).transfer_count == self.moves[index]
            completed = TransferRequest.objects.filter(worker=worker, status=S.COMPLETED)
            assert completed.count() == self.moves[index]


def test_the_lifecycle_never_reaches_an_impossible_state():
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        TransferLifecycle,
        settings=settings(
            max_examples=50,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
