"""Guessing a code in parallel, with real threads and separate PostgreSQL connections: however many
wrong guesses arrive at once, they count as at most 3 tries, none succeeds, and the right code
afterwards fails too (the challenge is burned). Through the sign-in flow as well, so that the
answer an attacker sees is the one the service gives."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from absher.accounts.constants import OtpPurpose, OtpStatus
from absher.accounts.models import OtpChallenge, RefreshToken, User
from absher.accounts.services.login import login_complete, login_start
from absher.accounts.services.otp import otp_issue, otp_verify
from absher.accounts.services.password_reset import password_reset_start
from absher.accounts.tests.support import PASSWORD, last_code, make_person
from absher.audit.models import AuditEvent
from absher.core.errors import ApplicationError

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_truncate_allowed"),
]

GUESSERS = 50
MOBILE = "+966551112299"


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
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers), "a guess never finished"
    return outcomes


def _wrong_codes(right: str, count: int) -> list[str]:
    """`count` different codes, none of them the right one."""
    return [f"{(int(right) + n) % 1_000_000:06d}" for n in range(1, count + 1)]


def test_fifty_wrong_guesses_at_once_count_three_tries_and_the_right_code_then_fails():
    challenge = otp_issue(purpose=OtpPurpose.LOGIN, subject="user:guessed", mobile=MOBILE)
    challenge_id = str(challenge.public_id)
    right = last_code(MOBILE)
    wrong = _wrong_codes(right, GUESSERS)

    outcomes = _race(
        lambda n: otp_verify(challenge_id=challenge_id, code=wrong[n], purpose=OtpPurpose.LOGIN),
        GUESSERS,
    )

    # The first two wrong tries say how many are left, the third burns the challenge, and every
    # later guess finds it burned: 50 guesses, 3 tries.
    assert Counter(outcomes) == {"otp_invalid": 2, "otp_burned": GUESSERS - 2}
    row = OtpChallenge.objects.get(public_id=challenge_id)
    assert row.attempts == 3
    assert row.status == OtpStatus.BURNED
    assert row.verified_at is None
    assert AuditEvent.objects.filter(action="otp.burned", subject_id=challenge_id).count() == 1

    with pytest.raises(ApplicationError) as refused:
        otp_verify(challenge_id=challenge_id, code=right, purpose=OtpPurpose.LOGIN)
    assert refused.value.code == "otp_burned"
    assert OtpChallenge.objects.get(public_id=challenge_id).status == OtpStatus.BURNED


def test_fifty_wrong_sign_in_codes_at_once_give_no_token_and_burn_the_code():
    person = make_person(mobile=MOBILE)
    account = User(username="guessed.one", person=person, mobile=MOBILE)
    account.set_password(PASSWORD)
    account.save()
    challenge_id = str(login_start(identifier="guessed.one", password=PASSWORD).public_id)
    right = last_code(MOBILE)
    wrong = _wrong_codes(right, GUESSERS)

    outcomes = _race(lambda n: login_complete(challenge_id=challenge_id, code=wrong[n]), GUESSERS)

    assert Counter(outcomes) == {"otp_invalid": 2, "otp_burned": GUESSERS - 2}
    with pytest.raises(ApplicationError) as refused:
        login_complete(challenge_id=challenge_id, code=right)
    assert refused.value.code == "otp_burned"
    assert OtpChallenge.objects.get(public_id=challenge_id).attempts == 3
    assert not RefreshToken.objects.exists()
    assert not AuditEvent.objects.filter(action="login.succeeded").exists()


def test_fifty_guesses_at_a_decoy_reset_answer_as_a_real_one_and_never_succeed():
    """A password reset for an ID without an account hands out a decoy challenge; guessing it in
    parallel gives exactly the answers a real challenge gives."""
    challenge = password_reset_start(
        id_number=make_person().id_number, date_of_birth="1970-01-01", calendar="gregorian"
    )
    challenge_id = str(challenge.public_id)
    guesses = [f"{n:06d}" for n in range(GUESSERS)]

    outcomes = _race(
        lambda n: otp_verify(
            challenge_id=challenge_id, code=guesses[n], purpose=OtpPurpose.PASSWORD_RESET
        ),
        GUESSERS,
    )

    assert Counter(outcomes) == {"otp_invalid": 2, "otp_burned": GUESSERS - 2}
    row = OtpChallenge.objects.get(public_id=challenge_id)
    assert (row.attempts, row.status) == (3, OtpStatus.BURNED)
