"""Ten requests with the same Idempotency-Key and body at once, each on its own PostgreSQL
connection: the work runs once (one checkout, one transfer); every other request gets the same
answer or 409 `idempotency_in_progress`, never a second result."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from absher.accounts.constants import PartnerKind
from absher.accounts.services.tokens import tokens_issue
from absher.accounts.tests.support import T0, make_partner
from absher.core.models import IdempotencyRecord
from absher.payments import cards
from absher.payments.models import CardCheckout
from absher.payments.tests.helpers import issue
from absher.transfers import services as transfer_services
from absher.transfers.models import TransferRequest
from absher.transfers.tests.helpers import citizen, code_sent_to, user_of, worker_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_truncate_allowed", "standard_catalogue"),
]

THREADS = 10
KEY = "retry-storm-0001"


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


def _counting(monkeypatch, module: Any, name: str) -> list[int]:
    calls: list[int] = []
    original = getattr(module, name)

    def counted(**kwargs: Any) -> Any:
        calls.append(1)
        return original(**kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def _post(path: str, body: dict, token: str) -> tuple[int, bytes]:
    response = Client().post(
        path,
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": KEY},
    )
    return response.status_code, response.content


def _check(outcomes: list[Any], success: int) -> bytes:
    """One body for every successful answer; the rest are 409 in progress."""
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    statuses = Counter(status for status, _content in outcomes)
    assert set(statuses) <= {success, 409}, statuses
    assert statuses[success] >= 1
    bodies = {content for status, content in outcomes if status == success}
    assert len(bodies) == 1, bodies
    for status, content in outcomes:
        if status == 409:
            assert b'"idempotency_in_progress"' in content
    return bodies.pop()


def test_ten_card_payments_with_one_key_at_once_start_one_checkout(moved_clock, monkeypatch):
    moved_clock(T0)
    make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)
    person = citizen()
    token = tokens_issue(user=user_of(person)).access_token
    bill = issue(person)
    calls = _counting(monkeypatch, cards, "card_checkout_start")
    path = f"/api/v1/bills/{bill.sadad_number}/card-payment"

    outcomes = _race(lambda n: _post(path, {}, token), THREADS)

    _check(outcomes, 200)
    assert len(calls) == 1
    assert CardCheckout.objects.count() == 1
    assert IdempotencyRecord.objects.get().status_code == 200


def test_ten_transfer_creations_with_one_key_at_once_create_one(moved_clock, monkeypatch):
    moved_clock(T0)
    sponsor, new_sponsor = citizen(), citizen()
    user = user_of(sponsor)
    user_of(new_sponsor)
    worker = worker_of(sponsor)
    session = transfer_services.transfer_session_start(user=user)
    opened = transfer_services.transfer_session_verify(
        user=user, challenge_id=str(session.public_id), code=code_sent_to(user.mobile)
    )
    reviewed = transfer_services.transfer_preview(
        user=user,
        transfer_session=str(opened.token),
        worker_id=worker.pk,
        new_sponsor_id_number=new_sponsor.id_number,
        new_sponsor_date_of_birth=new_sponsor.date_of_birth.isoformat(),
    )
    body = {"challenge_id": str(reviewed.challenge.public_id), "code": code_sent_to(user.mobile)}
    token = tokens_issue(user=user).access_token
    calls = _counting(monkeypatch, transfer_services, "transfer_create")

    outcomes = _race(lambda n: _post("/api/v1/transfers", body, token), THREADS)

    content = _check(outcomes, 201)
    assert len(calls) == 1
    assert TransferRequest.objects.count() == 1
    assert b'"pending_acceptance"' in content
    assert IdempotencyRecord.objects.get().status_code == 201
