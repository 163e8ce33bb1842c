"""Account activation: what a registered account may reach, activation by national ID (S2a) and by
a one-time activation code (S2c)."""

import datetime as dt

import pytest

from absher.accounts.models import ActivationCode, OtpChallenge, User
from absher.accounts.services.activation import activation_by_bank
from absher.accounts.tests.support import (
    SIGNUP_E164,
    T0,
    account_of,
    activate_by_national_id,
    last_code,
    login,
    make_partner,
    make_person,
    register,
    sms_to,
)

pytestmark = pytest.mark.django_db

NATIONAL_ID = "/api/v1/activation/national-id"
VERIFY = "/api/v1/activation/verify"
CODE = "/api/v1/activation/code"
REGISTRY_MOBILE = "+966507654321"


@pytest.fixture
def person(db):
    return make_person(mobile=REGISTRY_MOBILE)


@pytest.fixture
def signed_in(api, person, moved_clock):
    """A registered (not activated) account, signed in through the API."""
    moved_clock(T0)
    register(api, person)
    login(api)
    return account_of(person)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/services"),
        ("post", "/api/v1/services/worker_services_transfer/activate"),
        ("post", "/api/v1/services/worker_services_transfer/activate/verify"),
    ],
)
def test_a_registered_account_cannot_reach_e_services(api, signed_in, method, path):
    if method == "get":
        response = api.get(path)
    else:
        response = api.post(path, {"challenge_id": "x", "code": "123456"})

    assert response.status_code == 403
    assert response.json()["code"] == "account_not_activated"


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/me/messages", "/api/v1/me/access-log"])
def test_a_registered_account_reaches_its_profile_messages_and_access_log(api, signed_in, path):
    response = api.get(path)

    assert response.status_code == 200


def test_the_profile_says_registered_until_activated(api, signed_in, person):
    profile = api.get("/api/v1/me").json()

    assert profile["status"] == "registered"
    assert profile["id_type"] == "citizen"
    assert profile["name_ar"] == person.name_ar
    assert profile["name_en"] == person.name_en
    assert profile["activation_method"] is None


def test_the_inbox_greets_a_new_account(api, signed_in):
    items = api.get("/api/v1/me/messages").json()["items"]

    assert [item["kind"] for item in items] == ["account_registered"]


def test_activation_by_national_id_texts_the_registry_mobile_not_the_sign_up_one(
    api, signed_in, person
):
    texts_to_signup_number = len(sms_to(SIGNUP_E164))

    start = api.post(
        NATIONAL_ID,
        {"id_number": person.id_number, "date_of_birth": person.date_of_birth.isoformat()},
    )

    assert start.status_code == 200
    assert start.json()["sent_to"] == "+9665•••••321"
    assert len(sms_to(REGISTRY_MOBILE)) == 1
    assert len(sms_to(SIGNUP_E164)) == texts_to_signup_number
    done = api.post(
        VERIFY, {"challenge_id": start.json()["challenge_id"], "code": last_code(REGISTRY_MOBILE)}
    )
    assert done.status_code == 200
    assert done.json()["status"] == "active"
    assert done.json()["activation_method"] == "national_id"
    assert api.get("/api/v1/services").status_code == 200


def test_activation_accepts_a_hijri_date_of_birth(api, signed_in, person):
    start = api.post(
        NATIONAL_ID,
        {"id_number": person.id_number, "date_of_birth": "1410-10-22", "calendar": "hijri"},
    )

    assert start.status_code == 200


