"""A hypothesis state machine drives the OTP service itself — request, resend, verify with the
right code, an old code, another challenge's code or a wrong one, for the right or another purpose
and subject, while time moves — against a small model of what SPEC 4 and 13 promise. Whatever the
sequence, no code is accepted twice, after it expired, after its challenge was burned or
superseded, or for another purpose or subject, and no challenge takes more than 3 wrong tries."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from absher.accounts.constants import OtpPurpose, OtpStatus
from absher.accounts.models import OtpChallenge
from absher.accounts.services.otp import otp_issue, otp_resend, otp_verify
from absher.core import clock
from absher.core.errors import ApplicationError
from absher.notifications.models import OutboxSms

START = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
TTL = dt.timedelta(minutes=3)
COOL_DOWN = dt.timedelta(seconds=60)
MAX_WRONG = 3
PURPOSES = [OtpPurpose.LOGIN, OtpPurpose.ACTIVATE]
MOBILES = {"user:1": "+966500000001", "user:2": "+966500000002"}
SUBJECTS = list(MOBILES)
FINAL_REFUSALS = {
    OtpStatus.VERIFIED: "otp_used",
    OtpStatus.BURNED: "otp_burned",
    OtpStatus.SUPERSEDED: "otp_superseded",
}


@dataclass
class Expected:
    """What the service should believe about one challenge."""

    purpose: str
    subject: str
    code: str
    expires_at: dt.datetime
    last_sent_at: dt.datetime
    status: str = OtpStatus.PENDING
    attempts: int = 0
    accepted: int = 0
    old_codes: list[str] = field(default_factory=list)


def _code_sent_to(mobile: str) -> str:
    body = OutboxSms.objects.filter(to=mobile).order_by("-id").values_list("body", flat=True)[0]
    found = re.search(r"\b(\d{6})\b", body)
    assert found is not None, body
    return found.group(1)


class OtpMachine(RuleBasedStateMachine):
    challenges = Bundle("challenges")

    def __init__(self) -> None:
        super().__init__()
        # Each run gets a savepoint inside the test's transaction and rolls it back in teardown,
        # so runs do not see each other's rows. The SMS that carries a code leaves through
        # `transaction.on_commit`, which never fires inside a test transaction; every call runs in
        # Django's `TestCase.captureOnCommitCallbacks(execute=True)` (a classmethod, usable
        # outside a TestCase), which runs those callbacks as the call returns, as a real commit
        # would. That keeps the machine fast on SQLite; `transaction=True` would flush every table
        # after each of the hundreds of runs.
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        cache.clear()
        self.now = START
        clock.set_override(self.now)
        self.model: dict[str, Expected] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)
        clock.set_override(None)

    def _call(self, function: Any, **arguments: Any) -> tuple[Any, ApplicationError | None]:
        with TestCase.captureOnCommitCallbacks(execute=True):
            try:
                return function(**arguments), None
            except ApplicationError as refusal:
                return None, refusal

    # --- rules ----------------------------------------------------------------------------------

    @rule(target=challenges, purpose=st.sampled_from(PURPOSES), subject=st.sampled_from(SUBJECTS))
    def request(self, purpose: str, subject: str) -> str:
        challenge, refusal = self._call(
            otp_issue, purpose=purpose, subject=subject, mobile=MOBILES[subject]
        )
        assert refusal is None, refusal
        for expected in self.model.values():
            if (expected.purpose, expected.subject, expected.status) == (
                purpose,
                subject,
                OtpStatus.PENDING,
            ):
                expected.status = OtpStatus.SUPERSEDED
        challenge_id = str(challenge.public_id)
        self.model[challenge_id] = Expected(
            purpose=purpose,
            subject=subject,
            code=_code_sent_to(MOBILES[subject]),
            expires_at=self.now + TTL,
            last_sent_at=self.now,
        )
        return challenge_id

    @rule(challenge_id=challenges, purpose=st.sampled_from([None, *PURPOSES]))
    def resend(self, challenge_id: str, purpose: str | None) -> None:
        expected = self.model[challenge_id]
        _result, refusal = self._call(otp_resend, challenge_id=challenge_id, purpose=purpose)
        if purpose is not None and purpose != expected.purpose:
            assert refusal is not None
            assert refusal.code == "challenge_not_found"
        elif expected.status != OtpStatus.PENDING:
            assert refusal is not None
            assert refusal.code == FINAL_REFUSALS[expected.status]
        elif self.now < expected.last_sent_at + COOL_DOWN:
            assert refusal is not None
            assert refusal.code == "otp_resend_too_soon"
            wait = (expected.last_sent_at + COOL_DOWN - self.now).total_seconds()
            assert refusal.extra == {"retry_after_seconds": math.ceil(wait)}
        else:
            assert refusal is None, refusal
            expected.old_codes.append(expected.code)
            expected.code = _code_sent_to(MOBILES[expected.subject])
            expected.last_sent_at = self.now
            expected.expires_at = self.now + TTL

    @rule(
        challenge_id=challenges,
        purpose=st.sampled_from(PURPOSES),
        subject=st.sampled_from([None, *SUBJECTS]),
    )
    def verify_right_code(self, challenge_id: str, purpose: str, subject: str | None) -> None:
        self._verify(challenge_id, self.model[challenge_id].code, purpose, subject)

    @rule(challenge_id=challenges)
    def verify_right_code_for_its_own_purpose(self, challenge_id: str) -> None:
        expected = self.model[challenge_id]
        self._verify(challenge_id, expected.code, expected.purpose, expected.subject)

    @rule(challenge_id=challenges, guess=st.integers(0, 999_999))
    def verify_wrong_code(self, challenge_id: str, guess: int) -> None:
        expected = self.model[challenge_id]
        self._verify(challenge_id, f"{guess:06d}", expected.purpose, expected.subject)

    @rule(challenge_id=challenges, data=st.data())
    def verify_an_older_code(self, challenge_id: str, data: st.DataObject) -> None:
        expected = self.model[challenge_id]
        if expected.old_codes:
            old = data.draw(st.sampled_from(expected.old_codes))
            self._verify(challenge_id, old, expected.purpose, expected.subject)

    @rule(challenge_id=challenges, other_id=challenges)
    def verify_another_challenges_code(self, challenge_id: str, other_id: str) -> None:
        expected = self.model[challenge_id]
        self._verify(challenge_id, self.model[other_id].code, expected.purpose, expected.subject)

    @rule(seconds=st.sampled_from([1, 30, 59, 60, 61, 119, 179, 180, 181, 600]))
    def advance_time(self, seconds: int) -> None:
        self.now += dt.timedelta(seconds=seconds)
        clock.set_override(self.now)

    def _verify(self, challenge_id: str, typed: str, purpose: str, subject: str | None) -> None:
        expected = self.model[challenge_id]
        outcome, refusal = self._call(
            otp_verify, challenge_id=challenge_id, code=typed, purpose=purpose, subject=subject
        )
        if outcome is not None:
            # The safety properties, stated directly rather than through the model's bookkeeping.
            assert expected.accepted == 0, "a code was accepted twice"
            assert expected.status == OtpStatus.PENDING, f"accepted when {expected.status}"
            assert self.now < expected.expires_at, "accepted after expiry"
            assert purpose == expected.purpose, "accepted for another purpose"
            assert subject in (None, expected.subject), "accepted for another subject"
            assert typed == expected.code, "accepted a code that is not the current one"
            expected.accepted += 1
            expected.status = OtpStatus.VERIFIED
            return
        assert refusal is not None
        if purpose != expected.purpose or subject not in (None, expected.subject):
            assert refusal.code == "challenge_not_found"
        elif expected.status != OtpStatus.PENDING:
            assert refusal.code == FINAL_REFUSALS[expected.status]
        elif self.now >= expected.expires_at:
            assert refusal.code == "otp_expired"
        else:
            assert typed != expected.code, f"the right code was refused: {refusal.code}"
            expected.attempts += 1
            if expected.attempts >= MAX_WRONG:
                expected.status = OtpStatus.BURNED
                assert refusal.code == "otp_burned"
            else:
                assert refusal.code == "otp_invalid"
                assert refusal.extra == {"attempts_left": MAX_WRONG - expected.attempts}

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def the_database_agrees_with_the_model(self) -> None:
        rows = {
            str(public_id): (status, attempts)
            for public_id, status, attempts in OtpChallenge.objects.values_list(
                "public_id", "status", "attempts"
            )
        }
        assert rows == {
            challenge_id: (expected.status, expected.attempts)
            for challenge_id, expected in self.model.items()
        }

    @invariant()
    def no_more_than_three_wrong_tries_and_one_acceptance(self) -> None:
        for expected in self.model.values():
            assert expected.attempts <= MAX_WRONG
            assert expected.accepted <= 1

    @invariant()
    def at_most_one_live_code_per_purpose_and_subject(self) -> None:
        pending = [
            (e.purpose, e.subject) for e in self.model.values() if e.status == OtpStatus.PENDING
        ]
        assert len(pending) == len(set(pending))


@pytest.mark.django_db
def test_otp_service_keeps_its_promises_whatever_the_sequence(settings_fixture_caps):
    run_state_machine_as_test(
        OtpMachine,
        settings=settings(
            max_examples=200,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


@pytest.fixture
def settings_fixture_caps(settings):
    """The sending caps are tested through the API; here they would only end runs early."""
    settings.OTP_MAX_UNVERIFIED_PER_MOBILE_PER_HOUR = 1_000_000
    settings.OTP_MAX_UNVERIFIED_PER_ID_PER_DAY = 1_000_000
