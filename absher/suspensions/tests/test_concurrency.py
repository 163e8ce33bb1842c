"""Races with real threads and separate PostgreSQL connections: an authority's system sending the
same suspension ten times at once places it once (the unique reference decides, not a
check-then-insert), and ten lifts at once lift it once.

Each test ends by emptying every table; `standard_catalogue` writes the migrated catalogue again
first (a serialized rollback would collide with the content types that a flush recreates)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from absher.accounts.tests.support import make_person, signed_headers
from absher.audit.models import AuditEvent
from absher.audit.selectors import audit_chain_verify
from absher.notifications.models import Message
from absher.suspensions.models import Suspension
from absher.suspensions.tests.helpers import PLACE, authority_partner, body, lift_path, raw

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_truncate_allowed", "standard_catalogue"),
]

THREADS = 10


def _race(work: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
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
        worker.join(timeout=60)
    return outcomes


def _signed(partner, method: str, path: str, data: bytes) -> dict[str, str]:
    return signed_headers(
        partner=partner.code, secret=partner.secret, path=path, raw=data, method=method
    )


def test_the_same_suspension_sent_ten_times_at_once_is_placed_once():
    court = authority_partner("race-court")
    person = make_person()
    data = raw(body(person, reference="CRT-RACE"))

    def place(n: int) -> tuple[int, int]:
        response = Client().post(
            PLACE,
            data,
            content_type="application/json",
            headers=_signed(court, "POST", PLACE, data),
        )
        return response.status_code, response.json().get("id", response.json())

    outcomes = _race(place)

    suspension = Suspension.objects.get()
    assert Counter(status for status, _ in outcomes) == {201: 1, 200: THREADS - 1}, outcomes
    assert {identifier for _, identifier in outcomes} == {suspension.pk}
    assert AuditEvent.objects.filter(action="suspension.placed").count() == 1
    assert Message.objects.filter(person=person, kind="suspension_placed").count() == 1
    assert audit_chain_verify().ok


def test_ten_different_suspensions_at_once_are_all_placed_with_an_unbroken_audit_chain():
    court = authority_partner("race-court")
    person = make_person()

    def place(n: int) -> int:
        data = raw(body(person, reference=f"CRT-{n}"))
        return (
            Client()
            .post(
                PLACE,
                data,
                content_type="application/json",
                headers=_signed(court, "POST", PLACE, data),
            )
            .status_code
        )

    assert _race(place) == [201] * THREADS
    assert Suspension.objects.count() == THREADS
    assert AuditEvent.objects.filter(action="suspension.placed").count() == THREADS
    assert audit_chain_verify().ok


def test_ten_lifts_at_once_lift_once():
    court = authority_partner("race-court")
    person = make_person()
    data = raw(body(person, reference="CRT-LIFT"))
    placed = Client().post(
        PLACE, data, content_type="application/json", headers=_signed(court, "POST", PLACE, data)
    )
    assert placed.status_code == 201
    path = lift_path("CRT-LIFT")

    def lift(n: int) -> tuple[int, str]:
        response = Client().delete(path, headers=_signed(court, "DELETE", path, b""))
        return response.status_code, response.json()["status"]

    assert _race(lift) == [(200, "lifted")] * THREADS
    assert AuditEvent.objects.filter(action="suspension.lifted").count() == 1
    assert Message.objects.filter(person=person, kind="suspension_lifted").count() == 1
