"""Signing in, the lock after wrong passwords, the IP throttle, and the API tokens."""

import datetime as dt

import pytest

from absher.accounts.models import RefreshToken, User
from absher.accounts.tests.support import (
    PASSWORD,
    SIGNUP_E164,
    T0,
    last_code,
    login,
    make_person,
    register,
)
from absher.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
LOGIN_VERIFY = "/api/v1/auth/login/verify"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
EVERYWHERE = "/api/v1/auth/logout-everywhere"


@pytest.fixture
def account(api, person, moved_clock):
    moved_clock(T0)
    register(api, person)
    return User.objects.get(username="saad.q")


def _password_step(api, username="saad.q", password=PASSWORD, ip="127.0.0.1"):
    return api.post(LOGIN, {"username": username, "password": password}, ip=ip)


def _me(api, token: str):
    return api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("username", ["saad.q", "SAAD.Q", "Saad.Q"])
def test_login_by_username_in_any_case(api, account, username):
    tokens = login(api, username=username)

    assert set(tokens) == {"access_token", "refresh_token", "expires_in", "token_type"}
    assert tokens["expires_in"] == 900
    assert tokens["token_type"] == "Bearer"
    assert _me(api, tokens["access_token"]).json()["username"] == "saad.q"


def test_login_by_id_number_in_any_digits(api, account, person):
    arabic_id = person.id_number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    tokens = login(api, username=arabic_id)

    assert _me(api, tokens["access_token"]).status_code == 200


def test_the_password_step_texts_a_code_and_gives_no_token(api, account):
    response = _password_step(api)

    assert response.status_code == 200
    assert set(response.json()) == {"challenge_id", "expires_at", "sent_to"}
    assert RefreshToken.objects.count() == 0


def test_an_unknown_username_and_a_wrong_password_get_the_same_answer(api, account):
    unknown = _password_step(api, username="nobody.here")
    wrong = _password_step(api, password="Wrong2030ok")
    unknown_id = _password_step(api, username="1000000008")

    assert unknown.status_code == wrong.status_code == unknown_id.status_code == 401
    assert unknown.json() == wrong.json() == unknown_id.json()
    assert unknown.json()["code"] == "invalid_credentials"


def test_a_wrong_login_code_gives_no_tokens(api, account):
    challenge = _password_step(api).json()["challenge_id"]
    right = last_code(SIGNUP_E164)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = api.post(LOGIN_VERIFY, {"challenge_id": challenge, "code": wrong})

    assert response.status_code == 422
    assert response.json()["code"] == "otp_invalid"
    assert RefreshToken.objects.count() == 0


def test_five_wrong_passwords_lock_the_account_for_15_minutes(api, account, moved_clock):
    answers = [_password_step(api, password="Wrong2030ok") for _ in range(5)]

    assert [a.status_code for a in answers] == [401, 401, 401, 401, 423]
    assert answers[4].json()["code"] == "account_locked"
    assert answers[4].json()["details"] == {"retry_after_seconds": 900}

    moved_clock(T0 + dt.timedelta(minutes=14, seconds=59))
    still_locked = _password_step(api)
    assert still_locked.status_code == 423
    assert still_locked.json()["code"] == "account_locked"
    assert still_locked.json()["details"] == {"retry_after_seconds": 1}

    moved_clock(T0 + dt.timedelta(minutes=15))
    assert _password_step(api).status_code == 200


def test_a_right_password_resets_the_count_of_wrong_ones(api, account):
    for _ in range(4):
        _password_step(api, password="Wrong2030ok")
    assert _password_step(api).status_code == 200

    for _ in range(4):
        assert _password_step(api, password="Wrong2030ok").status_code == 401
    assert _password_step(api).status_code == 200


def test_after_the_lock_ends_the_count_starts_again(api, account, moved_clock):
    for _ in range(5):
        _password_step(api, password="Wrong2030ok")
    moved_clock(T0 + dt.timedelta(minutes=16))

    assert _password_step(api, password="Wrong2030ok").status_code == 401
    assert _password_step(api).status_code == 200


