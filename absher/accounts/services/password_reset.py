"""Password reset (استعادة كلمة المرور): ID + date of birth, a code to the account's mobile, then a
new password. Every session and token of the account ends and any lock is lifted.

The first step answers every well-formed ID and possible date alike — a challenge, its expiry and
no number — so that it does not tell whether the ID exists, the date matches or there is an
account. When all three hold, the code goes to the account's mobile; otherwise the challenge is a
decoy that takes tries, burns, expires, re-sends and meets the caps as a real one does, and never
accepts a code (ADR 0003)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from absher.accounts import selectors
from absher.accounts.constants import OtpPurpose
from absher.accounts.models import OtpChallenge, RefreshToken, User
from absher.accounts.services.otp import (
    challenge_not_found,
    is_decoy,
    otp_issue,
    otp_issue_decoy,
    otp_verify,
)
from absher.accounts.services.registration import identity_mismatch, password_validate
from absher.audit.services import audit_record
from absher.core import clock
from absher.core.errors import NotFound
from absher.identity.rules import date_of_birth_parse, id_number_parse
from absher.identity.selectors import person_matches

# Shown where other flows show the masked number the code went to (see the module's docstring).
RESET_CODE_SENT_NOTE = _(
    "If the ID number and date of birth match an account, we sent a 6-digit code to the mobile "
    "number of that account."
)


def password_reset_start(
    *, id_number: str, date_of_birth: str, calendar: str, language: str = "ar"
) -> OtpChallenge:
    """A challenge for whatever well-formed ID and possible date were typed (see the module's
    docstring); `invalid_id_number` and `invalid_date` are refused for that reason first."""
    typed_id = id_number_parse(id_number).value
    born = date_of_birth_parse(date_of_birth, calendar)
    person = person_matches(id_number=typed_id, date_of_birth=born)
    user = User.objects.filter(person=person, is_active=True).first() if person else None
    if user is None or person is None:
        key = _decoy_key(id_number=typed_id, born=born)
        return otp_issue_decoy(
            purpose=OtpPurpose.PASSWORD_RESET,
            subject=f"reset:{key}",
            id_number=typed_id,
            recipient_key=key,
            language=language,
        )
    return otp_issue(
        purpose=OtpPurpose.PASSWORD_RESET,
        subject=f"user:{user.pk}",
        mobile=user.mobile,
        id_number=person.id_number,
        language=language,
    )


def _decoy_key(*, id_number: str, born: dt.date) -> str:
    """One key per ID and date typed, as a real account has one subject and one number: asking
    twice supersedes, and the caps fill, exactly as they would for an account."""
    message = f"{id_number}:{born.isoformat()}"
    return salted_hmac(
        "absher.accounts.password_reset.decoy", message, algorithm="sha256"
    ).hexdigest()[:32]


def password_reset_complete(*, challenge_id: str, code: str, new_password: str) -> User:
    # The new password is checked before the code is spent, so a weak password costs no code.
    pending = selectors.challenge_peek(challenge_id=challenge_id)
    if pending is None or pending.purpose != OtpPurpose.PASSWORD_RESET:
        raise challenge_not_found()
    owner = None
    if not is_decoy(pending):
        owner = (
            User.objects.select_related("person")
            .filter(pk=int(pending.subject.split(":")[1]))
            .first()
        )
        if owner is None:
            raise NotFound("account_not_found", identity_mismatch().message)
    password_validate(
        password=new_password,
        username=owner.username if owner is not None else "",
        id_number=pending.id_number,
    )
    otp_verify(challenge_id=challenge_id, code=code, purpose=OtpPurpose.PASSWORD_RESET)
    if owner is None:  # a decoy accepts no code; should one ever get here, it changes nothing
        raise challenge_not_found()
    now = clock.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=owner.pk)
        user.set_password(new_password)
        user.failed_login_count = 0
        user.locked_until = None
        user.save(update_fields=["password", "failed_login_count", "locked_until", "updated_at"])
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        audit_record(
            action="account.password_reset",
            actor_type="person",
            actor_id=str(user.pk),
            subject_type="account",
            subject_id=str(user.pk),
            person=user.person,
        )
    user.refresh_from_db()
    return user
