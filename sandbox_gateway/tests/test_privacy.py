"""The card number and the CVV are never stored nor logged: every row of every table, every SQL
statement and every log line of every test card's journey is searched for them."""

from __future__ import annotations

import logging
import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sandbox_gateway.tests.support import (
    ALL_CARDS,
    CHALLENGE_CARD,
    challenge_url,
    open_checkout,
    page_url,
    pay,
)

pytestmark = pytest.mark.django_db

CVV = "739"


def _forms_of(number: str) -> list[str]:
    digits = number.replace(" ", "")
    # The whole number, spaced or not, and its first twelve digits (anything past the last four).
    return [digits, number, digits[:12], digits[:6] + digits[6:12]]


def _every_stored_value() -> str:
    rows = []
    for model in apps.get_models():
        rows.extend(repr(row) for row in model.objects.values())
    return "\n".join(rows)


def test_no_card_number_or_cvv_is_ever_stored_queried_or_logged(
    client, settings, caplog, django_capture_on_commit_callbacks
):
    settings.SANDBOX_GATEWAY_SEND_WEBHOOKS = True
    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(connection) as queries:
        for index, number in enumerate(ALL_CARDS):
            checkout = open_checkout(client, reference=f"privacy-{index}")
            response = pay(client, checkout, number, cvv=CVV)
            if number == CHALLENGE_CARD:
                client.post(challenge_url(response), {"code": "0000", "action": "confirm"})
            # A mistake in another field: the form comes back without the number.
            client.post(page_url(checkout), {"card_number": number, "cvv": CVV, "action": "pay"})

    stored = _every_stored_value()
    statements = "\n".join(query["sql"] for query in queries.captured_queries)
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "privacy-4" in stored  # the search does look at the sandbox's rows
    for number in ALL_CARDS:
        for form in _forms_of(number):
            assert form not in stored
            assert form not in statements
            assert form not in logged
    assert not re.search(rf"\b{CVV}\b", stored)
    assert not re.search(rf"\b{CVV}\b", logged)
    assert sorted(
        apps.get_model("sandbox_gateway", "SandboxAttempt").objects.values_list(
            "card_last4", flat=True
        )
    ) == ["0002", "0119", "1111", "3220", "4444"]


def test_the_card_fields_are_hidden_from_django_error_reports(rf):
    from sandbox_gateway import views

    request = rf.post("/sandbox-gateway/pay/cs_x/", {"card_number": "4111111111111111"})
    views.checkout(request, token="cs_x")

    assert set(request.sensitive_post_parameters) == {"cardholder", "card_number", "expiry", "cvv"}
