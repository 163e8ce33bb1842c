"""The optional Idempotency-Key header on POST /api/v1/bills/{n}/card-payment and POST
/api/v1/transfers (ADR 0006): the same key and body answer the first answer again without doing
the work twice; the same key with another body is 422 `idempotency_key_reused`; keys are per
account; a malformed key is 422 `invalid_idempotency_key`; a refusal releases the key; a key whose
first request is still running is 409 `idempotency_in_progress`; records last 24 hours."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from absher.accounts.constants import PartnerKind
from absher.accounts.tests.support import T0, last_code, make_partner, make_person
from absher.core import idempotency
from absher.core.models import IdempotencyRecord
from absher.payments import cards
from absher.payments.models import CardCheckout
from absher.payments.tests.helpers import issue
from absher.suspensions.tests.helpers import signed_in
from absher.transfers import services as transfer_services
from absher.transfers.models import TransferRequest
from absher.transfers.tests.helpers import citizen, user_of, worker_of

pytestmark = pytest.mark.django_db

TRANSFERS = "/api/v1/transfers"
KEY = "order-7f3c2a90-0001"


def pay_url(number: str) -> str:
    return f"/api/v1/bills/{number}/card-payment"


def keyed(key: str, **headers: str) -> dict[str, str]:
    return {"Idempotency-Key": key, **headers}


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def calls(monkeypatch) -> dict[str, int]:
    """How many times each service behind the two operations really ran."""
    counted = {"checkout": 0, "transfer": 0}
    start, create = cards.card_checkout_start, transfer_services.transfer_create

    def counting_start(**kwargs: Any):
        counted["checkout"] += 1
        return start(**kwargs)

    def counting_create(**kwargs: Any):
        counted["transfer"] += 1
        return create(**kwargs)

    monkeypatch.setattr(cards, "card_checkout_start", counting_start)
    monkeypatch.setattr(transfer_services, "transfer_create", counting_create)
    return counted


@pytest.fixture
def payer(api):
    make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)
    person = citizen()
    user = user_of(person)
    return {"person": person, "user": user, "api": signed_in(api, user)}


def refused(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    return body


# --- card-payment creation ---------------------------------------------------------------------


def test_card_payment_with_the_same_key_answers_the_first_answer_and_starts_one_checkout(
    payer, calls
):
    bill = issue(payer["person"])

    first = payer["api"].post(pay_url(bill.sadad_number), {}, headers=keyed(KEY))
    second = payer["api"].post(pay_url(bill.sadad_number), {}, headers=keyed(KEY))

    assert first.status_code == second.status_code == 200, first.content
    assert first.content == second.content
    assert set(first.json()) == {"redirect_url", "checkout_reference", "expires_at"}
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert calls["checkout"] == 1
    assert CardCheckout.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.operation, record.owner, record.key, record.status_code) == (
        "card_payment_create",
        f"user:{payer['user'].pk}",
        KEY,
        200,
    )
    assert record.expires_at == T0 + dt.timedelta(hours=24)


def test_card_payment_without_a_key_behaves_as_before(payer, calls):
    bill = issue(payer["person"])

    first = payer["api"].post(pay_url(bill.sadad_number), {})
    second = payer["api"].post(pay_url(bill.sadad_number), {})

    assert first.json()["checkout_reference"] == second.json()["checkout_reference"]
    assert calls["checkout"] == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This Idempotency-Key was already used with a different request."),
        ("ar", "استُخدم مفتاح منع التكرار"),
    ],
)
def test_the_same_key_for_another_bill_is_refused_in_both_languages(
    payer, calls, language, message
):
    first_bill = issue(payer["person"])
    other_bill = issue(payer["person"], amount=65000, service_code="iqama_renewal")
    payer["api"].post(pay_url(first_bill.sadad_number), {}, headers=keyed(KEY))

    reused = payer["api"].post(
        pay_url(other_bill.sadad_number), {}, headers=keyed(KEY, **{"Accept-Language": language})
    )

    body = refused(reused, 422, "idempotency_key_reused")
    assert body["message"].startswith(message)
    assert body["details"] == {"header": "Idempotency-Key"}
    assert calls["checkout"] == 1
    assert CardCheckout.objects.count() == 1


def test_keys_are_per_account(api, payer, calls):
    other = citizen()
    other_api = signed_in(api.__class__(api.capture), user_of(other))
    mine, theirs = issue(payer["person"]), issue(other)

    first = payer["api"].post(pay_url(mine.sadad_number), {}, headers=keyed(KEY))
    second = other_api.post(pay_url(theirs.sadad_number), {}, headers=keyed(KEY))

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["checkout_reference"] != second.json()["checkout_reference"]
    assert calls["checkout"] == 2
    assert IdempotencyRecord.objects.count() == 2


@pytest.mark.parametrize(
    "key", ["", "x" * 256, "tab\there", "line\nbreak", "مفتاح", "null\x00byte", "\x7f"]
)
def test_a_malformed_key_is_refused_before_any_work(payer, calls, key):
    bill = issue(payer["person"])

    # The test client's helper drops empty headers: this one is sent as it is.
    response = payer["api"].client.post(
        pay_url(bill.sadad_number),
        {},
        content_type="application/json",
        headers={"Authorization": f"Bearer {payer['api'].token}", "Idempotency-Key": key},
    )

    refused(response, 422, "invalid_idempotency_key")
    assert calls["checkout"] == 0
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["a", "x" * 255, "with spaces and ~!@#$%^&*()"])
def test_keys_of_1_to_255_printable_characters_are_accepted(payer, key):
    bill = issue(payer["person"])

    response = payer["api"].post(pay_url(bill.sadad_number), {}, headers=keyed(key))

    assert response.status_code == 200, response.content
    assert IdempotencyRecord.objects.get().key == key


def test_a_refused_request_releases_its_key(payer, calls):
    others_bill = issue(make_person())

    response = payer["api"].post(pay_url(others_bill.sadad_number), {}, headers=keyed(KEY))

    refused(response, 404, "bill_not_found")
    assert not IdempotencyRecord.objects.exists()
    mine = issue(payer["person"])
    again = payer["api"].post(pay_url(mine.sadad_number), {}, headers=keyed(KEY))
    assert again.status_code == 200, again.content


def test_a_key_whose_first_request_is_still_running_is_409(payer, calls, monkeypatch):
    monkeypatch.setattr(idempotency, "IN_PROGRESS_WAIT_SECONDS", 0.1)
    bill = issue(payer["person"])
    path = pay_url(bill.sadad_number)
    IdempotencyRecord.objects.create(
        owner=f"user:{payer['user'].pk}",
        key=KEY,
        operation="card_payment_create",
        request_hash=idempotency.request_hash(path=path, body=b"{}"),
        expires_at=T0 + dt.timedelta(hours=24),
    )

    response = payer["api"].post(path, {}, headers=keyed(KEY, **{"Accept-Language": "en"}))

    body = refused(response, 409, "idempotency_in_progress")
    assert body["message"].startswith("A request with this Idempotency-Key is still")
    assert calls["checkout"] == 0


def test_a_key_is_forgotten_after_24_hours(payer, calls, moved_clock):
    first_bill = issue(payer["person"])
    payer["api"].post(pay_url(first_bill.sadad_number), {}, headers=keyed(KEY))
    moved_clock(T0 + dt.timedelta(hours=24, seconds=1))
    signed_in(payer["api"], payer["user"])  # a fresh access token at the new time
    other_bill = issue(payer["person"], amount=65000, service_code="iqama_renewal")

    response = payer["api"].post(pay_url(other_bill.sadad_number), {}, headers=keyed(KEY))

    assert response.status_code == 200, response.content
    assert calls["checkout"] == 2
    assert IdempotencyRecord.objects.get().request_hash == idempotency.request_hash(
        path=pay_url(other_bill.sadad_number), body=b"{}"
    )


def test_the_purge_deletes_records_older_than_a_day_only(moved_clock):
    for hours in (0, 23, 25):
        moved_clock(T0 - dt.timedelta(hours=hours))
        idempotency.idempotency_claim(
            owner="user:1", key=f"k{hours}", operation="op", fingerprint="f"
        )
    moved_clock(T0)

    assert idempotency.idempotency_records_purge() == 1
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k0", "k23"]


def test_the_body_hash_ignores_key_order_and_spacing():
    assert idempotency.request_hash(path="/p", body=b'{"a": 1, "b": [1, 2]}') == (
        idempotency.request_hash(path="/p", body=b'{"b":[1,2],"a":1}')
    )
    assert idempotency.request_hash(path="/p", body=b'{"a": 1}') != (
        idempotency.request_hash(path="/p", body=b'{"a": 2}')
    )
    assert idempotency.request_hash(path="/p", body=b"{}") != (
        idempotency.request_hash(path="/q", body=b"{}")
    )


# --- transfer creation -------------------------------------------------------------------------


@pytest.fixture
def sponsor_side(api):
    sponsor = citizen()
    user = user_of(sponsor)
    new_sponsor = citizen()
    user_of(new_sponsor)
    return {
        "user": user,
        "worker": worker_of(sponsor),
        "new_sponsor": new_sponsor,
        "api": signed_in(api, user),
    }


def confirm_body(side: dict[str, Any]) -> dict[str, str]:
    """Session and review through the API; the body that confirms the transfer."""
    client, user = side["api"], side["user"]
    start = client.post(f"{TRANSFERS}/verify-start").json()
    token = client.post(
        f"{TRANSFERS}/verify-start/verify",
        {"challenge_id": start["challenge_id"], "code": last_code(user.mobile)},
    ).json()["transfer_session"]
    reviewed = client.post(
        f"{TRANSFERS}/preview",
        {
            "transfer_session": token,
            "worker_id": side["worker"].pk,
            "new_sponsor_id_number": side["new_sponsor"].id_number,
            "new_sponsor_date_of_birth": side["new_sponsor"].date_of_birth.isoformat(),
        },
    )
    assert reviewed.status_code == 200, reviewed.content
    return {"challenge_id": reviewed.json()["challenge_id"], "code": last_code(user.mobile)}


def test_transfer_creation_with_the_same_key_answers_201_again_and_creates_one(sponsor_side, calls):
    body = confirm_body(sponsor_side)

    first = sponsor_side["api"].post(TRANSFERS, body, headers=keyed(KEY))
    second = sponsor_side["api"].post(TRANSFERS, body, headers=keyed(KEY))

    assert first.status_code == second.status_code == 201, first.content
    assert first.content == second.content
    assert first.json()["status"] == "pending_acceptance"
    assert second["Idempotent-Replayed"] == "true"
    assert calls["transfer"] == 1
    assert TransferRequest.objects.count() == 1


def test_transfer_creation_without_a_key_is_refused_the_second_time(sponsor_side):
    body = confirm_body(sponsor_side)

    assert sponsor_side["api"].post(TRANSFERS, body).status_code == 201
    refused(sponsor_side["api"].post(TRANSFERS, body), 422, "otp_used")


def test_transfer_creation_with_the_same_key_and_another_body_is_422(sponsor_side, calls):
    body = confirm_body(sponsor_side)
    sponsor_side["api"].post(TRANSFERS, body, headers=keyed(KEY))

    reused = sponsor_side["api"].post(
        TRANSFERS, {**body, "code": "000000"}, headers=keyed(KEY, **{"Accept-Language": "ar"})
    )

    refused(reused, 422, "idempotency_key_reused")
    assert calls["transfer"] == 1
    assert TransferRequest.objects.count() == 1


def test_a_wrong_code_releases_the_key_for_the_right_one(sponsor_side, calls):
    body = confirm_body(sponsor_side)
    wrong = {**body, "code": f"{(int(body['code']) + 1) % 1_000_000:06d}"}

    first = sponsor_side["api"].post(TRANSFERS, wrong, headers=keyed(KEY))
    second = sponsor_side["api"].post(TRANSFERS, body, headers=keyed(KEY))

    assert first.status_code == 422, first.content
    assert second.status_code == 201, second.content
    assert TransferRequest.objects.count() == 1


def test_transfer_creation_refuses_a_malformed_key(sponsor_side, calls):
    body = confirm_body(sponsor_side)

    refused(
        sponsor_side["api"].post(TRANSFERS, body, headers=keyed("x" * 256)),
        422,
        "invalid_idempotency_key",
    )
    assert calls["transfer"] == 0


def test_the_openapi_document_describes_the_header_on_both_operations(api):
    document = api.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/bills/{sadad_number}/card-payment", "/api/v1/transfers"):
        parameters = document["paths"][path]["post"]["parameters"]
        header = next(p for p in parameters if p["name"] == "Idempotency-Key")
        assert header["in"] == "header"
        assert header["required"] is False
        assert "24 hours" in header["description"]


def test_the_hourly_task_purges_expired_records(moved_clock):
    from absher.core.tasks import purge_idempotency_records

    moved_clock(T0 - dt.timedelta(hours=25))
    idempotency.idempotency_claim(owner="user:1", key="old", operation="op", fingerprint="f")
    moved_clock(T0)

    assert purge_idempotency_records.delay().get() == 1
    assert not IdempotencyRecord.objects.exists()
