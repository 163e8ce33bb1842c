"""Verification codes (رمز التحقق): the one place every flow issues, re-sends and verifies them.

A code is 6 digits from a CSPRNG, stored only as an HMAC with a server key (a fast keyed hash, not
a password hasher: it runs on every verification), bound to one purpose and one subject, valid for
OTP_TTL_SECONDS, burned after OTP_MAX_ATTEMPTS wrong tries, re-sendable after a cool-down, and
single-use even under concurrent verifications (the row is locked while it is checked).

The sending caps live in the cache (ADR 0003). When it does not answer, sending and verifying stop
with 503 `service_unavailable` before anything changes: a cap that cannot be counted would let
codes go out unmetered.

A decoy challenge (`otp_issue_decoy`) behaves like a real one to whoever holds its id — same
answers, same tries, same cool-down and caps — but no code exists for it and nothing is sent. Flows
whose answer must not tell whether an ID has an account hand one out instead of a refusal."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import math
import secrets
import uuid
from collections.abc import Iterator

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import OTP_TRANSITIONS, OtpPurpose, OtpStatus
from absher.accounts.models import OtpChallenge
from absher.audit.services import audit_record
from absher.core import clock, metrics, throttle
from absher.core.errors import ApplicationError, InvalidInput, NotFound
from absher.identity.rules import mobile_masked, normalize_digits
from absher.notifications.services import sms_send

logger = logging.getLogger(__name__)

HOUR = 3600
DAY = 24 * HOUR

# Payload key of a decoy challenge: what stands in for the number in the sending caps.
DECOY_RECIPIENT = "decoy_recipient"
# Codes anyone may ask for by typing an ID (and a date of birth). Where the code went is not shown:
# the answer must be the same whether or not the ID has an account, and a masked number would tell.
# Their per-ID cap is their own, so that asking for them — for any ID, with any date — cannot use up
# the ID's codes for sign-in and activation (ADR 0003).
OPEN_TO_ANYONE = frozenset({OtpPurpose.PASSWORD_RESET})


class TooManyRequests(ApplicationError):
    http_status = 429


class ServiceUnavailable(ApplicationError):
    http_status = 503


def service_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "service_unavailable",
        _("This service is temporarily unavailable. Please try again in a few minutes."),
    )


@contextlib.contextmanager
def counters_required() -> Iterator[None]:
    """Codes, sign-in and their limits stop, rather than go on uncounted, while the counter store
    (Redis) is down: the caller gets 503 `service_unavailable`."""
    try:
        yield
    except throttle.CountersUnavailable:
        raise service_unavailable() from None


def _hmac_key() -> bytes:
    configured = settings.OTP_HMAC_KEY
    if configured:
        return configured.encode()
    return hashlib.sha256(b"absher-otp:" + settings.SECRET_KEY.encode()).digest()


def code_hmac(*, challenge_id: str, code: str) -> str:
    message = f"{challenge_id}:{code}".encode()
    return hmac.new(_hmac_key(), message, hashlib.sha256).hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _sms_text(*, purpose: str, code: str, language: str) -> str:
    minutes = max(1, settings.OTP_TTL_SECONDS // 60)
    with translation.override(language):
        purpose_text = OtpPurpose(purpose).label
        return str(
            _(
                "Absher: your verification code for %(purpose)s is %(code)s. It is valid for "
                "%(minutes)s minutes. Never share it with anyone."
            )
            % {"purpose": purpose_text, "code": code, "minutes": minutes}
        )


def _caps(*, mobile: str, id_number: str, purpose: str) -> list[tuple[str, int, int]]:
    caps = [(f"otp-mobile:{mobile}", HOUR, settings.OTP_MAX_UNVERIFIED_PER_MOBILE_PER_HOUR)]
    if id_number:
        scope = f"{purpose}:" if purpose in OPEN_TO_ANYONE else ""
        caps.append((f"otp-id:{scope}{id_number}", DAY, settings.OTP_MAX_UNVERIFIED_PER_ID_PER_DAY))
    return caps


def _send_limit_refusal(*, window_seconds: int, now: dt.datetime) -> TooManyRequests:
    window_end = (int(now.timestamp()) // window_seconds + 1) * window_seconds
    return TooManyRequests(
        "otp_send_limit",
        _("Too many verification codes were requested. Please wait before asking for another one."),
        {"retry_after_seconds": max(1, math.ceil(window_end - now.timestamp()))},
    )


def _reserve_send(*, mobile: str, id_number: str, purpose: str, now: dt.datetime) -> None:
    """SMS-pumping guard: codes that were never verified, per number per hour and per ID per day.
    Counted first and given back when over the limit, so that concurrent requests cannot all slip
    under it (a check followed by an increment would let them)."""
    taken: list[tuple[str, int]] = []
    with counters_required():
        for name, window, limit in _caps(mobile=mobile, id_number=id_number, purpose=purpose):
            count = throttle.counter_increment(name=name, window_seconds=window, moment=now)
            taken.append((name, window))
            if count > limit:
                for taken_name, taken_window in taken:
                    throttle.counter_decrement(
                        name=taken_name, window_seconds=taken_window, moment=now
                    )
                raise _send_limit_refusal(window_seconds=window, now=now)


def _release_send(*, mobile: str, id_number: str, purpose: str, sent_at: dt.datetime) -> None:
    """A code that was verified (or never sent) no longer counts against the caps. When the store
    is down the place stays taken: the code's fate is already committed, and a cap that counts one
    code too many errs on the safe side."""
    try:
        for name, window, _limit in _caps(mobile=mobile, id_number=id_number, purpose=purpose):
            throttle.counter_decrement(name=name, window_seconds=window, moment=sent_at)
    except throttle.CountersUnavailable:
        logger.warning("otp.cap_not_given_back")


def is_decoy(challenge: OtpChallenge) -> bool:
    return bool(challenge.payload.get(DECOY_RECIPIENT))


def _cap_recipient(challenge: OtpChallenge) -> str:
    """The number a challenge's codes count against; for a decoy, what stands in for it."""
    if is_decoy(challenge):
        return f"decoy:{challenge.payload[DECOY_RECIPIENT]}"
    return challenge.mobile


