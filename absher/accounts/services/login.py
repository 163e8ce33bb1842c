"""Signing in: username or ID number + password, then a code to the account's mobile.

Five consecutive wrong passwords lock the account for LOGIN_LOCK_SECONDS; while locked, even the
right password is refused. An unknown username and a wrong password get the same answer — the lock
too: an identifier without a usable account is "locked" after the same five failures, for as long,
so that 423 `account_locked` does not tell that an account exists. Failures from one IP address
across accounts are capped too. The counters live in the cache; while it is down, sign-in answers
503 `service_unavailable` (it cannot count failures, so it does not take passwords)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from absher.accounts import selectors
from absher.accounts.constants import OtpPurpose
from absher.accounts.models import OtpChallenge, RefreshToken, User
from absher.accounts.services.otp import (
    TooManyRequests,
    counters_required,
    otp_issue,
    otp_verify,
)
from absher.audit.services import audit_record
from absher.core import auth_cache, clock, throttle
from absher.core.errors import ApplicationError
from absher.identity.rules import normalize_digits

# Checked against when the username is unknown, so both answers take as long.
_DUMMY_HASH = make_password("not-a-real-password-Aa1")
# How long the failures of an identifier without an account are remembered. An account remembers
# its own until a right password; this only has to outlast any patient prober.
UNKNOWN_IDENTIFIER_KEEP_SECONDS = 90 * 24 * 3600


class NotAuthenticated(ApplicationError):
    http_status = 401


class AccountLocked(ApplicationError):
    http_status = 423


def _invalid_credentials() -> NotAuthenticated:
    return NotAuthenticated(
        "invalid_credentials", _("The username or ID number, or the password, is not correct.")
    )


def _ip_counter(ip: str | None) -> str:
    return f"login-ip:{ip or 'unknown'}"


def _refuse_if_ip_throttled(ip: str | None, now: dt.datetime) -> None:
    with counters_required():
        failures = throttle.counter_value(
            name=_ip_counter(ip), window_seconds=settings.LOGIN_IP_WINDOW_SECONDS, moment=now
        )
    if failures >= settings.LOGIN_MAX_FAILURES_PER_IP:
        raise TooManyRequests(
            "too_many_attempts",
            _("Too many failed sign-in attempts from this address. Please try again later."),
        )


def _count_ip_failure(ip: str | None, now: dt.datetime) -> None:
    with counters_required():
        throttle.counter_increment(
            name=_ip_counter(ip), window_seconds=settings.LOGIN_IP_WINDOW_SECONDS, moment=now
        )


def _unknown_identifier_key(identifier: str, *, staff: bool) -> str:
    """Names an identifier as the sign-in lookup reads it (any case, any digits), without keeping
    it in the clear."""
    cleaned = normalize_digits(identifier or "").lower()
    side = "staff" if staff else "person"
    digest = salted_hmac("absher.accounts.login.unknown", cleaned, algorithm="sha256").hexdigest()
    return f"login-unknown:{side}:{digest[:32]}"


def _unknown_locked_until(key: str, now: dt.datetime) -> dt.datetime | None:
    with counters_required():
        saved = throttle.mark_get(name=key)
    if not isinstance(saved, str):
        return None
    until = dt.datetime.fromisoformat(saved)
    return until if until > now else None


def _record_unknown_failure(key: str, now: dt.datetime) -> ApplicationError:
    """What `_record_wrong_password` does to an account, for an identifier without one."""
    with counters_required():
        failures = throttle.tally_increment(name=key, keep_seconds=UNKNOWN_IDENTIFIER_KEEP_SECONDS)
        if failures < settings.LOGIN_MAX_FAILURES:
            return _invalid_credentials()
        until = now + dt.timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
        throttle.mark_set(
            name=key, value=until.isoformat(), keep_seconds=settings.LOGIN_LOCK_SECONDS + 60
        )
        throttle.tally_reset(name=key)
    return _locked_error(until, now)


def _login_purpose(staff: bool) -> str:
    return OtpPurpose.STAFF_LOGIN if staff else OtpPurpose.LOGIN


def _may_use(user: User, *, staff: bool) -> bool:
    if not user.is_active:
        return False
    if staff:
        return selectors.staff_member_of(user=user) is not None
    return user.person_id is not None


def login_start(
    *, identifier: str, password: str, ip: str | None = None, staff: bool = False
) -> OtpChallenge:
    now = clock.now()
    _refuse_if_ip_throttled(ip, now)
    user = selectors.user_get_by_identifier(identifier=identifier)
    if user is None or not _may_use(user, staff=staff):
        key = _unknown_identifier_key(identifier, staff=staff)
        locked_until = _unknown_locked_until(key, now)
        unknown_refusal: ApplicationError
        if locked_until is not None:
            # A locked account is refused before its password is checked: as quickly here.
            unknown_refusal = _locked_error(locked_until, now)
        else:
            check_password(password, _DUMMY_HASH)
            unknown_refusal = _record_unknown_failure(key, now)
        _count_ip_failure(ip, now)
        audit_record(
            action="login.failed",
            actor_type="anonymous",
            subject_type="account",
            data={
                "reason": "unknown_identifier",
                "staff": staff,
                "locked": unknown_refusal.code == "account_locked",
            },
        )
        raise unknown_refusal
    refusal: ApplicationError | None = None
    with transaction.atomic():
        locked_user = User.objects.select_for_update().get(pk=user.pk)
        if locked_user.locked_until and locked_user.locked_until > now:
            audit_record(
                action="login.refused_locked",
                actor_type="anonymous",
                subject_type="account",
                subject_id=str(user.pk),
                person=locked_user.person,
            )
            refusal = _locked_error(locked_user.locked_until, now)
        elif not locked_user.check_password(password):
            refusal = _record_wrong_password(locked_user, now)
        else:
            if locked_user.failed_login_count:
                locked_user.failed_login_count = 0
                locked_user.save(update_fields=["failed_login_count", "updated_at"])
            audit_record(
                action="login.password_accepted",
                actor_type="person" if not staff else "staff",
                actor_id=str(user.pk),
                subject_type="account",
                subject_id=str(user.pk),
                person=locked_user.person,
            )
    if refusal is not None:
        _count_ip_failure(ip, now)
        raise refusal
    return otp_issue(
        purpose=_login_purpose(staff),
        subject=f"user:{user.pk}",
        mobile=user.mobile,
        id_number=user.person.id_number if user.person is not None else "",
        language=user.language,
    )


def _locked_error(until: dt.datetime, now: dt.datetime) -> AccountLocked:
    return AccountLocked(
        "account_locked",
        _(
            "The account is locked after repeated wrong passwords. Try again later or reset "
            "your password."
        ),
        {"retry_after_seconds": max(1, int((until - now).total_seconds()))},
    )


def _record_wrong_password(user: User, now: dt.datetime) -> ApplicationError:
    user.failed_login_count = F("failed_login_count") + 1
    user.save(update_fields=["failed_login_count", "updated_at"])
    user.refresh_from_db(fields=["failed_login_count"])
    audit_record(
        action="login.failed",
        actor_type="anonymous",
        subject_type="account",
        subject_id=str(user.pk),
        person=user.person,
        data={"reason": "wrong_password", "consecutive": user.failed_login_count},
    )
    if user.failed_login_count >= settings.LOGIN_MAX_FAILURES:
        user.locked_until = now + dt.timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
        user.failed_login_count = 0
        user.save(update_fields=["locked_until", "failed_login_count", "updated_at"])
        audit_record(
            action="account.locked",
            actor_type="system",
            subject_type="account",
            subject_id=str(user.pk),
            person=user.person,
        )
        return _locked_error(user.locked_until, now)
    return _invalid_credentials()


def login_complete(*, challenge_id: str, code: str, staff: bool = False) -> User:
    challenge = otp_verify(challenge_id=challenge_id, code=code, purpose=_login_purpose(staff))
    user = User.objects.select_related("person").get(pk=int(challenge.subject.split(":")[1]))
    if not _may_use(user, staff=staff):
        # Deactivated (or stripped of its staff role) between the password and the code.
        raise _invalid_credentials()
    audit_record(
        action="login.succeeded",
        actor_type="staff" if staff else "person",
        actor_id=str(user.pk),
        subject_type="account",
        subject_id=str(user.pk),
        person=user.person,
    )
    return user


def logout_everywhere(*, user: User) -> None:
    """Ends every session and token of the account (تسجيل الخروج من جميع الأجهزة)."""
    now = clock.now()
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1, updated_at=now)
        auth_cache.user_cache_forget(user.pk)  # update() sends no post_save
        RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        audit_record(
            action="account.signed_out_everywhere",
            actor_type="person",
            actor_id=str(user.pk),
            subject_type="account",
            subject_id=str(user.pk),
            person=user.person,
        )
    user.refresh_from_db(fields=["session_epoch"])
