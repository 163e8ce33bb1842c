"""Charged at most once: two tabs submit the same checkout at the same moment (PostgreSQL, two
real threads, each with its own connection). One is charged and returns `paid`; the other waits
for the row lock, finds the checkout paid, and is sent back with that same success."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

from sandbox_gateway import services
from sandbox_gateway.models import SandboxAttempt, SandboxCheckout
from sandbox_gateway.tests.support import (
    CHALLENGE_CARD,
    SUCCESS_CARD,
    challenge_url,
    link_params,
    open_checkout,
    pay,
    returned,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*submits: Callable[[], object]) -> list[object]:
    barrier = threading.Barrier(len(submits))
    results: list[object] = [None] * len(submits)

    def run(index: int, submit: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = submit()
        except BaseException as error:
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, submit)) for index, submit in enumerate(submits)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def slow_charge(monkeypatch):
    """Holds the row lock a little longer, so that the two submits truly overlap."""
    original = services.id_new
    entered = threading.Event()

    def slow(prefix: str) -> str:
        if prefix == "ch_":
            entered.set()
            threading.Event().wait(0.3)
        return original(prefix)

    monkeypatch.setattr(services, "id_new", slow)
    return entered


def _one_paid_and_one_already_paid(responses) -> dict[str, str]:
    assert not [r for r in responses if isinstance(r, BaseException)], responses
    redirects = [r for r in responses if r.status_code == 302]
    pages = [r for r in responses if r.status_code == 200]
    assert len(redirects) == 1
    assert len(pages) == 1
    paid = returned(redirects[0])
    assert paid["status"] == "paid"
    html = pages[0].content.decode()
    assert "تم الدفع مسبقًا" in html
    assert link_params(html) == paid
    checkout = SandboxCheckout.objects.get()
    assert (checkout.status, checkout.charge_id) == ("paid", paid["charge_id"])
    assert SandboxAttempt.objects.filter(status="paid").count() == 1
    return paid


def test_two_tabs_paying_the_same_checkout_at_once_are_charged_once(slow_charge):
    checkout = open_checkout(Client())
    tabs = [Client(), Client()]

    responses = at_once(
        lambda: pay(tabs[0], checkout, SUCCESS_CARD),
        lambda: pay(tabs[1], checkout, SUCCESS_CARD),
    )

    assert slow_charge.is_set()
    _one_paid_and_one_already_paid(responses)
    assert SandboxAttempt.objects.count() == 1


def test_a_card_and_a_challenge_answered_at_once_are_charged_once(slow_charge):
    client = Client()
    checkout = open_checkout(client)
    challenge = challenge_url(pay(client, checkout, CHALLENGE_CARD))
    other_tab = Client()

    responses = at_once(
        lambda: client.post(challenge, {"code": "1234", "action": "confirm"}),
        lambda: pay(other_tab, checkout, SUCCESS_CARD),
    )

    _one_paid_and_one_already_paid(responses)