def test_login_failures_and_the_lock_are_audited(api, account):
    for _ in range(5):
        _password_step(api, password="Wrong2030ok")
    _password_step(api)
    _password_step(api, username="nobody.here")

    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
    assert actions.count("login.failed") == 6
    assert actions.count("account.locked") == 1
    assert actions.count("login.refused_locked") == 1


def test_one_address_is_throttled_across_accounts(api, account, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    for n in range(3):
        assert _password_step(api, username=f"nobody{n}", ip="10.0.0.7").status_code == 401

    throttled = _password_step(api, ip="10.0.0.7")
    elsewhere = _password_step(api, ip="10.0.0.8")

    assert throttled.status_code == 429
    assert throttled.json()["code"] == "too_many_attempts"
    assert elsewhere.status_code == 200


def test_the_access_token_lives_15_minutes(api, account, moved_clock):
    tokens = login(api)

    moved_clock(T0 + dt.timedelta(minutes=14, seconds=59))
    assert _me(api, tokens["access_token"]).status_code == 200
    moved_clock(T0 + dt.timedelta(minutes=15))
    expired = _me(api, tokens["access_token"])

    assert expired.status_code == 401
    assert expired.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nonsense", "Token abc"])
def test_a_missing_or_forged_token_is_401(api, account, header):
    response = api.get("/api/v1/me", headers={"Authorization": header})

    assert response.status_code == 401


def test_refresh_returns_a_new_pair_and_retires_the_old_one(api, account, moved_clock):
    tokens = login(api)
    moved_clock(T0 + dt.timedelta(minutes=20))

    fresh = api.post(REFRESH, {"refresh_token": tokens["refresh_token"]})
    again = api.post(REFRESH, {"refresh_token": tokens["refresh_token"]})

    assert fresh.status_code == 200
    assert fresh.json()["expires_in"] == 900
    assert fresh.json()["refresh_token"] != tokens["refresh_token"]
    assert _me(api, fresh.json()["access_token"]).status_code == 200
    assert again.status_code == 401
    assert again.json()["code"] == "invalid_token"


def test_refreshing_ends_the_old_access_token(api, account):
    tokens = login(api)

    api.post(REFRESH, {"refresh_token": tokens["refresh_token"]})

    assert _me(api, tokens["access_token"]).status_code == 401


def test_an_unknown_refresh_token_is_401(api, account):
    response = api.post(REFRESH, {"refresh_token": "made-up"})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_logout_revokes_the_refresh_token_and_its_access_token(api, account):
    tokens = login(api)

    out = api.post(LOGOUT, {"refresh_token": tokens["refresh_token"]})

    assert out.status_code == 200
    assert out.json() == {"result": "signed_out"}
    assert api.post(REFRESH, {"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert _me(api, tokens["access_token"]).status_code == 401
    assert api.post(LOGOUT, {"refresh_token": tokens["refresh_token"]}).status_code == 401


def test_logout_everywhere_ends_every_token_of_the_account(api, account, person):
    phone = login(api)
    tablet = login(api)
    other_person = make_person()
    register(api, other_person, username="other.one", mobile="0559998877")
    other = login(api, username="other.one", mobile="+966559998877")

    api.token = phone["access_token"]
    out = api.post(EVERYWHERE)

    assert out.status_code == 200
    assert out.json() == {"result": "signed_out_everywhere"}
    for tokens in (phone, tablet):
        assert _me(api, tokens["access_token"]).status_code == 401
        assert api.post(REFRESH, {"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert _me(api, other["access_token"]).status_code == 200


def test_logout_everywhere_needs_a_token(api, account):
    api.token = ""

    assert api.post(EVERYWHERE).status_code == 401


def test_a_deactivated_account_cannot_sign_in_or_use_its_tokens(api, account):
    tokens = login(api)
    User.objects.filter(pk=account.pk).update(is_active=False)

    assert _me(api, tokens["access_token"]).status_code == 401
    assert api.post(REFRESH, {"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert _password_step(api).status_code == 401