def otp_recipient_masked(challenge: OtpChallenge) -> str:
    """What may be shown of where the code went: the masked number, or nothing for the purposes
    whose answers must not depend on whether an account exists."""
    if challenge.purpose in OPEN_TO_ANYONE:
        return ""
    return mobile_masked(challenge.mobile)


def _send(challenge: OtpChallenge, *, code: str, language: str) -> None:
    if is_decoy(challenge):
        return
    sms_send(
        to=challenge.mobile,
        text=_sms_text(purpose=challenge.purpose, code=code, language=language),
        is_sensitive=True,
    )


def otp_issue(
    *,
    purpose: str,
    subject: str,
    mobile: str,
    id_number: str = "",
    payload: dict | None = None,
    language: str = "ar",
) -> OtpChallenge:
    """Sends a new code for `purpose` to `mobile`; any pending code for the same purpose and subject
    stops working."""
    return _issue(
        purpose=purpose,
        subject=subject,
        mobile=mobile,
        cap_recipient=mobile,
        id_number=id_number,
        payload=payload or {},
        language=language,
    )


def otp_issue_decoy(
    *, purpose: str, subject: str, id_number: str, recipient_key: str, language: str = "ar"
) -> OtpChallenge:
    """A challenge for nobody: handed out where a refusal would tell that an ID has no account.
    It supersedes, expires, counts tries, burns, re-sends and meets the caps exactly as a real one
    (`recipient_key` stands in for the number), but it has no code and nothing is ever sent."""
    return _issue(
        purpose=purpose,
        subject=subject,
        mobile="",
        cap_recipient=f"decoy:{recipient_key}",
        id_number=id_number,
        payload={DECOY_RECIPIENT: recipient_key},
        language=language,
    )


