"""Races with real threads and separate PostgreSQL connections: an acceptance and a cancellation
of one request at once, several acceptances at once, a request and an officer's approval for one
worker at once, two payments of one fee bill at once, and sweeps running side by side. Exactly
one of each wins; the loser is refused and leaves nothing behind; no worker moves twice; no
reminder goes twice."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from absher.accounts.tests.support import T0
from absher.audit.selectors import audit_chain_verify
from absher.core.errors import ApplicationError
from absher.identity.models import Person, Sponsorship
from absher.notifications.models import Message
from absher.payments.models import Bill, Payment
from absher.payments.services import BankPayment, bill_pay_from_bank
from absher.transfers import services
from absher.transfers.models import TransferEvent, TransferRequest
from absher.transfers.tests.helpers import (
    accept,
    bank,
    citizen,
    code_sent_to,
    create,
    preview,
    steps,
    user_of,
    worker_of,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_truncate_allowed", "standard_catalogue"),
]


def _race(work: Callable[[int], Any], threads: int) -> list[Any]:
    """Runs `work(n)` in `threads` threads released together; returns what each returned (or the
    exception). Every thread closes its own connection."""
    barrier = threading.Barrier(threads)
    outcomes: list[Any] = [None] * threads

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[n] = work(n)
        except Exception as error:  # reported in the assertions on the outcomes
            outcomes[n] = error
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return outcomes


def _code(outcome: Any) -> str:
    if isinstance(outcome, ApplicationError):
        return outcome.code
    if isinstance(outcome, Exception):
        raise outcome
    return "ok"


@pytest.fixture
def parties():
    sponsor = citizen()
    new_sponsor = citizen()
    return {
        "sponsor": sponsor,
        "sponsor_user": user_of(sponsor),
        "new_sponsor": new_sponsor,
        "new_sponsor_user": user_of(new_sponsor),
    }


@pytest.mark.parametrize("round_", range(3))
def test_an_acceptance_and_a_cancellation_at_once_one_wins(parties, round_):
    worker = worker_of(parties["sponsor"])
    transfer = create(parties["sponsor_user"], worker, parties["new_sponsor"])
    accepting = parties["new_sponsor_user"]
    challenge = services.transfer_accept_start(user=accepting, transfer_id=transfer.pk)
    code = code_sent_to(accepting.mobile)

    def act(n: int) -> Any:
        if n == 0:
            return services.transfer_accept(
                user=accepting,
                transfer_id=transfer.pk,
                challenge_id=str(challenge.public_id),
                code=code,
            )
        return services.transfer_cancel(user=parties["sponsor_user"], transfer_id=transfer.pk)

    accepted, cancelled = (_code(outcome) for outcome in _race(act, 2))

    final = TransferRequest.objects.get(pk=transfer.pk)
    if final.status == "awaiting_payment":
        assert (accepted, cancelled) == ("ok", "transfer_already_accepted")
        assert Bill.objects.filter(purpose_id=str(transfer.pk)).count() == 1
    else:
        assert final.status == "cancelled"
        assert (accepted, cancelled) == ("transfer_cancelled", "ok")
        assert Bill.objects.filter(purpose_id=str(transfer.pk)).count() == 0
    assert [step for step, *_ in steps(transfer)] == [
        "created",
        "accepted" if final.status == "awaiting_payment" else "cancelled",
    ]
    assert audit_chain_verify().ok


def test_five_acceptances_at_once_accept_once(parties):
    worker = worker_of(parties["sponsor"])
    transfer = create(parties["sponsor_user"], worker, parties["new_sponsor"])
    accepting = parties["new_sponsor_user"]
    challenge = services.transfer_accept_start(user=accepting, transfer_id=transfer.pk)
    code = code_sent_to(accepting.mobile)

    outcomes = _race(
        lambda n: services.transfer_accept(
            user=accepting,
            transfer_id=transfer.pk,
            challenge_id=str(challenge.public_id),
            code=code,
        ),
        5,
    )

    assert Counter(_code(outcome) for outcome in outcomes) == {"ok": 1, "otp_used": 4}
    assert TransferRequest.objects.get(pk=transfer.pk).status == "awaiting_payment"
    assert Bill.objects.count() == 1
    assert TransferEvent.objects.filter(transfer=transfer, step="accepted").count() == 1
    assert Message.objects.filter(kind="transfer_accepted").count() == 3
    assert audit_chain_verify().ok


def test_a_request_and_an_approval_without_consent_for_one_worker_at_once_open_one(parties):
    worker = worker_of(parties["sponsor"])
    other = citizen()
    user_of(other)
    reviewed_user = parties["sponsor_user"]
    reviewed = preview(reviewed_user, worker, parties["new_sponsor"])
    code = code_sent_to(reviewed_user.mobile)

    def act(n: int) -> Any:
        if n == 0:
            return services.transfer_create(
                user=reviewed_user, challenge_id=str(reviewed.challenge.public_id), code=code
            )
        return services.transfer_create_approved_without_consent(
            worker=Person.objects.get(pk=worker.pk),
            new_sponsor=other,
            case_reference="CASE-RACE",
            actor_id="officer-1",
        )

    outcomes = [_code(outcome) for outcome in _race(act, 2)]

    assert sorted(outcomes) == ["ok", "transfer_open"], outcomes
    assert TransferRequest.objects.filter(worker=worker).count() == 1


def test_two_payments_of_one_fee_bill_at_once_move_the_worker_once(parties):
    worker = worker_of(parties["sponsor"])
    transfer = accept(
        parties["new_sponsor_user"],
        create(parties["sponsor_user"], worker, parties["new_sponsor"]),
    )
    bill = transfer.bill
    partner = bank()

    outcomes = _race(
        lambda n: (
            bill_pay_from_bank(
                partner_code=partner.code,
                payment=BankPayment(
                    sadad_number=bill.sadad_number,
                    amount_halalas=bill.amount_halalas,
                    bank_code="RJHI",
                    bank_reference=f"TX-RACE-{n}",
                    paid_at=T0,
                ),
            ).result
        ),
        2,
    )

    assert sorted(str(o) if not isinstance(o, Exception) else _code(o) for o in outcomes) == [
        "applied",
        "bill_already_paid",
    ]
    assert Payment.objects.count() == 1
    assert TransferRequest.objects.get(pk=transfer.pk).status == "completed"
    assert list(
        Sponsorship.objects.filter(worker=worker)
        .order_by("id")
        .values_list("sponsor_id", flat=True)
    ) == [parties["sponsor"].pk, parties["new_sponsor"].pk]
    assert Person.objects.get(pk=worker.pk).transfer_count == 1
    assert audit_chain_verify().ok


def test_reminders_from_sweeps_running_at_once_go_once(parties, moved_clock):
    transfers = [
        create(parties["sponsor_user"], worker_of(parties["sponsor"]), parties["new_sponsor"])
        for _ in range(3)
    ]
    moved_clock(T0 + dt.timedelta(days=13, hours=1))

    outcomes = _race(lambda n: services.transfer_reminders_send(), 5)

    assert sum(outcomes) == 3, outcomes
    assert Message.objects.filter(kind="transfer_reminder").count() == 3
    for transfer in transfers:
        assert TransferEvent.objects.filter(transfer=transfer, step="reminder_sent").count() == 1
    assert audit_chain_verify().ok


def test_expiry_sweeps_running_at_once_expire_once(parties, moved_clock):
    transfer = create(
        parties["sponsor_user"], worker_of(parties["sponsor"]), parties["new_sponsor"]
    )
    moved_clock(T0 + dt.timedelta(days=15))

    outcomes = _race(lambda n: services.transfers_expire_due(), 5)

    assert sum(outcomes) == 1, outcomes
    assert TransferEvent.objects.filter(transfer=transfer, step="expired").count() == 1
    assert Message.objects.filter(kind="transfer_expired").count() == 3
