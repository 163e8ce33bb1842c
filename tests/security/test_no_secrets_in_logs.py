"""No secret leaks into what the platform keeps or ships: the main journeys are run with every log
record captured at DEBUG, then the records, the inbox messages and the audit log are searched for
every verification code that was sent, every password that was typed, the card number and every
full ID number.

The SMS that carries a code to a person's phone naturally contains it; that text (the queued SMS
and the development outbox, the person's "phone") is the only place left out of the search. The SMS
records' log lines are searched like every other record. SQL statements are not logged in
production (DEBUG is off and django.db.backends logs at WARNING), and are not turned on here."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.test import Client

from absher.accounts.constants import PartnerKind
from absher.accounts.models import User
from absher.accounts.tests.support import (
    PASSWORD,
    SIGNUP_E164,
    T0,
    activate_by_national_id,
    last_code,
    login,
    make_partner,
    register,
    signed_post,
)
from absher.audit.models import AuditEvent
from absher.identity.models import Person
from absher.notifications.models import Message, OutboxSms, SmsMessage
from absher.payments.models import Bill
from absher.payments.tests.helpers import issue
from absher.transfers.tests.helpers import citizen, user_of, worker_of
from sandbox_gateway import clock as sandbox_clock
from sandbox_gateway.models import SandboxCheckout
from sandbox_gateway.tests.support import SUCCESS_CARD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qamar2031ok"
CARD_FORMS = (
    SUCCESS_CARD,
    SUCCESS_CARD.replace(" ", ""),
    SUCCESS_CARD.replace(" ", "")[:12],
)


def codes_sent() -> set[str]:
    """Every code the platform texted: read from the phone (the outbox) for each SMS that the
    platform marked sensitive."""
    outbox_ids = [
        int(sms.provider_message_id.removeprefix("outbox-"))
        for sms in SmsMessage.objects.filter(is_sensitive=True)
        if sms.provider_message_id.startswith("outbox-")
    ]
    texts = OutboxSms.objects.filter(pk__in=outbox_ids).values_list("body", flat=True)
    return {code for text in texts for code in re.findall(r"(?<!\d)\d{6,8}(?!\d)", text)}


def logged_text(records: list[logging.LogRecord]) -> list[str]:
    """Each record as everything a handler could write: the message, its arguments, the extra
    fields and the exception."""
    lines = []
    for record in records:
        fields = {k: v for k, v in record.__dict__.items() if k not in ("msg", "args")}
        lines.append(f"{record.getMessage()} {record.msg!r} {record.args!r} {fields!r}")
    return lines


def kept_text() -> dict[str, list[str]]:
    return {
        "inbox messages": [
            " ".join(row)
            for row in Message.objects.values_list("title_ar", "title_en", "body_ar", "body_en")
        ],
        "audit log": [
            json.dumps(row, default=str, ensure_ascii=False)
            for row in AuditEvent.objects.values(
                "actor_id", "action", "subject_type", "subject_id", "ip", "request_id", "data"
            )
        ],
    }


def leaks(secrets: dict[str, set[str]], places: dict[str, list[str]]) -> list[str]:
    found = []
    for kind, values in secrets.items():
        for value in values:
            pattern = re.compile(rf"(?<!\d){re.escape(value)}(?!\d)")
            for place, texts in places.items():
                for text in texts:
                    if pattern.search(text):
                        found.append(f"{kind} {value!r} in {place}: {text[:300]}")
    return found


def transfer_through_the_api(api, sponsor: Person) -> None:
    """The current sponsor's whole journey (SPEC 8) by API: the service's own activation, the
    code of step 5, the review, the code of the confirmation."""
    started = api.post("/api/v1/services/worker_services_transfer/activate")
    assert started.status_code == 200, started.json()
    activated = api.post(
        "/api/v1/services/worker_services_transfer/activate/verify",
        {"challenge_id": started.json()["challenge_id"], "code": last_code(SIGNUP_E164)},
    )
    assert activated.status_code == 200, activated.json()
    worker = worker_of(sponsor)
    new_sponsor = citizen()
    user_of(new_sponsor)
    code_step = api.post("/api/v1/transfers/verify-start")
    session = api.post(
        "/api/v1/transfers/verify-start/verify",
        {"challenge_id": code_step.json()["challenge_id"], "code": last_code(SIGNUP_E164)},
    )
    assert session.status_code == 200, session.json()
    review = api.post(
        "/api/v1/transfers/preview",
        {
            "transfer_session": session.json()["transfer_session"],
            "worker_id": worker.pk,
            "new_sponsor_id_number": new_sponsor.id_number,
            "new_sponsor_date_of_birth": new_sponsor.date_of_birth.isoformat(),
        },
    )
    assert review.status_code == 200, review.json()
    created = api.post(
        "/api/v1/transfers",
        {"challenge_id": review.json()["challenge_id"], "code": last_code(SIGNUP_E164)},
    )
    assert created.status_code == 201, created.json()


def pay_by_card(user: User, bill: Bill, api) -> None:
    """By the API's card payment, through the sandbox gateway's hosted page, back to the portal."""
    started = api.post(f"/api/v1/bills/{bill.sadad_number}/card-payment")
    assert started.status_code == 200, started.json()
    browser = Client()
    browser.force_login(user)
    page_url = started.json()["redirect_url"]
    with api.capture(execute=True):
        entry = browser.get(page_url)
        assert entry.status_code == 200, entry.status_code
        checkout = SandboxCheckout.objects.get(reference=started.json()["checkout_reference"])
        paid = browser.post(
            f"/sandbox-gateway/pay/{checkout.token}/",
            {
                "cardholder": "Munira Alshehri",
                "card_number": SUCCESS_CARD,
                "expiry": "12/31",
                "cvv": "123",
                "action": "pay",
            },
        )
        assert paid.status_code == 302, paid.status_code
        back = browser.get(paid["Location"])
    assert back.status_code == 302, back.status_code
    bill.refresh_from_db()
    assert bill.status == "paid"


@pytest.fixture
def clocks(moved_clock):
    """The platform's clock and the sandbox gateway's (a separate system with its own)."""
    moved_clock(T0)
    sandbox_clock.set_override(T0)
    yield
    sandbox_clock.set_override(None)


def test_no_code_password_card_number_or_id_number_is_logged_or_kept(api, person, clocks, caplog):
    caplog.set_level(logging.DEBUG)
    make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)
    bank = make_partner("test-bank", PartnerKind.BANK)

    # Register, sign in with the code, activate e-services.
    register(api, person)
    login(api)
    activate_by_national_id(api, person)
    # Forget the password, and sign in with the new one.
    reset = api.post(
        "/api/v1/auth/password-reset",
        {"id_number": person.id_number, "date_of_birth": person.date_of_birth.isoformat()},
    )
    assert reset.status_code == 200, reset.json()
    changed = api.post(
        "/api/v1/auth/password-reset/verify",
        {
            "challenge_id": reset.json()["challenge_id"],
            "code": last_code(SIGNUP_E164),
            "new_password": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 200, changed.json()
    login(api, password=NEW_PASSWORD)
    # A bank looks the bills up and pays one through SADAD; another is paid by card.
    sadad_bill = issue(person, amount=30000)
    card_bill = issue(person, amount=15000)
    inquiry = signed_post(
        api, bank, "/api/v1/integrations/sadad/inquiry", {"id_number": person.id_number}
    )
    assert inquiry.status_code == 200, inquiry.json()
    payment = signed_post(
        api,
        bank,
        "/api/v1/integrations/sadad/payments",
        {
            "sadad_number": sadad_bill.sadad_number,
            "amount": sadad_bill.amount_halalas,
            "bank_code": "RJHI",
            "bank_reference": "TX-LOGS-1",
            "paid_at": T0.isoformat(),
        },
    )
    assert payment.json()["result"] == "applied", payment.json()
    pay_by_card(User.objects.get(person=person), card_bill, api)
    # Transfer a worker's services to a new sponsor.
    transfer_through_the_api(api, person)

    secrets = {
        "verification code": codes_sent(),
        "password": {PASSWORD, NEW_PASSWORD},
        "card number": set(CARD_FORMS),
        "ID number": set(Person.objects.values_list("id_number", flat=True)),
    }
    places = {"log records": logged_text(caplog.records), **kept_text()}

    # The search looks where it should: every kind of secret was produced, and every place has
    # something in it.
    assert len(secrets["verification code"]) >= 8
    assert len(secrets["ID number"]) == 3  # the sponsor, the worker, the new sponsor
    assert all(places.values()), {place: len(texts) for place, texts in places.items()}
    assert any("sms." in text for text in places["log records"])
    assert leaks(secrets, places) == []


def test_the_search_finds_a_leak(person, caplog):
    """The search itself: a record, a message or an audit entry that does carry a secret is
    reported."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("absher.test").info("login", extra={"code": "482913"})

    found = leaks(
        {"verification code": {"482913"}, "ID number": {person.id_number}},
        {
            "log records": logged_text(caplog.records),
            "inbox messages": [f"رقم الهوية {person.id_number}"],
        },
    )

    assert len(found) == 2
    assert leaks({"verification code": {"48291"}}, {"log records": ["code 482913"]}) == []
