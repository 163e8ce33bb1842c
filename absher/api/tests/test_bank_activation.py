"""POST /api/v1/integrations/banks/activations (S2b): a signed call from a bank. A bad, stale or
replayed signature is refused with 401 and changes nothing."""

import datetime as dt
import json

import pytest

from absher.accounts.constants import PartnerKind
from absher.accounts.models import ActivationCode, User
from absher.accounts.tests.support import (
    T0,
    account_of,
    last_code,
    login,
    make_partner,
    register,
    signed_headers,
    signed_post,
)
from absher.audit.models import AuditEvent
from absher.identity.rules import id_number_with_check_digit
from absher.notifications.models import OutboxSms

pytestmark = pytest.mark.django_db

PATH = "/api/v1/integrations/banks/activations"


@pytest.fixture
def bank(db):
    return make_partner("test-bank", PartnerKind.BANK)


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


def _body(person, reference="CUST-0042"):
    return {"id_number": person.id_number, "bank_customer_reference": reference}


def _snapshot():
    return (
        ActivationCode.objects.count(),
        OutboxSms.objects.count(),
        AuditEvent.objects.count(),
        sorted(User.objects.values_list("username", "status", "activation_method")),
    )


def test_a_registered_account_is_activated(api, bank, person):
    register(api, person)

    response = signed_post(api, bank, PATH, _body(person))

    assert response.status_code == 200
    assert response.json() == {"result": "activated"}
    user = account_of(person)
    assert user.status == "active"
    assert user.activation_method == "bank"
    event = AuditEvent.objects.get(action="account.activated")
    assert event.actor_type == "partner"
    assert event.actor_id == "test-bank"
    assert event.data["bank_customer_reference"] == "CUST-0042"


def test_an_active_account_is_activated_again_without_change(api, bank, person):
    register(api, person)
    signed_post(api, bank, PATH, _body(person))

    again = signed_post(api, bank, PATH, _body(person))

    assert again.status_code == 200
    assert again.json() == {"result": "activated"}
    assert AuditEvent.objects.filter(action="account.activated").count() == 1


def test_without_an_account_a_code_is_issued_that_activates_after_registering(api, bank, person):
    issued = signed_post(api, bank, PATH, _body(person))

    assert issued.status_code == 201
    body = issued.json()
    assert body["result"] == "code_issued"
    assert len(body["activation_code"]) == 8
    assert body["activation_code"].isdigit()
    assert last_code(person.mobile) == body["activation_code"]  # texted to the registry mobile
    register(api, person)
    login(api)
    activated = api.post("/api/v1/activation/code", {"code": body["activation_code"]})
    assert activated.status_code == 200
    assert activated.json()["status"] == "active"


def test_an_unknown_person_is_404(api, bank):
    unknown = id_number_with_check_digit("166666666")

    response = signed_post(api, bank, PATH, {"id_number": unknown, "bank_customer_reference": "X"})

    assert response.status_code == 404
    assert response.json()["code"] == "person_not_found"


def test_a_malformed_id_is_422(api, bank):
    response = signed_post(api, bank, PATH, {"id_number": "12", "bank_customer_reference": "X"})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_id_number"


def test_an_empty_customer_reference_is_422(api, bank, person):
    response = signed_post(api, bank, PATH, _body(person, reference="  "))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_bank_customer_reference"
    assert ActivationCode.objects.count() == 0


# --- refused signatures: 401 and nothing changed ------------------------------------------------


def _refused(response, code: str, before) -> None:
    assert response.status_code == 401, response.json()
    assert response.json()["code"] == code
    assert _snapshot() == before


@pytest.fixture
def registered(api, person):
    register(api, person)
    return person


def test_an_unknown_partner_is_refused(api, registered):
    raw = json.dumps(_body(registered)).encode()
    headers = signed_headers(
        partner="no-such-bank", secret="no-such-bank-secret", path=PATH, raw=raw
    )
    before = _snapshot()

    _refused(api.post_raw(PATH, raw, headers), "bad_signature", before)


def test_a_signature_with_the_wrong_secret_is_refused(api, bank, registered):
    raw = json.dumps(_body(registered)).encode()
    headers = signed_headers(partner=bank.code, secret="guessed", path=PATH, raw=raw)
    before = _snapshot()

    _refused(api.post_raw(PATH, raw, headers), "bad_signature", before)


@pytest.mark.parametrize("part", ["body", "path", "method", "timestamp", "nonce"])
def test_a_signature_over_anything_else_is_refused(api, bank, registered, part):
    raw = json.dumps(_body(registered)).encode()
    signed_raw = raw.replace(b"CUST", b"CUSX") if part == "body" else raw
    headers = signed_headers(
        partner=bank.code,
        secret=bank.secret,
        path=f"{PATH}?x=1" if part == "path" else PATH,
        method="PUT" if part == "method" else "POST",
        raw=signed_raw,
    )
    if part == "timestamp":
        headers["X-Timestamp"] = str(int(headers["X-Timestamp"]) + 1)
    if part == "nonce":
        headers["X-Nonce"] = headers["X-Nonce"][::-1]
    before = _snapshot()

    _refused(api.post_raw(PATH, raw, headers), "bad_signature", before)


