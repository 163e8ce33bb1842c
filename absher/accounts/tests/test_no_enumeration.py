"""No enumeration: signing in, registering and resetting a password answer an ID (or username)
that has an account and one that has none with the same status and the same bytes — on the API and
on the portal's pages — once the parts that are random by design are taken out (a challenge id,
the form's CSRF token). Each comparison runs the same steps for every case at the same moment, from
its own address and browser, and compares every answer, not only the first.

What the specification itself answers differently is kept and said where it is tested: registering
an ID that has an account, with its right date of birth, is refused with 409 `account_exists`
before any code is sent (SPEC 13). That needs the date of birth; trying dates one after another is
cut short by the daily cap on mismatches per ID, which refuses the right date too once it is
reached."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from absher.accounts.models import OtpChallenge, User
from absher.accounts.services.registration import REGISTRATION_MISMATCHES_PER_ID_PER_DAY
from absher.accounts.tests.support import (
    PASSWORD,
    SIGNUP_E164,
    T0,
    make_person,
    register,
    register_body,
    sms_to,
)
from absher.identity.rules import id_number_with_check_digit
from absher.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "Wrong2030ok"
NEW_PASSWORD = "Najd2031Blue"
OTHER_MOBILE = "0551119988"
OTHER_E164 = "+966551119988"
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _same(answers: dict[str, tuple[int, bytes]]) -> None:
    """Every case got the very same answer; on failure, the differing cases are named."""
    distinct: dict[tuple[int, bytes], list[str]] = {}
    for name, answer in answers.items():
        distinct.setdefault(answer, []).append(name)
    assert len(distinct) == 1, {
        ", ".join(names): (status, body[:300]) for (status, body), names in distinct.items()
    }


def _api_answer(response: Any) -> tuple[int, bytes]:
    """Status and raw body, with the challenge id (random by design) blanked out."""
    body = response.content
    if response.get("Content-Type", "").startswith("application/json"):
        challenge_id = response.json().get("challenge_id")
        if challenge_id:
            body = body.replace(challenge_id.encode(), b"<challenge>")
    return response.status_code, body


def _page_answer(response: Any) -> tuple[int, bytes]:
    return response.status_code, CSRF.sub(b'name="csrfmiddlewaretoken" value=""', response.content)


@pytest.fixture
def people(api, moved_clock) -> dict[str, Any]:
    """Two accounts (one signed in with by username, one by ID number), a registry person without
    an account, and IDs that the registry does not have."""
    moved_clock(T0)
    with_account = make_person()
    register(api, with_account)
    second = make_person(date_of_birth=dt.date(1985, 1, 2))
    register(api, second, username="second.user", mobile=OTHER_MOBILE)
    return {
        "with_account": with_account,
        "second": second,
        "without_account": make_person(date_of_birth=dt.date(1979, 7, 7)),
        "unknown_id": id_number_with_check_digit("177777777"),
        "other_unknown_id": id_number_with_check_digit("166666666"),
    }


# --- signing in -----------------------------------------------------------------------------------


def test_sign_in_answers_an_account_and_no_account_alike_up_to_the_lock_and_after(
    api, people, moved_clock
):
    identifiers = {
        "account, by username": "saad.q",
        "account, by ID number": people["second"].id_number,
        "no such username": "nobody.here",
        "ID not in the registry": people["unknown_id"],
        "registry person without an account": people["without_account"].id_number,
    }
    addresses = {name: f"10.0.0.{n}" for n, name in enumerate(identifiers, start=1)}

    def round_of(password: str) -> dict[str, tuple[int, bytes]]:
        return {
            name: _api_answer(
                api.post(
                    "/api/v1/auth/login",
                    {"username": identifier, "password": password},
                    ip=addresses[name],
                )
            )
            for name, identifier in identifiers.items()
        }

    rounds = [round_of(WRONG_PASSWORD) for _ in range(5)]
    # Locked: even the accounts' right password is refused like any other.
    rounds.append(round_of(PASSWORD))
    moved_clock(T0 + dt.timedelta(minutes=15))
    rounds.append(round_of(WRONG_PASSWORD))

    for answers in rounds:
        _same(answers)
    statuses = [next(iter(answers.values()))[0] for answers in rounds]
    assert statuses == [401, 401, 401, 401, 423, 423, 401]
    assert b'"retry_after_seconds": 900' in next(iter(rounds[4].values()))[1]


def test_sign_in_answers_alike_in_arabic_too(api, people):
    answers = {
        name: _api_answer(
            api.post(
                "/api/v1/auth/login",
                {"username": identifier, "password": WRONG_PASSWORD},
                headers={"Accept-Language": "ar"},
            )
        )
        for name, identifier in {"account": "saad.q", "none": "nobody.here"}.items()
    }

    _same(answers)


def test_the_sign_in_page_answers_alike(people):
    identifiers = {"account": "saad.q", "no such username": "nobody.here"}
    browsers = {name: Client(REMOTE_ADDR=f"10.0.1.{n}") for n, name in enumerate(identifiers)}

    pages = []
    for _ in range(6):
        answers = {}
        for name, identifier in identifiers.items():
            status, body = _page_answer(
                browsers[name].post(
                    "/login/", {"identifier": identifier, "password": WRONG_PASSWORD}
                )
            )
            # The form shows back what was typed: the identifiers differ by design.
            answers[name] = (status, body.replace(identifier.encode(), b"<identifier>"))
        _same(answers)
        pages.append(answers["account"][1].decode())

    locked = "تم إيقاف الحساب مؤقتًا بسبب تكرار إدخال كلمة مرور خاطئة"
    assert [locked in page for page in pages] == [False] * 4 + [True] * 2


# --- password reset -------------------------------------------------------------------------------


def _reset_cases(people: dict[str, Any]) -> dict[str, dict[str, str]]:
    with_account = people["with_account"]
    without = people["without_account"]
    return {
        "account": {
            "id_number": with_account.id_number,
            "date_of_birth": with_account.date_of_birth.isoformat(),
        },
        "account's ID, wrong date": {
            "id_number": with_account.id_number,
            "date_of_birth": "1991-01-01",
        },
        "ID not in the registry": {
            "id_number": people["unknown_id"],
            "date_of_birth": "1990-05-17",
        },
        "registry person without an account": {
            "id_number": without.id_number,
            "date_of_birth": without.date_of_birth.isoformat(),
        },
    }


def test_password_reset_answers_alike_at_every_step(api, people, moved_clock):
    cases = _reset_cases(people)
    texts_before = SmsMessage.objects.count()

    def each(send: Any) -> dict[str, tuple[int, bytes]]:
        return {name: _api_answer(send(name)) for name in cases}

    started = {name: api.post("/api/v1/auth/password-reset", body) for name, body in cases.items()}
    challenges = {name: response.json()["challenge_id"] for name, response in started.items()}
    steps = [{name: _api_answer(response) for name, response in started.items()}]

    def resend(name: str) -> Any:
        return api.post("/api/v1/auth/otp/resend", {"challenge_id": challenges[name]})

    def verify(code: str, new_password: str = NEW_PASSWORD) -> Any:
        return lambda name: api.post(
            "/api/v1/auth/password-reset/verify",
            {"challenge_id": challenges[name], "code": code, "new_password": new_password},
        )

    steps.append(each(resend))  # too soon
    moved_clock(T0 + dt.timedelta(seconds=60))
    steps.append(each(resend))  # a new code (or, for nobody, nothing)
    steps.append(each(verify("000000", new_password="weak")))  # the password first
    steps.append(each(verify("000000")))  # 2 tries left
    steps.append(each(verify("000001")))  # 1 try left
    steps.append(each(verify("000002")))  # burned
    steps.append(each(verify("000003")))  # stays burned

    for answers in steps:
        _same(answers)
    first = started["account"].json()
    assert first["sent_to"] == ""
    assert [answers["account"][0] for answers in steps] == [200, 429, 200, 422, 422, 422, 422, 422]
    # Only the account's mobile was texted: the first code and the re-sent one.
    assert SmsMessage.objects.count() - texts_before == 2
    assert len(sms_to(SIGNUP_E164)) == 1 + 2


def test_asking_again_supersedes_the_first_code_for_everyone(api, people):
    cases = _reset_cases(people)
    first = {name: api.post("/api/v1/auth/password-reset", body) for name, body in cases.items()}
    second = {name: api.post("/api/v1/auth/password-reset", body) for name, body in cases.items()}

    stale = {
        name: _api_answer(
            api.post(
                "/api/v1/auth/password-reset/verify",
                {
                    "challenge_id": response.json()["challenge_id"],
                    "code": "000000",
                    "new_password": NEW_PASSWORD,
                },
            )
        )
        for name, response in first.items()
    }

    _same({name: _api_answer(response) for name, response in second.items()})
    _same(stale)
    assert next(iter(stale.values()))[0] == 422
    assert b"otp_superseded" in next(iter(stale.values()))[1]


def test_password_reset_reaches_the_sending_cap_alike(api, people):
    """The sixth unverified code in an hour is refused whether or not there is a number behind it
    (the decoy stands in for one), with the same wait."""
    cases = {
        name: body
        for name, body in _reset_cases(people).items()
        if name in ("account", "ID not in the registry", "registry person without an account")
    }

    rounds = [
        {
            name: _api_answer(api.post("/api/v1/auth/password-reset", body))
            for name, body in cases.items()
        }
        for _ in range(6)
    ]

    for answers in rounds:
        _same(answers)
    assert [next(iter(answers.values()))[0] for answers in rounds] == [200] * 5 + [429]
    assert b"otp_send_limit" in next(iter(rounds[5].values()))[1]


def test_reset_requests_with_wrong_dates_do_not_use_up_the_ids_sign_in_codes(api, people):
    """Anyone who knows an ID may ask for resets with any date. That fills the ID's cap for reset
    codes — as it would with the right date — and leaves its sign-in codes alone."""
    id_number = people["with_account"].id_number

    asked = [
        api.post(
            "/api/v1/auth/password-reset",
            {"id_number": id_number, "date_of_birth": f"1960-01-{n + 1:02d}"},
        ).status_code
        for n in range(11)
    ]
    signed_in = api.post("/api/v1/auth/login", {"username": "saad.q", "password": PASSWORD})

    assert asked == [200] * 10 + [429]
    assert signed_in.status_code == 200


def test_a_decoy_never_accepts_a_code_and_changes_no_account(api, people):
    user = User.objects.get(username="saad.q")
    started = api.post(
        "/api/v1/auth/password-reset",
        {"id_number": people["with_account"].id_number, "date_of_birth": "1991-01-01"},
    )
    challenge = OtpChallenge.objects.get(public_id=started.json()["challenge_id"])

    answers = [
        api.post(
            "/api/v1/auth/password-reset/verify",
            {
                "challenge_id": str(challenge.public_id),
                "code": f"{n:06d}",
                "new_password": NEW_PASSWORD,
            },
        ).json()["code"]
        for n in range(3)
    ]

    assert answers == ["otp_invalid", "otp_invalid", "otp_burned"]
    assert challenge.mobile == ""
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_password_reset_pages_answer_alike(people):
    cases = _reset_cases(people)
    browsers = {name: Client() for name in cases}

    def each(path: str, data: dict[str, str] | None = None) -> dict[str, tuple[int, bytes]]:
        answers = {}
        for name, browser in browsers.items():
            response = browser.post(path, data or {**cases[name], "calendar": "gregorian"})
            answers[name] = (response.status_code, response.get("Location", "").encode())
            if response.status_code != 302:
                answers[name] = _page_answer(response)
        return answers

    started = each("/password-reset/")
    code_pages = {
        name: _page_answer(browser.get("/password-reset/verify/"))
        for name, browser in browsers.items()
    }
    wrong_code = {
        "code": "000000",
        "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD,
    }
    refused = each("/password-reset/verify/", wrong_code)

    _same(started)
    _same(code_pages)
    _same(refused)
    assert started["account"] == (302, b"/password-reset/verify/")
    assert "إذا كان رقم الهوية وتاريخ الميلاد مطابقَين لحساب" in code_pages["account"][1].decode()
    assert "•" not in code_pages["account"][1].decode()


# --- registering ----------------------------------------------------------------------------------


def test_registration_answers_an_unknown_id_and_a_wrong_date_alike(api, people):
    """An unknown ID, an ID with an account and one without, each with a wrong date of birth: the
    same 422 `identity_mismatch`. (With the right date, an ID that has an account gets 409
    `account_exists` before any code is sent — SPEC 13 says so; see the module's docstring.)"""
    with_account = people["with_account"]
    without = people["without_account"]
    cases = {
        "ID not in the registry": {"id_number": people["unknown_id"]},
        "ID with an account, wrong date": {"id_number": with_account.id_number},
        "ID without an account, wrong date": {"id_number": without.id_number},
    }
    body = register_body(with_account, username="new.person", date_of_birth="1991-01-01")
    texts_before = SmsMessage.objects.count()

    answers = {
        name: _api_answer(api.post("/api/v1/auth/register", {**body, **case}))
        for name, case in cases.items()
    }
    exists = api.post("/api/v1/auth/register", register_body(with_account, username="new.person"))

    _same(answers)
    assert next(iter(answers.values()))[0] == 422
    assert b"identity_mismatch" in next(iter(answers.values()))[1]
    assert exists.status_code == 409
    assert exists.json()["code"] == "account_exists"
    assert SmsMessage.objects.count() == texts_before


def test_dates_of_birth_cannot_be_tried_one_after_another(api, people):
    """Past the daily cap of mismatches, a known ID — even with its right date — and an unknown ID
    get the same refusal."""
    with_account = people["with_account"]
    without = people["without_account"]
    ids = {
        "ID with an account": with_account.id_number,
        "ID without an account": without.id_number,
        "ID not in the registry": people["unknown_id"],
    }
    right_dates = {
        "ID with an account": with_account.date_of_birth.isoformat(),
        "ID without an account": without.date_of_birth.isoformat(),
        "ID not in the registry": "1990-05-17",
    }
    body = register_body(with_account, username="new.person")

    tries = [
        {
            name: _api_answer(
                api.post(
                    "/api/v1/auth/register",
                    {**body, "id_number": id_number, "date_of_birth": f"1960-01-{day + 1:02d}"},
                )
            )
            for name, id_number in ids.items()
        }
        for day in range(REGISTRATION_MISMATCHES_PER_ID_PER_DAY)
    ]
    right = {
        name: _api_answer(
            api.post(
                "/api/v1/auth/register",
                {**body, "id_number": id_number, "date_of_birth": right_dates[name]},
            )
        )
        for name, id_number in ids.items()
    }

    for answers in tries:
        _same(answers)
    _same(right)
    assert right["ID with an account"][0] == 429
    assert b"too_many_attempts" in right["ID with an account"][1]
    assert not OtpChallenge.objects.filter(purpose="register", status="pending").exists()


def test_the_registration_page_answers_alike(people):
    with_account = people["with_account"]
    form = {
        **register_body(with_account, username="new.person", date_of_birth="1991-01-01"),
        "password_again": PASSWORD,
        "calendar": "gregorian",
    }
    cases = {
        "ID not in the registry": people["unknown_id"],
        "ID with an account, wrong date": with_account.id_number,
    }

    answers = {
        name: _page_answer(Client().post("/register/", {**form, "id_number": id_number}))
        for name, id_number in cases.items()
    }

    # The form shows what was typed: the ID numbers differ by design and are blanked out.
    _same(
        {
            name: (status, body.replace(cases[name].encode(), b"<id>"))
            for name, (status, body) in answers.items()
        }
    )
    assert "لا يطابقان" in answers["ID not in the registry"][1].decode()
