"""Creating an account (إنشاء حساب): ID + date of birth must match the registry, one account per ID,
a unique username, a strong password, then a code to the mobile. The new account is `registered`:
it may sign in and see its profile, messages and activation, nothing else.

Registering answers whether an ID and a date of birth match the registry (SPEC 13: the next step, or
409 `account_exists`, or 422 `identity_mismatch`). So that nobody can try every date of birth of
an ID until it does, the mismatches of one ID number are capped per day; past the cap every
attempt with that ID is refused alike, the right date included."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from absher.accounts import selectors
from absher.accounts.constants import AccountStatus, OtpPurpose
from absher.accounts.models import OtpChallenge, User
from absher.accounts.services.otp import (
    DAY,
    TooManyRequests,
    counters_required,
    otp_issue,
    otp_verify,
)
from absher.audit.services import audit_record
from absher.core import clock, throttle
from absher.core.errors import Conflict, InvalidInput
from absher.identity.models import Person
from absher.identity.rules import date_of_birth_parse, id_number_parse, mobile_parse
from absher.identity.selectors import person_matches
from absher.notifications.services import notification_send

USERNAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{3,39}$")
# Dates of birth that may be tried against one ID number in a day when registering.
REGISTRATION_MISMATCHES_PER_ID_PER_DAY = 10


@dataclass(frozen=True)
class _PasswordOwner:
    """What the password validators look at before an account exists."""

    username: str
    id_number: str


def identity_mismatch() -> InvalidInput:
    # One answer for an unknown ID and a wrong date of birth: the registry cannot be probed.
    return InvalidInput(
        "identity_mismatch",
        _("The ID number and date of birth do not match our records."),
    )


def person_identify(*, id_number: str, date_of_birth: str, calendar: str) -> Person:
    """Malformed input is refused for its own reason first; then ID + date of birth must match."""
    parsed = id_number_parse(id_number)
    born = date_of_birth_parse(date_of_birth, calendar)
    person = person_matches(id_number=parsed.value, date_of_birth=born)
    if person is None:
        raise identity_mismatch()
    return person


def _person_identify_capped(*, id_number: str, date_of_birth: str, calendar: str) -> Person:
    """`person_identify` with the daily cap on mismatches per ID number (see the module)."""
    parsed = id_number_parse(id_number)
    born = date_of_birth_parse(date_of_birth, calendar)
    now = clock.now()
    counter = f"registration-mismatch:{parsed.value}"
    with counters_required():
        mismatches = throttle.counter_value(name=counter, window_seconds=DAY, moment=now)
    if mismatches >= REGISTRATION_MISMATCHES_PER_ID_PER_DAY:
        window_end = (int(now.timestamp()) // DAY + 1) * DAY
        raise TooManyRequests(
            "too_many_attempts",
            _("Too many attempts with this ID number. Please try again later."),
            {"retry_after_seconds": max(1, math.ceil(window_end - now.timestamp()))},
        )
    person = person_matches(id_number=parsed.value, date_of_birth=born)
    if person is None:
        with counters_required():
            throttle.counter_increment(name=counter, window_seconds=DAY, moment=now)
        raise identity_mismatch()
    return person


def username_validate(username: str) -> str:
    cleaned = (username or "").strip()
    if not USERNAME_PATTERN.match(cleaned):
        raise InvalidInput(
            "invalid_username",
            _(
                "The username must be 4 to 40 Latin letters, digits, dots, dashes or "
                "underscores, starting with a letter."
            ),
        )
    if cleaned.isdigit():
        raise InvalidInput("invalid_username", _("The username cannot be only digits."))
    return cleaned


def password_validate(*, password: str, username: str, id_number: str) -> None:
    try:
        # The validators read only `username` and `id_number`; there is no account yet.
        password_validation.validate_password(
            password,
            user=_PasswordOwner(username=username, id_number=id_number),  # type: ignore[arg-type]
        )
    except ValidationError as error:
        # `problems` in the caller's language for people, `rules` (the validators' codes) for
        # programs; in the same order.
        raise InvalidInput(
            "weak_password",
            _("The password does not meet the password policy."),
            {
                "problems": [str(message) for message in error.messages],
                "rules": [item.code or "password_policy" for item in error.error_list],
            },
        ) from None


def registration_start(
    *,
    id_number: str,
    date_of_birth: str,
    calendar: str,
    username: str,
    password: str,
    mobile: str,
    email: str = "",
    language: str = "ar",
) -> OtpChallenge:
    person = _person_identify_capped(
        id_number=id_number, date_of_birth=date_of_birth, calendar=calendar
    )
    if selectors.account_exists_for(id_number=person.id_number):
        raise _account_exists()
    username = username_validate(username)
    if selectors.username_is_taken(username=username):
        raise _username_taken()
    mobile_e164 = mobile_parse(mobile)
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput("invalid_email", _("The email address is not valid.")) from None
    password_validate(password=password, username=username, id_number=person.id_number)
    return otp_issue(
        purpose=OtpPurpose.REGISTER,
        subject=f"register:{person.id_number}",
        mobile=mobile_e164,
        id_number=person.id_number,
        language=language,
        payload={
            "person_id": person.pk,
            "username": username,
            "password_hash": make_password(password),
            "mobile": mobile_e164,
            "email": email,
            "language": language,
        },
    )


def registration_complete(*, challenge_id: str, code: str) -> User:
    challenge = otp_verify(challenge_id=challenge_id, code=code, purpose=OtpPurpose.REGISTER)
    data = challenge.payload
    person = Person.objects.get(pk=data["person_id"])
    try:
        with transaction.atomic():
            user = User(
                username=data["username"],
                password=data["password_hash"],
                person=person,
                mobile=data["mobile"],
                email=data["email"],
                language=data.get("language", "ar"),
                status=AccountStatus.REGISTERED,
            )
            user.save()
            audit_record(
                action="account.registered",
                actor_type="person",
                actor_id=str(user.pk),
                subject_type="account",
                subject_id=str(user.pk),
                person=person,
            )
            notification_send(
                person=person,
                kind="account_registered",
                title_ar="تم إنشاء حسابك في أبشر",
                title_en="Your Absher account was created",
                body_ar=(
                    "تم إنشاء حسابك بنجاح. فعّل الخدمات الإلكترونية لتتمكن من استخدامها، "
                    "بإحدى طرق التفعيل المتاحة في صفحة التفعيل."
                ),
                body_en=(
                    "Your account was created. Activate e-services to use them, with any of the "
                    "methods on the activation page."
                ),
                send_sms=False,
            )
    except IntegrityError:
        # Another registration for the same ID or username finished first (concurrent sign-ups).
        if selectors.account_exists_for(id_number=person.id_number):
            raise _account_exists() from None
        raise _username_taken() from None
    return user


def _account_exists() -> Conflict:
    return Conflict(
        "account_exists",
        _("An account already exists for this ID number. Sign in or reset your password."),
    )


def _username_taken() -> Conflict:
    return Conflict("username_taken", _("This username is taken. Choose another one."))