def _issue(
    *,
    purpose: str,
    subject: str,
    mobile: str,
    cap_recipient: str,
    id_number: str,
    payload: dict,
    language: str,
) -> OtpChallenge:
    now = clock.now()
    _reserve_send(mobile=cap_recipient, id_number=id_number, purpose=purpose, now=now)
    try:
        challenge = _challenge_create(
            purpose=purpose,
            subject=subject,
            mobile=mobile,
            id_number=id_number,
            payload=payload,
            language=language,
            now=now,
        )
    except BaseException:
        _release_send(mobile=cap_recipient, id_number=id_number, purpose=purpose, sent_at=now)
        raise
    return challenge


def _challenge_create(
    *,
    purpose: str,
    subject: str,
    mobile: str,
    id_number: str,
    payload: dict,
    language: str,
    now: dt.datetime,
) -> OtpChallenge:
    # Two concurrent requests for the same purpose and subject both find nothing to supersede; the
    # unique constraint on pending challenges makes the second insert fail, and its retry then
    # supersedes the first one's code.
    attempts_left = 3
    while True:
        attempts_left -= 1
        code = _new_code()
        try:
            with transaction.atomic():
                OtpChallenge.objects.filter(
                    purpose=purpose, subject=subject, status=OtpStatus.PENDING
                ).update(status=OtpStatus.SUPERSEDED, updated_at=now)
                challenge = OtpChallenge(
                    purpose=purpose,
                    subject=subject,
                    id_number=id_number,
                    mobile=mobile,
                    expires_at=now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
                    last_sent_at=now,
                    payload=payload,
                )
                challenge.code_hmac = _new_code_hmac(challenge, code)
                challenge.save(force_insert=True)
                _send(challenge, code=code, language=language)
                audit_record(
                    action="otp.issued",
                    actor_type="system",
                    subject_type="otp_challenge",
                    subject_id=str(challenge.public_id),
                    data={"purpose": purpose, "decoy": is_decoy(challenge)},
                )
        except IntegrityError:
            if attempts_left <= 0:
                raise
            continue
        metrics.otp_issued(purpose=purpose)
        return challenge


def _new_code_hmac(challenge: OtpChallenge, code: str) -> str:
    if is_decoy(challenge):
        # Not the HMAC of any code: no 6 digits can ever match it.
        return secrets.token_hex(32)
    return code_hmac(challenge_id=str(challenge.public_id), code=code)


def challenge_uuid(challenge_id: object) -> uuid.UUID | None:
    """The challenge id as sent by a client, or None when it cannot be one."""
    try:
        return uuid.UUID(str(challenge_id))
    except ValueError:
        return None


def _locked(challenge_id: str) -> OtpChallenge:
    public_id = challenge_uuid(challenge_id)
    challenge = (
        OtpChallenge.objects.select_for_update().filter(public_id=public_id).first()
        if public_id is not None
        else None
    )
    if challenge is None:
        raise challenge_not_found()
    return challenge


def challenge_not_found() -> NotFound:
    return NotFound(
        "challenge_not_found",
        _("This verification request does not exist or has ended. Request a new code."),
    )


def _belongs(challenge: OtpChallenge, *, purpose: str | None, subject: str | None) -> bool:
    if purpose is not None and challenge.purpose != purpose:
        return False
    return subject is None or challenge.subject == subject


def otp_resend(
    *, challenge_id: str, purpose: str | None, subject: str | None = None, language: str = "ar"
) -> OtpChallenge:
    """Sends a fresh code for the same challenge, to the same number, after the cool-down; the
    previous code stops working. `purpose=None` accepts a challenge of any purpose."""
    now = clock.now()
    with transaction.atomic():
        challenge = _locked(challenge_id)
        if not _belongs(challenge, purpose=purpose, subject=subject):
            raise challenge_not_found()
        _refuse_if_final(challenge)
        ready_at = challenge.last_sent_at + dt.timedelta(
            seconds=settings.OTP_RESEND_COOLDOWN_SECONDS
        )
        if now < ready_at:
            raise TooManyRequests(
                "otp_resend_too_soon",
                _("Please wait before requesting the code again."),
                {"retry_after_seconds": max(1, math.ceil((ready_at - now).total_seconds()))},
            )
        recipient = _cap_recipient(challenge)
        _reserve_send(
            mobile=recipient, id_number=challenge.id_number, purpose=challenge.purpose, now=now
        )
        try:
            code = _new_code()
            challenge.code_hmac = _new_code_hmac(challenge, code)
            challenge.sends += 1
            challenge.last_sent_at = now
            challenge.expires_at = now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS)
            challenge.save(
                update_fields=["code_hmac", "sends", "last_sent_at", "expires_at", "updated_at"]
            )
            _send(challenge, code=code, language=language)
        except BaseException:
            _release_send(
                mobile=recipient,
                id_number=challenge.id_number,
                purpose=challenge.purpose,
                sent_at=now,
            )
            raise
    metrics.otp_issued(purpose=challenge.purpose)
    return challenge


