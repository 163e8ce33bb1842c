"""A hypothesis state machine drives the OTP service itself — codes requested for several purposes
and people (two of whom share a mobile), decoys, re-sends, new codes that supersede old ones, the
right code, a wrong one, an older one or another challenge's, for the right or another purpose and
person, while the clock moves across expiries and cap windows — against a small model of what SPEC
4 and 13 promise:

- no code is accepted twice, after it expired, after its challenge was burned or superseded, for
  another purpose or another person, or when it is not the latest code of its challenge; a decoy
  accepts nothing;
- the third wrong code burns a challenge, and the right code then fails too;
- a challenge is re-sent only 60 seconds after its last code;
- per number per hour and per ID per day, the codes that were never verified stay within the caps,
  and every refusal says when the window opens again;
- a text goes out for every code and for nothing else.

The machine runs at least 10,000 steps (counted, and asserted at the end) with a fixed seed, so CI
runs the same sequences every time and a failure reproduces."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from absher.accounts.constants import OtpPurpose, OtpStatus
from absher.accounts.models import OtpChallenge
from absher.accounts.services.otp import otp_issue, otp_issue_decoy, otp_resend, otp_verify
from absher.core import clock, throttle
from absher.core.errors import ApplicationError
from absher.notifications.models import SmsMessage

START = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
HOUR = 3600
DAY = 24 * HOUR
TTL = dt.timedelta(minutes=3)
COOL_DOWN = dt.timedelta(seconds=60)
MAX_WRONG = 3
MIN_STEPS = 10_000


@dataclass(frozen=True)
class Someone:
    mobile: str
    id_number: str


PEOPLE = {
    "user:1": Someone(mobile="+966500000001", id_number="1000000001"),
    "user:2": Someone(mobile="+966500000002", id_number="2000000002"),
    # A family phone: user:3's codes go to user:1's number and count against its cap.
    "user:3": Someone(mobile="+966500000001", id_number="1000000003"),
}
SUBJECTS = list(PEOPLE)
PURPOSES = [
    OtpPurpose.LOGIN,
    OtpPurpose.ACTIVATE,
    OtpPurpose.TRANSFER_ACCEPT,
    OtpPurpose.PASSWORD_RESET,
]
# Codes anyone may ask for by typing an ID: their per-ID cap is their own.
OPEN_TO_ANYONE = {OtpPurpose.PASSWORD_RESET}
# Decoys (password reset for an ID and date that match no account): one stands for user:1's ID
# typed with a wrong date, so it shares that ID's password-reset cap; the other for an unknown ID.
DECOYS = {
    "reset:" + "a" * 32: ("a" * 32, "1000000001"),
    "reset:" + "b" * 32: ("b" * 32, "1999999999"),
}
FINAL_REFUSALS = {
    OtpStatus.VERIFIED: "otp_used",
    OtpStatus.BURNED: "otp_burned",
    OtpStatus.SUPERSEDED: "otp_superseded",
}
ADVANCES = [1, 30, 59, 60, 61, 119, 179, 180, 181, 600, HOUR, DAY]


@dataclass
class Expected:
    """What the service should believe about one challenge. A decoy has no code."""

    purpose: str
    subject: str
    code: str | None
    recipient: str
    id_number: str
    expires_at: dt.datetime
    last_sent_at: dt.datetime
    status: str = OtpStatus.PENDING
    attempts: int = 0
    accepted: int = 0
    old_codes: list[str] = field(default_factory=list)


def _bucket(moment: dt.datetime, window: int) -> int:
    return int(moment.timestamp()) // window


def _retry_after(moment: dt.datetime, window: int) -> int:
    window_end = (_bucket(moment, window) + 1) * window
    return max(1, math.ceil(window_end - moment.timestamp()))


class OtpMachine(RuleBasedStateMachine):
    challenges = Bundle("challenges")
    steps_run: ClassVar[int] = 0
    outcomes: ClassVar[Counter[str]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        # Each run gets a savepoint inside the test's transaction and rolls it back in teardown,
        # so runs do not see each other's rows; `transaction=True` would flush every table after
        # each of the hundreds of runs. The SMS delivery that `sms_send` queues for after the
        # commit never runs (no commit happens): the code is read from the queued SMS itself.
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        cache.clear()
        self.now = START
        clock.set_override(self.now)
        self.model: dict[str, Expected] = {}
        self.mobile_limit = settings.OTP_MAX_UNVERIFIED_PER_MOBILE_PER_HOUR
        self.id_limit = settings.OTP_MAX_UNVERIFIED_PER_ID_PER_DAY
        # Every code sent and every code verified: the caps it counts against, and when it was sent.
        self.sent: list[tuple[tuple[tuple[str, int], ...], dt.datetime]] = []
        self.verified: list[tuple[tuple[tuple[str, int], ...], dt.datetime]] = []
        self.texts: Counter[str] = Counter()
        self.last_sms_id = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)
        clock.set_override(None)

    # --- helpers --------------------------------------------------------------------------------

    def _call(self, function: Any, **arguments: Any) -> tuple[Any, ApplicationError | None]:
        OtpMachine.steps_run += 1
        try:
            result, refusal = function(**arguments), None
        except ApplicationError as error:
            result, refusal = None, error
        OtpMachine.outcomes[refusal.code if refusal else f"{function.__name__}:ok"] += 1
        return result, refusal

    def _new_texts(self) -> list[SmsMessage]:
        texts = list(SmsMessage.objects.filter(id__gt=self.last_sms_id).order_by("id"))
        if texts:
            self.last_sms_id = texts[-1].id
        return texts

    def _code_in(self, sms: SmsMessage) -> str:
        found = re.search(r"\b(\d{6})\b", sms.body)
        assert found is not None, sms.body
        return found.group(1)

    def _caps(self, recipient: str, id_number: str, purpose: str) -> list[tuple[str, int, int]]:
        scope = f"{purpose}:" if purpose in OPEN_TO_ANYONE else ""
        return [
            (f"otp-mobile:{recipient}", HOUR, self.mobile_limit),
            (f"otp-id:{scope}{id_number}", DAY, self.id_limit),
        ]

    def _counted(self, expected: Expected) -> tuple[tuple[str, int], ...]:
        caps = self._caps(expected.recipient, expected.id_number, expected.purpose)
        return tuple((name, window) for name, window, _limit in caps)

    def _unverified(self, name: str, window: int, bucket: int) -> int:
        """Codes sent in a window that were never verified, from the model's own log."""

        def matches(counted: tuple[tuple[str, int], ...], moment: dt.datetime) -> bool:
            return (name, window) in counted and _bucket(moment, window) == bucket

        sent = sum(1 for entry in self.sent if matches(*entry))
        verified = sum(1 for entry in self.verified if matches(*entry))
        return sent - verified

    def _expected_send_refusal(self, recipient: str, id_number: str, purpose: str) -> int | None:
        """The window (in seconds) whose cap refuses one more code now, if any."""
        for name, window, limit in self._caps(recipient, id_number, purpose):
            if self._unverified(name, window, _bucket(self.now, window)) + 1 > limit:
                return window
        return None

    def _assert_send_refused(self, refusal: ApplicationError | None, window: int) -> None:
        assert refusal is not None, "a code went out over the cap"
        assert refusal.code == "otp_send_limit", refusal
        assert refusal.extra == {"retry_after_seconds": _retry_after(self.now, window)}

    def _supersede(self, purpose: str, subject: str) -> None:
        for expected in self.model.values():
            if (expected.purpose, expected.subject, expected.status) == (
                purpose,
                subject,
                OtpStatus.PENDING,
            ):
                expected.status = OtpStatus.SUPERSEDED

    def _sent_now(self, expected: Expected) -> None:
        self.sent.append((self._counted(expected), self.now))
        expected.last_sent_at = self.now
        expected.expires_at = self.now + TTL

    # --- rules ----------------------------------------------------------------------------------

    @rule(target=challenges, purpose=st.sampled_from(PURPOSES), subject=st.sampled_from(SUBJECTS))
    def request(self, purpose: str, subject: str) -> Any:
        someone = PEOPLE[subject]
        over = self._expected_send_refusal(someone.mobile, someone.id_number, purpose)
        challenge, refusal = self._call(
            otp_issue,
            purpose=purpose,
            subject=subject,
            mobile=someone.mobile,
            id_number=someone.id_number,
        )
        texts = self._new_texts()
        if over is not None:
            self._assert_send_refused(refusal, over)
            assert texts == []
            return multiple()
        assert refusal is None, refusal
        assert [sms.to for sms in texts] == [someone.mobile]
        self._supersede(purpose, subject)
        expected = Expected(
            purpose=purpose,
            subject=subject,
            code=self._code_in(texts[0]),
            recipient=someone.mobile,
            id_number=someone.id_number,
            expires_at=self.now + TTL,
            last_sent_at=self.now,
        )
        self._sent_now(expected)
        self.texts[someone.mobile] += 1
        challenge_id = str(challenge.public_id)
        self.model[challenge_id] = expected
        return challenge_id

    @rule(target=challenges, subject=st.sampled_from(list(DECOYS)))
    def request_a_decoy(self, subject: str) -> Any:
        key, id_number = DECOYS[subject]
        recipient = f"decoy:{key}"
        over = self._expected_send_refusal(recipient, id_number, OtpPurpose.PASSWORD_RESET)
        challenge, refusal = self._call(
            otp_issue_decoy,
            purpose=OtpPurpose.PASSWORD_RESET,
            subject=subject,
            id_number=id_number,
            recipient_key=key,
        )
        assert self._new_texts() == [], "a decoy sent a text"
        if over is not None:
            self._assert_send_refused(refusal, over)
            return multiple()
        assert refusal is None, refusal
        self._supersede(OtpPurpose.PASSWORD_RESET, subject)
        expected = Expected(
            purpose=OtpPurpose.PASSWORD_RESET,
            subject=subject,
            code=None,
            recipient=recipient,
            id_number=id_number,
            expires_at=self.now + TTL,
            last_sent_at=self.now,
        )
        self._sent_now(expected)
        challenge_id = str(challenge.public_id)
        self.model[challenge_id] = expected
        return challenge_id

    @rule(challenge_id=challenges, as_owner=st.booleans())
    def resend(self, challenge_id: str, as_owner: bool) -> None:
        expected = self.model[challenge_id]
        if as_owner:
            self._resend(challenge_id, expected.purpose, expected.subject)
        else:  # the API's resend names no purpose or person
            self._resend(challenge_id, None, None)

    @rule(
        challenge_id=challenges,
        purpose=st.sampled_from([None, *PURPOSES]),
        subject=st.sampled_from([None, *SUBJECTS]),
    )
    def resend_for_any_purpose_or_person(
        self, challenge_id: str, purpose: str | None, subject: str | None
    ) -> None:
        self._resend(challenge_id, purpose, subject)

    def _resend(self, challenge_id: str, purpose: str | None, subject: str | None) -> None:
        expected = self.model[challenge_id]
        over = self._expected_send_refusal(expected.recipient, expected.id_number, expected.purpose)
        _result, refusal = self._call(
            otp_resend, challenge_id=challenge_id, purpose=purpose, subject=subject
        )
        texts = self._new_texts()
        if purpose not in (None, expected.purpose) or subject not in (None, expected.subject):
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
        elif over is not None:
            self._assert_send_refused(refusal, over)
        else:
            assert refusal is None, refusal
            self._sent_now(expected)
            if expected.code is None:
                assert texts == [], "a decoy sent a text"
                return
            assert [sms.to for sms in texts] == [expected.recipient]
            self.texts[expected.recipient] += 1
            expected.old_codes.append(expected.code)
            expected.code = self._code_in(texts[0])
            return
        assert texts == []

    @rule(
        challenge_id=challenges,
        purpose=st.sampled_from([*PURPOSES, OtpPurpose.PASSWORD_RESET]),
        subject=st.sampled_from([None, *SUBJECTS, *DECOYS]),
    )
    def verify_right_code(self, challenge_id: str, purpose: str, subject: str | None) -> None:
        self._verify(challenge_id, self._right_code(challenge_id), purpose, subject)

    @rule(challenge_id=challenges)
    def verify_right_code_for_its_own_purpose(self, challenge_id: str) -> None:
        expected = self.model[challenge_id]
        self._verify(
            challenge_id, self._right_code(challenge_id), expected.purpose, expected.subject
        )

    @rule(challenge_id=challenges, guess=st.integers(0, 999_999))
    def verify_wrong_code(self, challenge_id: str, guess: int) -> None:
        expected = self.model[challenge_id]
        self._verify(challenge_id, f"{guess:06d}", expected.purpose, None)

    @rule(challenge_id=challenges, data=st.data())
    def verify_an_older_code(self, challenge_id: str, data: st.DataObject) -> None:
        expected = self.model[challenge_id]
        if expected.old_codes:
            old = data.draw(st.sampled_from(expected.old_codes))
            self._verify(challenge_id, old, expected.purpose, expected.subject)

    @rule(challenge_id=challenges, other_id=challenges)
    def verify_another_challenges_code(self, challenge_id: str, other_id: str) -> None:
        """Someone else's code, or a code for another purpose, typed into this challenge."""
        expected = self.model[challenge_id]
        self._verify(challenge_id, self._right_code(other_id), expected.purpose, expected.subject)

    @rule(seconds=st.sampled_from(ADVANCES))
    def advance_time(self, seconds: int) -> None:
        OtpMachine.steps_run += 1
        self.now += dt.timedelta(seconds=seconds)
        clock.set_override(self.now)

    def _right_code(self, challenge_id: str) -> str:
        # A decoy has no code: anything typed into it is a wrong code.
        return self.model[challenge_id].code or "123456"

    def _verify(self, challenge_id: str, typed: str, purpose: str, subject: str | None) -> None:
        expected = self.model[challenge_id]
        outcome, refusal = self._call(
            otp_verify, challenge_id=challenge_id, code=typed, purpose=purpose, subject=subject
        )
        if outcome is not None:
            # The safety properties, stated directly rather than through the model's bookkeeping.
            assert expected.code is not None, "a decoy accepted a code"
            assert expected.accepted == 0, "a code was accepted twice"
            assert expected.status == OtpStatus.PENDING, f"accepted when {expected.status}"
            assert self.now < expected.expires_at, "accepted after expiry"
            assert purpose == expected.purpose, "accepted for another purpose"
            assert subject in (None, expected.subject), "accepted for another person"
            assert typed == expected.code, "accepted a code that is not the latest one"
            assert outcome.payload == {}
            expected.accepted += 1
            expected.status = OtpStatus.VERIFIED
            self.verified.append((self._counted(expected), expected.last_sent_at))
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
            str(public_id): (status, attempts, expires_at)
            for public_id, status, attempts, expires_at in OtpChallenge.objects.values_list(
                "public_id", "status", "attempts", "expires_at"
            )
        }
        assert rows == {
            challenge_id: (expected.status, expected.attempts, expected.expires_at)
            for challenge_id, expected in self.model.items()
        }

    @invariant()
    def no_more_than_three_wrong_tries_and_one_acceptance(self) -> None:
        for expected in self.model.values():
            assert expected.attempts <= MAX_WRONG
            assert expected.accepted <= 1
            assert expected.code is not None or expected.accepted == 0

    @invariant()
    def at_most_one_live_code_per_purpose_and_person(self) -> None:
        pending = [
            (e.purpose, e.subject) for e in self.model.values() if e.status == OtpStatus.PENDING
        ]
        assert len(pending) == len(set(pending))

    @invariant()
    def unverified_codes_stay_within_the_caps_and_the_counters_agree(self) -> None:
        limits = {HOUR: self.mobile_limit, DAY: self.id_limit}
        windows = {
            (name, window, _bucket(moment, window))
            for counted, moment in self.sent
            for name, window in counted
        }
        for name, window, bucket in windows:
            unverified = self._unverified(name, window, bucket)
            assert 0 <= unverified <= limits[window], (name, bucket, unverified)
            moment = dt.datetime.fromtimestamp(bucket * window, tz=dt.UTC)
            stored = throttle.counter_value(name=name, window_seconds=window, moment=moment)
            assert stored == unverified, (name, bucket)

    @invariant()
    def a_text_went_out_for_every_code_and_nothing_else(self) -> None:
        assert self.texts == Counter(SmsMessage.objects.values_list("to", flat=True).order_by()), (
            "texts"
        )


@pytest.mark.django_db
def test_otp_service_keeps_its_promises_whatever_the_sequence():
    OtpMachine.steps_run = 0
    OtpMachine.outcomes.clear()

    run_state_machine_as_test(
        OtpMachine,
        settings=hypothesis_settings(
            max_examples=300,
            stateful_step_count=50,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )

    # Enough steps, and every kind of answer reached, so a property cannot pass for want of cases.
    assert OtpMachine.steps_run >= MIN_STEPS, OtpMachine.steps_run
    reached = set(OtpMachine.outcomes)
    assert {
        "otp_issue:ok",
        "otp_issue_decoy:ok",
        "otp_resend:ok",
        "otp_verify:ok",
        "otp_invalid",
        "otp_burned",
        "otp_used",
        "otp_superseded",
        "otp_expired",
        "otp_resend_too_soon",
        "otp_send_limit",
        "challenge_not_found",
    } <= reached, OtpMachine.outcomes
