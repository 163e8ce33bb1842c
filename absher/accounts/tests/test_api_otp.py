"""Verification codes through the API: wrong, burned, expired, reused, of another purpose,
re-sent, superseded, and the SMS-pumping caps."""

import datetime as dt

import pytest

from absher.accounts.models import OtpChallenge, User
from absher.accounts.tests.support import (
    SIGNUP_E164,
    T0,
    last_code,
    login,
    make_person,
    other_code,
    register,
    register_body,
    sms_to,
)
from absher.notifications.models import OutboxSms

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
VERIFY = "/api/v1/auth/register/verify"
RESEND = "/api/v1/auth/otp/resend"


@pytest.fixture
def challenge(api, person, moved_clock) -> str:
    moved_clock(T0)
    response = api.post(REGISTER, register_body(person))
    assert response.status_code == 201
    return response.json()["challenge_id"]


def _verify(api, challenge_id: str, code: str):
    return api.post(VERIFY, {"challenge_id": challenge_id, "code": code})


def test_a_wrong_code_is_refused_with_the_tries_left(api, challenge):
    right = last_code(SIGNUP_E164)

    first = _verify(api, challenge, other_code(right))
    second = _verify(api, challenge, other_code(other_code(right)))

    assert first.status_code == 422
    assert first.json()["code"] == "otp_invalid"
    assert first.json()["details"] == {"attempts_left": 2}
    assert second.json()["details"] == {"attempts_left": 1}
    assert User.objects.count() == 0


def test_three_wrong_codes_burn_the_challenge_and_then_the_right_code_fails_too(api, challenge):
    right = last_code(SIGNUP_E164)
    _verify(api, challenge, other_code(right))
    _verify(api, challenge, other_code(right))

    third = _verify(api, challenge, other_code(right))
    after = _verify(api, challenge, right)

    assert third.status_code == 422
    assert third.json()["code"] == "otp_burned"
    assert after.status_code == 422
    assert after.json()["code"] == "otp_burned"
    assert OtpChallenge.objects.get(public_id=challenge).attempts == 3
    assert User.objects.count() == 0


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 56"])
def test_malformed_codes_count_as_wrong(api, challenge, typed):
    response = _verify(api, challenge, typed)

    assert response.json()["code"] == "otp_invalid"
    assert OtpChallenge.objects.get(public_id=challenge).attempts == 1


def test_the_code_typed_in_arabic_indic_digits_is_accepted(api, challenge):
    code = last_code(SIGNUP_E164).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    assert _verify(api, challenge, code).status_code == 201


def test_a_code_works_until_three_minutes_and_not_after(api, challenge, moved_clock):
    code = last_code(SIGNUP_E164)

    moved_clock(T0 + dt.timedelta(minutes=3))
    expired = _verify(api, challenge, code)
    moved_clock(T0 + dt.timedelta(minutes=2, seconds=59))
    in_time = _verify(api, challenge, code)

    assert expired.status_code == 422
    assert expired.json()["code"] == "otp_expired"
    assert in_time.status_code == 201


def test_a_used_code_never_works_again(api, challenge):
    code = last_code(SIGNUP_E164)
    assert _verify(api, challenge, code).status_code == 201

    again = _verify(api, challenge, code)

    assert again.status_code == 422
    assert again.json()["code"] == "otp_used"
    assert User.objects.count() == 1


def test_a_challenge_of_another_purpose_is_not_found(api, person):
    register(api, person)
    started = api.post("/api/v1/auth/login", {"username": "saad.q", "password": "Sahara2030ok"})
    login_challenge = started.json()["challenge_id"]

    response = _verify(api, login_challenge, last_code(SIGNUP_E164))

    assert response.status_code == 404
    assert response.json()["code"] == "challenge_not_found"
    assert OtpChallenge.objects.get(public_id=login_challenge).status == "pending"


@pytest.mark.parametrize("challenge_id", ["not-a-uuid", "6f1c2c2e-0000-4000-8000-000000000000"])
def test_an_unknown_challenge_is_not_found(api, challenge_id):
    response = _verify(api, challenge_id, "123456")

    assert response.status_code == 404
    assert response.json()["code"] == "challenge_not_found"


def test_resend_waits_60_seconds_and_says_how_long(api, challenge, moved_clock):
    moved_clock(T0 + dt.timedelta(seconds=45))

    response = api.post(RESEND, {"challenge_id": challenge})

    assert response.status_code == 429
    assert response.json()["code"] == "otp_resend_too_soon"
    assert response.json()["details"] == {"retry_after_seconds": 15}
    assert len(sms_to(SIGNUP_E164)) == 1


def test_resend_sends_a_new_code_that_replaces_the_old_one(api, challenge, moved_clock):
    old = last_code(SIGNUP_E164)
    moved_clock(T0 + dt.timedelta(seconds=60))

    resent = api.post(RESEND, {"challenge_id": challenge})
    new = last_code(SIGNUP_E164)

    assert resent.status_code == 200
    assert resent.json()["challenge_id"] == challenge
    assert len(sms_to(SIGNUP_E164)) == 2
    if new != old:  # one chance in a million that the fresh code repeats the old one
        refused = _verify(api, challenge, old)
        assert refused.json()["code"] == "otp_invalid"
    assert _verify(api, challenge, new).status_code == 201


