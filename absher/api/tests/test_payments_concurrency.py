"""Races with real threads and separate PostgreSQL connections (SPEC 6, exactly-once): the same
bank notification from 20 senders at once (each freshly signed) pays once and fulfils once; two
different notifications for one bill at once pay it once; one bank reference sent for two bills at
once pays one of them; two requests for one service at once open one."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from absher.accounts.services.tokens import tokens_issue
from absher.accounts.tests.support import make_partner, make_person, signed_headers
from absher.audit.models import AuditEvent
from absher.audit.selectors import audit_chain_verify
from absher.notifications.models import Message
from absher.payments.models import BankNotification, Bill, Fulfilment, Payment
from absher.payments.tests.helpers import (  # noqa: F401
    PAYMENTS,
    _test_fulfiller,
    issue,
    notification,
    raw,
)
from absher.requests.models import ServiceRequest
from absher.suspensions.tests.helpers import account

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_truncate_allowed", "standard_catalogue"),
]

SENDERS = 20


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


def _send(bank, body: dict[str, Any]) -> tuple[int, str]:
    """One sender: the body signed afresh (its own nonce and timestamp)."""
    data = raw(body)
    headers = signed_headers(partner=bank.code, secret=bank.secret, path=PAYMENTS, raw=data)
    response = Client().post(PAYMENTS, data, content_type="application/json", headers=headers)
    answer = response.json()
    return response.status_code, answer.get("result") or answer["code"]


def test_the_same_notification_from_20_senders_at_once_pays_once_and_fulfils_once(
    test_fulfiller,
):
    bank = make_partner("race-bank")
    person = make_person()
    bill = issue(person)
    body = notification(bill, bank_reference="TX-RACE")

    outcomes = _race(lambda n: _send(bank, body), SENDERS)

    assert Counter(outcomes) == {(200, "applied"): 1, (200, "duplicate"): SENDERS - 1}, outcomes
    assert Payment.objects.count() == 1
    assert Bill.objects.get().status == "paid"
    fulfilment = Fulfilment.objects.get()
    assert (fulfilment.status, fulfilment.attempts) == ("done", 1)
    assert test_fulfiller.runs == [bill.sadad_number]
    assert Counter(BankNotification.objects.values_list("result", flat=True)) == {
        "applied": 1,
        "duplicate": SENDERS - 1,
    }
    assert Message.objects.filter(person=person, kind="bill_paid").count() == 1
    assert AuditEvent.objects.filter(action="bill.paid").count() == 1
    assert audit_chain_verify().ok


def test_two_different_notifications_for_one_bill_at_once_pay_it_once(test_fulfiller):
    bank = make_partner("race-bank")
    bill = issue(make_person())
    bodies = [notification(bill, bank_reference=f"TX-{n}") for n in range(2)]

    outcomes = _race(lambda n: _send(bank, bodies[n]), 2)

    assert Counter(outcomes) == {(200, "applied"): 1, (409, "bill_already_paid"): 1}, outcomes
    assert Payment.objects.count() == 1
    assert Fulfilment.objects.get().status == "done"
    assert test_fulfiller.runs == [bill.sadad_number]
    assert sorted(BankNotification.objects.values_list("result", "reason")) == [
        ("applied", ""),
        ("rejected", "bill_already_paid"),
    ]
    assert audit_chain_verify().ok


def test_one_reference_sent_for_two_bills_at_once_pays_one_of_them(test_fulfiller):
    bank = make_partner("race-bank")
    person = make_person()
    bills = [issue(person), issue(person, amount=65000, service_code="iqama_renewal")]
    bodies = [notification(bill, bank_reference="TX-SAME") for bill in bills]

    outcomes = _race(lambda n: _send(bank, bodies[n]), 2)

    assert Counter(outcomes) == {(200, "applied"): 1, (409, "reference_reused"): 1}, outcomes
    assert Payment.objects.count() == 1
    assert sorted(Bill.objects.values_list("status", flat=True)) == ["paid", "unpaid"]
    assert len(test_fulfiller.runs) == 1
    assert audit_chain_verify().ok


def test_two_requests_for_one_service_at_once_open_one(db):
    user = account(make_person())
    token = tokens_issue(user=user).access_token

    def request(n: int) -> int:
        return (
            Client()
            .post(
                "/api/v1/requests",
                {"service_code": "passport_renewal"},
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            .status_code
        )

    outcomes = _race(request, 2)

    assert sorted(outcomes) == [201, 409], outcomes
    assert ServiceRequest.objects.count() == 1
    assert Bill.objects.count() == 1
    assert audit_chain_verify().ok