def test_the_signature_covers_the_query_string(api, bank, registered):
    raw = json.dumps(_body(registered)).encode()
    headers = signed_headers(partner=bank.code, secret=bank.secret, path=PATH, raw=raw)
    before = _snapshot()

    _refused(api.post_raw(f"{PATH}?extra=1", raw, headers), "bad_signature", before)


@pytest.mark.parametrize("missing", ["X-Partner", "X-Timestamp", "X-Nonce", "X-Signature"])
def test_a_missing_header_is_refused(api, bank, registered, missing):
    raw = json.dumps(_body(registered)).encode()
    headers = signed_headers(partner=bank.code, secret=bank.secret, path=PATH, raw=raw)
    del headers[missing]
    before = _snapshot()

    response = api.post_raw(PATH, raw, headers)

    _refused(response, "bad_signature", before)


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_a_timestamp_more_than_five_minutes_off_is_stale(api, bank, registered, offset):
    raw = json.dumps(_body(registered)).encode()
    stamp = int(T0.timestamp()) + offset
    headers = signed_headers(
        partner=bank.code, secret=bank.secret, path=PATH, raw=raw, timestamp=stamp
    )
    before = _snapshot()

    _refused(api.post_raw(PATH, raw, headers), "stale_timestamp", before)


@pytest.mark.parametrize("offset", [-300, 300])
def test_a_timestamp_five_minutes_off_is_still_accepted(api, bank, registered, offset):
    response = signed_post(
        api, bank, PATH, _body(registered), timestamp=int(T0.timestamp()) + offset
    )

    assert response.status_code == 200


def test_a_replayed_request_is_refused(api, bank, person):
    raw = json.dumps(_body(person)).encode()
    headers = signed_headers(partner=bank.code, secret=bank.secret, path=PATH, raw=raw)
    first = api.post_raw(PATH, raw, headers)
    assert first.status_code == 201
    before = _snapshot()

    _refused(api.post_raw(PATH, raw, headers), "replayed_request", before)


def test_a_nonce_is_per_partner(api, bank, person):
    other_bank = make_partner("other-bank", PartnerKind.BANK)
    nonce = "n" * 32

    first = signed_post(api, bank, PATH, _body(person), nonce=nonce)
    second = signed_post(api, other_bank, PATH, _body(person), nonce=nonce)

    assert first.status_code == 201
    assert second.status_code == 201


def test_a_refused_signature_does_not_use_up_the_nonce(api, bank, registered):
    raw = json.dumps(_body(registered)).encode()
    nonce = "a" * 20
    forged = signed_headers(partner=bank.code, secret="guessed", path=PATH, raw=raw, nonce=nonce)
    assert api.post_raw(PATH, raw, forged).status_code == 401

    genuine = signed_post(api, bank, PATH, _body(registered), nonce=nonce)

    assert genuine.status_code == 200


@pytest.mark.parametrize("length", [15, 65])
def test_a_nonce_outside_16_to_64_characters_is_refused(api, bank, registered, length):
    before = _snapshot()

    response = signed_post(api, bank, PATH, _body(registered), nonce="x" * length)

    _refused(response, "bad_signature", before)


@pytest.mark.parametrize("length", [16, 64])
def test_a_nonce_of_16_or_64_characters_is_accepted(api, bank, registered, length):
    response = signed_post(api, bank, PATH, _body(registered), nonce="y" * length)

    assert response.status_code == 200


def test_a_base64_nonce_is_accepted(api, bank, registered):
    response = signed_post(api, bank, PATH, _body(registered), nonce="q+/Zx9w8==AbCdEfGh12")

    assert response.status_code == 200


@pytest.mark.parametrize("kind", [PartnerKind.AUTHORITY, PartnerKind.CARD_GATEWAY])
def test_a_partner_that_is_not_a_bank_is_refused(api, registered, kind):
    partner = make_partner(f"test-{kind}".replace("_", "-"), kind)
    before = _snapshot()

    _refused(signed_post(api, partner, PATH, _body(registered)), "bad_signature", before)


def test_an_inactive_bank_is_refused(api, bank, registered):
    bank.is_active = False
    bank.save(update_fields=["is_active"])
    before = _snapshot()

    _refused(signed_post(api, bank, PATH, _body(registered)), "bad_signature", before)


def test_a_person_token_cannot_call_the_bank_endpoint(api, registered):
    login(api)
    before = _snapshot()

    response = api.post(PATH, _body(registered))

    assert response.status_code == 401
    assert _snapshot() == before


def test_signature_refusals_are_localised(api, bank, registered):
    raw = json.dumps(_body(registered)).encode()
    headers = signed_headers(partner=bank.code, secret="guessed", path=PATH, raw=raw)

    english = api.post_raw(PATH, raw, {**headers, "Accept-Language": "en"})
    headers = signed_headers(partner=bank.code, secret="guessed", path=PATH, raw=raw)
    arabic = api.post_raw(PATH, raw, {**headers, "Accept-Language": "ar"})

    assert english.json()["message"] == "The request signature is not valid."
    assert arabic.json()["message"] == "توقيع الطلب غير صالح."


def test_the_moved_clock_is_what_timestamps_are_judged_against(api, bank, registered, moved_clock):
    moved_clock(T0 + dt.timedelta(hours=1))
    before = _snapshot()

    stale = signed_post(api, bank, PATH, _body(registered), timestamp=int(T0.timestamp()))

    _refused(stale, "stale_timestamp", before)