def test_resend_restarts_the_three_minutes(api, challenge, moved_clock):
    moved_clock(T0 + dt.timedelta(minutes=2))
    api.post(RESEND, {"challenge_id": challenge})
    code = last_code(SIGNUP_E164)

    moved_clock(T0 + dt.timedelta(minutes=4))

    assert _verify(api, challenge, code).status_code == 201


def test_a_used_challenge_cannot_be_resent(api, challenge, moved_clock):
    _verify(api, challenge, last_code(SIGNUP_E164))
    moved_clock(T0 + dt.timedelta(minutes=2))

    response = api.post(RESEND, {"challenge_id": challenge})

    assert response.json()["code"] == "otp_used"


def test_a_new_challenge_for_the_same_registration_voids_the_previous_one(api, person, challenge):
    first_code = last_code(SIGNUP_E164)

    second = api.post(REGISTER, register_body(person))
    stale = _verify(api, challenge, first_code)
    fresh = _verify(api, second.json()["challenge_id"], last_code(SIGNUP_E164))

    assert stale.status_code == 422
    assert stale.json()["code"] == "otp_superseded"
    assert fresh.status_code == 201


# --- SMS-pumping caps ---------------------------------------------------------------------------


def _start(api, person, mobile: str = "0551112233"):
    username = f"user{person.id_number}"
    return api.post(REGISTER, register_body(person, mobile=mobile, username=username))


def test_a_number_gets_at_most_five_unverified_codes_an_hour(api, moved_clock):
    moved_clock(T0)
    people = [make_person() for _ in range(6)]
    for someone in people[:5]:
        assert _start(api, someone).status_code == 201

    refused = _start(api, people[5])

    assert refused.status_code == 429
    assert refused.json()["code"] == "otp_send_limit"
    assert refused.json()["details"] == {"retry_after_seconds": 55 * 60}
    assert len(sms_to(SIGNUP_E164)) == 5
    assert OtpChallenge.objects.count() == 5


def test_the_number_cap_opens_again_in_the_next_hour(api, moved_clock):
    moved_clock(T0)
    people = [make_person() for _ in range(6)]
    for someone in people[:5]:
        _start(api, someone)

    moved_clock(T0 + dt.timedelta(minutes=55))

    assert _start(api, people[5]).status_code == 201


def test_verified_codes_do_not_count_against_the_cap(api, moved_clock):
    moved_clock(T0)
    people = [make_person() for _ in range(7)]
    for someone in people[:4]:
        assert _start(api, someone).status_code == 201
    register(api, people[4])  # the fifth code, verified: it gives its place back

    sixth = _start(api, people[5])
    seventh = _start(api, people[6])

    assert sixth.status_code == 201
    assert seventh.status_code == 429
    assert seventh.json()["code"] == "otp_send_limit"


def test_resends_count_against_the_cap(api, person, moved_clock):
    moved_clock(T0)
    challenge = _start(api, person).json()["challenge_id"]
    for minute in range(1, 5):
        moved_clock(T0 + dt.timedelta(minutes=minute))
        assert api.post(RESEND, {"challenge_id": challenge}).status_code == 200

    moved_clock(T0 + dt.timedelta(minutes=5))
    refused = api.post(RESEND, {"challenge_id": challenge})

    assert refused.status_code == 429
    assert refused.json()["code"] == "otp_send_limit"


def test_an_id_gets_at_most_ten_unverified_codes_a_day(api, person, moved_clock):
    moved_clock(T0)
    mobiles = [f"05511100{n:02d}" for n in range(11)]
    for mobile in mobiles[:10]:
        assert _start(api, person, mobile).status_code == 201

    refused = _start(api, person, mobiles[10])

    assert refused.status_code == 429
    assert refused.json()["code"] == "otp_send_limit"
    assert OutboxSms.objects.filter(to="+9665511100" + "10").count() == 0


def test_the_login_code_is_capped_too_but_the_password_step_stays_honest(api, person, moved_clock):
    moved_clock(T0)
    register(api, person)
    for _ in range(5):
        response = api.post(
            "/api/v1/auth/login", {"username": "saad.q", "password": "Sahara2030ok"}
        )
        assert response.status_code == 200

    refused = api.post("/api/v1/auth/login", {"username": "saad.q", "password": "Sahara2030ok"})

    assert refused.status_code == 429
    assert refused.json()["code"] == "otp_send_limit"
    assert User.objects.get(username="saad.q").failed_login_count == 0


def test_a_login_code_verified_frees_its_place(api, person, moved_clock):
    moved_clock(T0)
    register(api, person)
    for _ in range(4):
        api.post("/api/v1/auth/login", {"username": "saad.q", "password": "Sahara2030ok"})

    login(api)

    assert (
        api.post(
            "/api/v1/auth/login", {"username": "saad.q", "password": "Sahara2030ok"}
        ).status_code
        == 200
    )
