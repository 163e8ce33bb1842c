"""Races, with real threads and real separate PostgreSQL connections: one code verified at once
from several connections, a burst of wrong guesses, two registrations of the same ID."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from absher.accounts.constants import OtpPurpose
from absher.accounts.models import OtpChallenge, User
from absher.accounts.services.otp import otp_issue, otp_verify
from absher.accounts.services.registration import registration_complete, registration_start
from absher.accounts.tests.support import PASSWORD, last_code, make_person, other_code
from absher.core.errors import ApplicationError

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_truncate_allowed"),
]

MOBILE = "+966551112233"


def _race(work: Callable[[int], Any], threads: int) -> list[str]:
    """Runs `work(n)` in `threads` threads released together; each outcome is "ok" or the
    refusal's code. Every thread closes its own connection."""
    barrier = threading.Barrier(threads)
    outcomes: list[str] = [""] * threads

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(n)
            outcomes[n] = "ok"
        except ApplicationError as refusal:
            outcomes[n] = refusal.code
        except Exception as error:  # reported in the assertions on the outcomes
            outcomes[n] = f"crash: {error!r}"
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


def _challenge() -> tuple[str, str]:
    # Autocommit: the issuing transaction commits, its on-commit delivery writes the outbox row.
    challenge = otp_issue(purpose=OtpPurpose.LOGIN, subject="user:race", mobile=MOBILE)
    return str(challenge.public_id), last_code(MOBILE)


@pytest.mark.parametrize("threads", [2, 10])
def test_the_same_code_verified_at_once_succeeds_exactly_once(threads):
    challenge_id, code = _challenge()

    outcomes = _race(
        lambda n: otp_verify(challenge_id=challenge_id, code=code, purpose=OtpPurpose.LOGIN),
        threads,
    )

    assert Counter(outcomes) == {"ok": 1, "otp_used": threads - 1}
    row = OtpChallenge.objects.get(public_id=challenge_id)
    assert row.status == "verified"
    assert row.attempts == 0


def test_twenty_wrong_guesses_at_once_count_three_tries_and_never_succeed():
    challenge_id, code = _challenge()
    wrong = [other_code(code)]
    for _ in range(19):
        wrong.append(other_code(wrong[-1]))

    outcomes = _race(
        lambda n: otp_verify(challenge_id=challenge_id, code=wrong[n], purpose=OtpPurpose.LOGIN),
        20,
    )

    assert Counter(outcomes) == {"otp_invalid": 2, "otp_burned": 18}
    row = OtpChallenge.objects.get(public_id=challenge_id)
    assert row.attempts == 3
    assert row.status == "burned"
    with pytest.raises(ApplicationError) as refused:
        otp_verify(challenge_id=challenge_id, code=code, purpose=OtpPurpose.LOGIN)
    assert refused.value.code == "otp_burned"


def test_two_registrations_of_the_same_id_at_once_make_exactly_one_account():
    person = make_person()
    mobiles = ["+966551110001", "+966551110002"]

    def register(n: int) -> None:
        challenge = registration_start(
            id_number=person.id_number,
            date_of_birth=person.date_of_birth.isoformat(),
            calendar="gregorian",
            username=f"racer{n}",
            password=PASSWORD,
            mobile=mobiles[n],
        )
        registration_complete(challenge_id=str(challenge.public_id), code=last_code(mobiles[n]))

    outcomes = _race(register, 2)

    assert User.objects.filter(person=person).count() == 1
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} <= {"account_exists", "otp_superseded"}
    assert OtpChallenge.objects.filter(purpose="register", status="pending").count() == 0


def test_verifying_two_live_registrations_of_one_id_at_once_makes_one_account():
    """Each registration sits behind its own code (two numbers, two challenges created one after
    the other would supersede; so the second is created under another subject by hand)."""
    person = make_person()
    codes = []
    challenges = []
    for n, mobile in enumerate(["+966551110003", "+966551110004"]):
        challenge = otp_issue(
            purpose=OtpPurpose.REGISTER,
            subject=f"register:{person.id_number}:{n}",
            mobile=mobile,
            id_number=person.id_number,
            payload={
                "person_id": person.pk,
                "username": f"twin{n}",
                "password_hash": "!",
                "mobile": mobile,
                "email": "",
                "language": "ar",
            },
        )
        challenges.append(str(challenge.public_id))
        codes.append(last_code(mobile))

    outcomes = _race(lambda n: registration_complete(challenge_id=challenges[n], code=codes[n]), 2)

    assert sorted(outcomes) == ["account_exists", "ok"]
    assert User.objects.filter(person=person).count() == 1


def test_one_username_taken_at_once_by_two_people_makes_one_account():
    people = [make_person(), make_person()]
    mobiles = ["+966551110005", "+966551110006"]
    challenges = []
    for n, someone in enumerate(people):
        challenge = registration_start(
            id_number=someone.id_number,
            date_of_birth=someone.date_of_birth.isoformat(),
            calendar="gregorian",
            username="Popular.Name" if n else "popular.name",
            password=PASSWORD,
            mobile=mobiles[n],
        )
        challenges.append((str(challenge.public_id), last_code(mobiles[n])))

    outcomes = _race(
        lambda n: registration_complete(challenge_id=challenges[n][0], code=challenges[n][1]), 2
    )

    assert sorted(outcomes) == ["ok", "username_taken"]
    assert User.objects.filter(username__iexact="popular.name").count() == 1


def test_two_requests_for_a_new_code_at_once_leave_one_live_code():
    outcomes = _race(
        lambda n: otp_issue(
            purpose=OtpPurpose.LOGIN, subject="user:twice", mobile=f"+96655111001{n}"
        ),
        2,
    )

    assert outcomes == ["ok", "ok"]
    statuses = sorted(
        OtpChallenge.objects.filter(subject="user:twice").values_list("status", flat=True)
    )
    assert statuses == ["pending", "superseded"]
