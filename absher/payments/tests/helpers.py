"""Bills, bank notifications and what a refused call must leave as it was, for the payments and
service-request tests (built on the accounts test helpers: the JSON client, people, signing)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from absher.accounts.models import Partner
from absher.accounts.tests.support import Api, signed_post
from absher.audit.models import AuditEvent
from absher.catalog.models import Service
from absher.core import clock
from absher.identity.models import Person
from absher.notifications.models import Message, SmsMessage
from absher.notifications.services import notification_send
from absher.payments.constants import DEFAULT_BILL_LIFETIME
from absher.payments.fulfilment import handler_register
from absher.payments.models import BankNotification, Bill, BillEvent, Fulfilment, Payment
from absher.payments.services import bill_create

PAYMENTS = "/api/v1/integrations/sadad/payments"
INQUIRY = "/api/v1/integrations/sadad/inquiry"
# A purpose of the tests' own: its handler is `fulfiller` below.
TEST_PURPOSE = "test_fee"


class Fulfiller:
    """The fulfilment handler of test bills. Each run writes an inbox message first (so that a
    rolled-back run can be seen to have left nothing), then fails while `failures_left` says so."""

    def __init__(self) -> None:
        self.runs: list[str] = []
        self.attempts = 0
        self.failures_left = 0

    def reset(self) -> None:
        self.runs = []
        self.attempts = 0
        self.failures_left = 0

    def __call__(self, bill: Bill) -> None:
        self.attempts += 1
        notification_send(
            person=bill.payer,
            kind="test_fulfilled",
            title_ar="تم",
            title_en="Done",
            body_ar="تم",
            body_en="Done",
            send_sms=False,
        )
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError("the fulfilment failed")
        self.runs.append(bill.sadad_number)


fulfiller = Fulfiller()
handler_register(TEST_PURPOSE, fulfiller)


@pytest.fixture(name="test_fulfiller")
def _test_fulfiller() -> Iterator[Fulfiller]:
    """Import `_test_fulfiller` into a test module to use the `test_fulfiller` fixture."""
    fulfiller.reset()
    yield fulfiller
    fulfiller.reset()


_purpose_ids = iter(range(1, 10_000_000))


def issue(
    person: Person,
    *,
    amount: int = 30000,
    service_code: str = "passport_renewal",
    lifetime: dt.timedelta = DEFAULT_BILL_LIFETIME,
) -> Bill:
    """A bill for the tests' own purpose, issued through the one service that issues bills."""
    return bill_create(
        payer=person,
        service=Service.objects.get(code=service_code),
        amount_halalas=amount,
        purpose=TEST_PURPOSE,
        purpose_id=str(next(_purpose_ids)),
        lifetime=lifetime,
    )


def notification(bill: Bill, **overrides: Any) -> dict[str, Any]:
    """A bank's payment notification for `bill`, as SPEC 13 shapes it."""
    body = {
        "sadad_number": bill.sadad_number,
        "amount": bill.amount_halalas,
        "bank_code": "RJHI",
        "bank_reference": "TX-0001",
        "paid_at": clock.now().isoformat(),
    }
    body.update(overrides)
    return body


def notify(api: Api, bank: Partner, body: dict[str, Any], **options: Any):
    return signed_post(api, bank, PAYMENTS, body, **options)


def raw(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def snapshot() -> dict[str, Any]:
    """Everything a refused payment or a refused transition must leave as it was (bank
    notifications are counted apart: a refusal is recorded there on purpose)."""
    return {
        "bills": sorted(Bill.objects.values_list("sadad_number", "status", "paid_at", "closed_at")),
        "bill_events": BillEvent.objects.count(),
        "payments": Payment.objects.count(),
        "fulfilments": sorted(Fulfilment.objects.values_list("bill_id", "status", "attempts")),
        "messages": Message.objects.count(),
        "sms": SmsMessage.objects.count(),
        "audit": list(AuditEvent.objects.order_by("sequence").values_list("sequence", "action")),
    }


def notifications() -> list[tuple[str, str, str]]:
    """(sadad_number, result, reason) of every bank notification, oldest first."""
    return list(
        BankNotification.objects.order_by("id").values_list("sadad_number", "result", "reason")
    )
