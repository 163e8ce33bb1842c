"""Twenty answers to one pending request at once, each on its own PostgreSQL connection: a random
mix (fixed seeds) of the new sponsor accepting with the code, the new sponsor rejecting, the
current sponsor cancelling, and the expiry sweep, whose clock already stands past the deadline
while the others still act a second before it. Exactly one outcome is recorded, with one timeline
row and one audit entry; every loser gets the documented refusal; repeated over several rounds."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from absher.accounts.tests.support import T0
from absher.audit.models import AuditEvent
from absher.audit.selectors import audit_chain_verify
from absher.core import clock
from absher.core.errors import ApplicationError
from absher.payments.models import Bill
from absher.transfers import services
from absher.transfers.constants import TransferStatus
from absher.transfers.models import TransferEvent, TransferRequest
from absher.transfers.tests.helpers import citizen, code_sent_to, create, user_of, worker_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_truncate_allowed", "standard_catalogue"),
]

THREADS = 20
ROUNDS = 10
ACTIONS = ("accept", "reject", "cancel", "expire")
# The step each winning action records, and the status it leaves.
OUTCOMES = {
    "accept": ("accepted", TransferStatus.AWAITING_PAYMENT),
    "reject": ("rejected", TransferStatus.REJECTED),
    "cancel": ("cancelled", TransferStatus.CANCELLED),
    "expire": ("expired", TransferStatus.EXPIRED),
}
# What a loser hears, by the outcome that won (SPEC 8: 409 with the request's status); a second
# acceptance with the one code also finds it used.
REFUSALS = {
    TransferStatus.AWAITING_PAYMENT: "transfer_already_accepted",
    TransferStatus.REJECTED: "transfer_rejected",
    TransferStatus.CANCELLED: "transfer_cancelled",
    TransferStatus.EXPIRED: "transfer_expired",
}


class ThreadClock:
    """`clock.now()` per thread: the sweep's threads see the deadline passed, the others a second
    before it, all at the same real moment."""

    def __init__(self, default: dt.datetime) -> None:
        self.default = default
        self.local = threading.local()

    def now(self) -> dt.datetime:
        return getattr(self.local, "moment", self.default)

    def set(self, moment: dt.datetime) -> None:
        self.local.moment = moment


def _race(work: Callable[[int], Any], threads: int) -> list[Any]:
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


def _answer(action: str, outcome: Any) -> str:
    if isinstance(outcome, ApplicationError):
        return outcome.code
    if isinstance(outcome, Exception):
        raise outcome
    return "ok"


def test_twenty_answers_to_one_request_at_once_record_exactly_one_outcome(monkeypatch):
    sponsor, new_sponsor = citizen(), citizen()
    sponsor_user, new_sponsor_user = user_of(sponsor), user_of(new_sponsor)
    winners: Counter[str] = Counter()
    timings = []

    for round_ in range(ROUNDS):
        rng = random.Random(1_000 + round_)
        monkeypatch.setattr(clock, "now", lambda: T0)
        transfer = create(sponsor_user, worker_of(sponsor), new_sponsor)
        # The new sponsor answers a second before the deadline (the code asked for just then).
        before_deadline = transfer.expires_at - dt.timedelta(seconds=1)
        threads_clock = ThreadClock(before_deadline)
        monkeypatch.setattr(clock, "now", threads_clock.now)
        challenge = services.transfer_accept_start(user=new_sponsor_user, transfer_id=transfer.pk)
        code = code_sent_to(new_sponsor_user.mobile)
        actions = [rng.choice(ACTIONS) for _ in range(THREADS)]
        actions[rng.randrange(THREADS)] = "expire"  # the deadline is always in the race

        def act(
            n: int,
            actions: list[str] = actions,
            transfer_id: int = transfer.pk,
            challenge_id: str = str(challenge.public_id),
            code: str = code,
            threads_clock: ThreadClock = threads_clock,
            past_deadline: dt.datetime = transfer.expires_at + dt.timedelta(seconds=1),
        ) -> Any:
            action = actions[n]
            if action == "accept":
                return services.transfer_accept(
                    user=new_sponsor_user,
                    transfer_id=transfer_id,
                    challenge_id=challenge_id,
                    code=code,
                )
            if action == "reject":
                return services.transfer_reject(user=new_sponsor_user, transfer_id=transfer_id)
            if action == "cancel":
                return services.transfer_cancel(user=sponsor_user, transfer_id=transfer_id)
            threads_clock.set(past_deadline)
            return services.transfers_expire_due()

        started = time.monotonic()
        outcomes = _race(act, THREADS)
        timings.append(time.monotonic() - started)
        answers = [_answer(action, o) for action, o in zip(actions, outcomes, strict=True)]

        final = TransferRequest.objects.get(pk=transfer.pk)
        winner = next(action for action, (_s, st) in OUTCOMES.items() if st == final.status)
        step, status = OUTCOMES[winner]
        succeeded = [
            action
            for action, answer in zip(actions, answers, strict=True)
            if action != "expire" and answer == "ok"
        ]
        # One answer succeeded: the winner's (a sweep's success is the recorded expiry).
        assert succeeded == ([] if winner == "expire" else [winner]), (round_, succeeded)
        winners[winner] += 1
        refusal = REFUSALS[status]
        for action, answer in zip(actions, answers, strict=True):
            if action == "expire" or answer == "ok":
                continue
            if action == "accept":
                assert answer in (refusal, "otp_used"), (round_, action, answer)
            else:
                assert answer == refusal, (round_, action, answer)
        assert list(
            TransferEvent.objects.filter(transfer=transfer)
            .order_by("id")
            .values_list("step", flat=True)
        ) == ["created", step]
        assert (
            AuditEvent.objects.filter(
                subject_type="transfer",
                subject_id=str(transfer.pk),
                action__in=[f"transfer.{s}" for s, _status in OUTCOMES.values()],
            ).count()
            == 1
        )
        assert Bill.objects.filter(purpose_id=str(transfer.pk)).count() == (
            1 if winner == "accept" else 0
        )
        monkeypatch.setattr(clock, "now", lambda: T0)

    print(
        f"\n{ROUNDS} rounds of {THREADS} threads, winners {dict(winners)}, "
        f"{', '.join(f'{t:.2f}s' for t in timings)}"
    )
    assert audit_chain_verify().ok
