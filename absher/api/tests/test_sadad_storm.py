"""A bank retry storm (SPEC 6, 13): 50 copies of one payment notification (same bank reference,
each freshly signed as a bank's retry is) arrive at once, each on its own PostgreSQL connection,
then the very same signed requests are replayed at once. The bill is paid once, fulfilled once;
every answer is 200 `applied` (one) or 200 `duplicate`, or for a replayed signature 401
`replayed_request`; nothing answers 5xx."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from absher.accounts.tests.support import make_partner, make_person, signed_headers
from absher.audit.models import AuditEvent
from absher.audit.selectors import audit_chain_verify
from absher.notifications.models import Message
from absher.payments.models import BankNotification, Bill, BillEvent, Fulfilment, Payment
from absher.payments.tests.helpers import (  # noqa: F401
    PAYMENTS,
    _test_fulfiller,
    issue,
    notification,
    raw,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_truncate_allowed", "standard_catalogue"),
]

SENDERS = 50


def _race(work: Callable[[int], Any], threads: int) -> list[Any]:
    """Runs `work(n)` in `threads` threads released together; returns what each returned (or the
    exception). Every thread closes its own connection."""
    barrier = threading.Barrier(threads)
    outcomes: list[Any] = [None] * threads

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=60)
            outcomes[n] = work(n)
        except Exception as error:  # reported in the assertions on the outcomes
            outcomes[n] = error
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=180)
    return outcomes


def _post(data: bytes, headers: dict[str, str]) -> tuple[int, str]:
    response = Client().post(PAYMENTS, data, content_type="application/json", headers=headers)
    answer = response.json()
    return response.status_code, answer.get("result") or answer["code"]


def test_fifty_retries_at_once_then_their_replays_pay_once_and_fulfil_once(test_fulfiller):
    bank = make_partner("storm-bank")
    person = make_person()
    bill = issue(person)
    data = raw(notification(bill, bank_reference="TX-STORM-0001"))
    signed = [
        signed_headers(partner=bank.code, secret=bank.secret, path=PAYMENTS, raw=data)
        for _ in range(SENDERS)
    ]
    assert len({headers["X-Nonce"] for headers in signed}) == SENDERS

    started = time.monotonic()
    retries = _race(lambda n: _post(data, signed[n]), SENDERS)
    retried_in = time.monotonic() - started
    replays = _race(lambda n: _post(data, signed[n]), SENDERS)
    late_retry = _post(
        data, signed_headers(partner=bank.code, secret=bank.secret, path=PAYMENTS, raw=data)
    )
    print(
        f"\n{SENDERS} retries in {retried_in:.2f}s: {Counter(retries)}; replays: {Counter(replays)}"
    )

    assert Counter(retries) == {(200, "applied"): 1, (200, "duplicate"): SENDERS - 1}, retries
    assert Counter(replays) == {(401, "replayed_request"): SENDERS}, replays
    assert late_retry == (200, "duplicate")
    assert Payment.objects.count() == 1
    assert Payment.objects.get().external_reference == "RJHI:TX-STORM-0001"
    paid = Bill.objects.get()
    assert paid.status == "paid"
    assert BillEvent.objects.filter(bill=paid, to_status="paid").count() == 1
    fulfilment = Fulfilment.objects.get()
    assert (fulfilment.status, fulfilment.attempts) == ("done", 1)
    assert test_fulfiller.runs == [bill.sadad_number]
    # Replays are refused before anything is recorded; every signed retry is on record.
    assert Counter(BankNotification.objects.values_list("result", flat=True)) == {
        "applied": 1,
        "duplicate": SENDERS,
    }
    assert Message.objects.filter(person=person, kind="bill_paid").count() == 1
    assert AuditEvent.objects.filter(action="bill.paid").count() == 1
    assert audit_chain_verify().ok
