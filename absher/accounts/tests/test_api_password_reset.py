"""Password reset: ID + date of birth, a code to the account's mobile, a new password."""

import pytest

from absher.accounts.models import OtpChallenge, User
from absher.accounts.tests.support import (
    PASSWORD,
    SIGNUP_E164,
    T0,
    last_code,
    login,
    make_person,
    register,
)
from absher.identity.rules import id_number_with_check_digit
from absher.notifications.models import OutboxSms

pytestmark = pytest.mark.django_db

START = "/api/v1/auth/password-reset"
VERIFY = "/api/v1/auth/password-reset/verify"
NEW_PASSWORD = "Najd2031Blue"


@pytest.fixture
def account(api, person, moved_clock):
    moved_clock(T0)
    register(api, person)
    return User.objects.get(username="saad.q")


def _start(api, person, **overrides):
    body = {"id_number": person.id_number, "date_of_birth": person.date_of_birth.isoformat()}
    body.update(overrides)
    return api.post(START, body)


def test_unknown_id_mismatch_and_no_account_get_the_same_answer(api, account, person):
    """The same answer as for the account itself (test_no_enumeration compares them byte for
    byte); only the account's mobile gets a text."""
    without_account = make_person()
    texts_before = OutboxSms.objects.count()

    unknown = _start(api, person, id_number=id_number_with_check_digit("177777777"))
    mismatch = _start(api, person, date_of_birth="1991-05-17")
    no_account = _start(api, without_account)

    assert unknown.status_code == mismatch.status_code == no_account.status_code == 200
    bodies = [unknown.json(), mismatch.json(), no_account.json()]
    assert len({body.pop("challenge_id") for body in bodies}) == 3
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0]["sent_to"] == ""
    assert OutboxSms.objects.count() == texts_before


def test_the_code_goes_to_the_accounts_mobile(api, account, person):
    response = _start(api, person)

    assert response.status_code == 200
    challenge = OtpChallenge.objects.get(public_id=response.json()["challenge_id"])
    assert challenge.purpose == "password_reset"
    assert challenge.mobile == SIGNUP_E164


def test_a_weak_new_password_is_refused_without_spending_the_code(api, account, person):
    challenge = _start(api, person).json()["challenge_id"]
    code = last_code(SIGNUP_E164)

    weak = api.post(VERIFY, {"challenge_id": challenge, "code": code, "new_password": "short"})
    strong = api.post(
        VERIFY, {"challenge_id": challenge, "code": code, "new_password": NEW_PASSWORD}
    )

    assert weak.status_code == 422
    assert weak.json()["code"] == "weak_password"
    assert "password_too_short" in weak.json()["details"]["rules"]
    assert strong.status_code == 200
    assert strong.json() == {"result": "password_changed"}


def test_the_new_password_may_not_contain_the_username(api, account, person):
    challenge = _start(api, person).json()["challenge_id"]

    response = api.post(
        VERIFY,
        {"challenge_id": challenge, "code": last_code(SIGNUP_E164), "new_password": "SAAD.q2031x"},
    )

    assert response.json()["details"]["rules"] == ["password_contains_username"]


def test_a_wrong_code_changes_nothing(api, account, person):
    challenge = _start(api, person).json()["challenge_id"]
    wrong = f"{(int(last_code(SIGNUP_E164)) + 1) % 1_000_000:06d}"

    response = api.post(
        VERIFY, {"challenge_id": challenge, "code": wrong, "new_password": NEW_PASSWORD}
    )

    assert response.json()["code"] == "otp_invalid"
    account.refresh_from_db()
    assert account.check_password(PASSWORD)


def test_a_login_challenge_cannot_reset_the_password(api, account):
    started = api.post("/api/v1/auth/login", {"username": "saad.q", "password": PASSWORD})

    response = api.post(
        VERIFY,
        {
            "challenge_id": started.json()["challenge_id"],
            "code": last_code(SIGNUP_E164),
            "new_password": NEW_PASSWORD,
        },
    )

    assert response.status_code == 404
    assert response.json()["code"] == "challenge_not_found"


def test_reset_changes_the_password_ends_every_token_and_lifts_the_lock(api, account, person):
    tokens = login(api)
    for _ in range(5):
        api.post("/api/v1/auth/login", {"username": "saad.q", "password": "Wrong2030ok"})
    assert (
        api.post("/api/v1/auth/login", {"username": "saad.q", "password": PASSWORD}).status_code
        == 423
    )
    challenge = _start(api, person).json()["challenge_id"]

    done = api.post(
        VERIFY,
        {"challenge_id": challenge, "code": last_code(SIGNUP_E164), "new_password": NEW_PASSWORD},
    )

    assert done.status_code == 200
    assert (
        api.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ).status_code
        == 401
    )
    assert (
        api.post("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}).status_code
        == 401
    )
    assert (
        api.post("/api/v1/auth/login", {"username": "saad.q", "password": PASSWORD}).status_code
        == 401
    )
    assert login(api, password=NEW_PASSWORD)["expires_in"] == 900