def test_the_sign_up_mobile_code_does_not_activate(api, signed_in, person):
    start = api.post(
        NATIONAL_ID,
        {"id_number": person.id_number, "date_of_birth": person.date_of_birth.isoformat()},
    )

    response = api.post(
        VERIFY, {"challenge_id": start.json()["challenge_id"], "code": last_code(SIGNUP_E164)}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "otp_invalid"
    assert account_of(person).status == "registered"


@pytest.mark.parametrize("which", ["wrong_birthday", "someone_else"])
def test_a_mismatched_identity_is_refused(api, signed_in, person, which):
    if which == "wrong_birthday":
        body = {"id_number": person.id_number, "date_of_birth": "1990-05-18"}
    else:
        other = make_person()
        body = {"id_number": other.id_number, "date_of_birth": other.date_of_birth.isoformat()}

    response = api.post(NATIONAL_ID, body)

    assert response.status_code == 422
    assert response.json()["code"] == "identity_mismatch"
    assert not OtpChallenge.objects.filter(purpose="activate").exists()


def test_an_active_account_is_told_it_is_already_activated(api, signed_in, person):
    activate_by_national_id(api, person)

    again = api.post(
        NATIONAL_ID,
        {"id_number": person.id_number, "date_of_birth": person.date_of_birth.isoformat()},
    )

    assert again.status_code == 409
    assert again.json()["code"] == "already_activated"


def test_someone_elses_activation_challenge_is_not_found(api, signed_in, person):
    start = api.post(
        NATIONAL_ID,
        {"id_number": person.id_number, "date_of_birth": person.date_of_birth.isoformat()},
    )
    code = last_code(REGISTRY_MOBILE)
    intruder = make_person(mobile="+966509990000")
    register(api, intruder, username="intruder", mobile="0559990000")
    login(api, username="intruder", mobile="+966559990000")

    response = api.post(VERIFY, {"challenge_id": start.json()["challenge_id"], "code": code})

    assert response.status_code == 404
    assert response.json()["code"] == "challenge_not_found"
    assert account_of(intruder).status == "registered"
    assert account_of(person).status == "registered"


def test_activation_is_audited_and_announced(api, signed_in, person):
    activate_by_national_id(api, person)

    kinds = [item["kind"] for item in api.get("/api/v1/me/messages").json()["items"]]
    assert "account_activated" in kinds
    user = account_of(person)
    assert user.activated_at == T0


# --- one-time activation codes (S2c) ------------------------------------------------------------


def _bank_code(person) -> str:
    outcome = activation_by_bank(
        partner=make_partner(), id_number=person.id_number, bank_customer_reference="C-1"
    )
    assert outcome.result == "code_issued"
    return outcome.activation_code


def test_an_activation_code_activates(api, person, moved_clock):
    moved_clock(T0)
    code = _bank_code(person)
    register(api, person)
    login(api)

    response = api.post(CODE, {"code": code})

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["activation_method"] == "sms_code"
    assert ActivationCode.objects.get().used_at == T0


def test_a_wrong_activation_code_is_refused(api, signed_in):
    response = api.post(CODE, {"code": "12345678"})

    assert response.status_code == 422
    assert response.json()["code"] == "activation_code_invalid"
    assert User.objects.get(pk=signed_in.pk).status == "registered"


def test_an_activation_code_works_once(api, person, moved_clock):
    moved_clock(T0)
    code = _bank_code(person)
    register(api, person)
    login(api)
    api.post(CODE, {"code": code})

    again = api.post(CODE, {"code": code})

    assert again.status_code == 409
    assert again.json()["code"] == "already_activated"
    assert ActivationCode.objects.get().used_at == T0


def test_another_persons_activation_code_does_not_work(api, person, moved_clock):
    moved_clock(T0)
    code = _bank_code(make_person())
    register(api, person)
    login(api)

    response = api.post(CODE, {"code": code})

    assert response.json()["code"] == "activation_code_invalid"
    assert ActivationCode.objects.get().used_at is None


def test_an_expired_activation_code_is_refused(api, person, moved_clock):
    moved_clock(T0)
    code = _bank_code(person)
    moved_clock(T0 + dt.timedelta(days=7))
    register(api, person)
    login(api)

    response = api.post(CODE, {"code": code})

    assert response.json()["code"] == "activation_code_invalid"


def test_too_many_wrong_activation_codes_stop_even_the_right_one(api, person, moved_clock):
    moved_clock(T0)
    code = _bank_code(person)
    register(api, person)
    login(api)
    for n in range(5):
        assert api.post(CODE, {"code": f"0000000{n}"}).status_code == 422

    response = api.post(CODE, {"code": code})

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"
    assert account_of(person).status == "registered"
    assert ActivationCode.objects.get().used_at is None