def _move(challenge: OtpChallenge, *, to: str) -> None:
    """Status changes of a locked challenge follow the transition table; anything else is a bug."""
    if to not in OTP_TRANSITIONS[challenge.status]:
        raise ValueError(f"an OTP challenge cannot go from {challenge.status} to {to}")
    challenge.status = to


def _refuse_if_final(challenge: OtpChallenge) -> None:
    if challenge.status == OtpStatus.VERIFIED:
        raise InvalidInput("otp_used", _("This code has already been used. Request a new code."))
    if challenge.status == OtpStatus.BURNED:
        raise InvalidInput(
            "otp_burned",
            _("Too many wrong codes were entered. Request a new code."),
        )
    if challenge.status == OtpStatus.SUPERSEDED:
        raise InvalidInput(
            "otp_superseded",
            _("A newer code was sent. Enter the latest code you received."),
        )


def otp_verify(
    *, challenge_id: str, code: str, purpose: str, subject: str | None = None
) -> OtpChallenge:
    """Checks a code. Right: the challenge is verified (once, ever) and returned with its payload.
    Wrong: the try is counted — and kept even though the caller gets an error.
    Refused with nothing changed while the counter store is down (the caps could not be kept)."""
    now = clock.now()
    typed = normalize_digits(str(code or ""))
    refusal: ApplicationError | None = None
    with counters_required():
        throttle.counters_probe()
    with transaction.atomic():
        challenge = _locked(challenge_id)
        if not _belongs(challenge, purpose=purpose, subject=subject):
            raise challenge_not_found()
        _refuse_if_final(challenge)
        if now >= challenge.expires_at:
            raise InvalidInput("otp_expired", _("This code has expired. Request a new code."))
        expected = challenge.code_hmac
        given = code_hmac(challenge_id=str(challenge.public_id), code=typed)
        if len(typed) == 6 and typed.isdigit() and hmac.compare_digest(expected, given):
            _move(challenge, to=OtpStatus.VERIFIED)
            challenge.verified_at = now
            challenge.save(update_fields=["status", "verified_at", "updated_at"])
            audit_record(
                action="otp.verified",
                actor_type="system",
                subject_type="otp_challenge",
                subject_id=str(challenge.public_id),
                data={"purpose": purpose},
            )
        else:
            challenge.attempts += 1
            left = settings.OTP_MAX_ATTEMPTS - challenge.attempts
            if left <= 0:
                _move(challenge, to=OtpStatus.BURNED)
                audit_record(
                    action="otp.burned",
                    actor_type="system",
                    subject_type="otp_challenge",
                    subject_id=str(challenge.public_id),
                    data={"purpose": challenge.purpose},
                )
                refusal = InvalidInput(
                    "otp_burned", _("Too many wrong codes were entered. Request a new code.")
                )
            else:
                refusal = InvalidInput(
                    "otp_invalid",
                    _("The verification code is not correct."),
                    {"attempts_left": left},
                )
            challenge.save(update_fields=["attempts", "status", "updated_at"])
    if refusal is not None:
        metrics.otp_failed(purpose=challenge.purpose)
        raise refusal
    metrics.otp_verified(purpose=challenge.purpose)
    _release_send(
        mobile=_cap_recipient(challenge),
        id_number=challenge.id_number,
        purpose=challenge.purpose,
        sent_at=challenge.last_sent_at,
    )
    return challenge
