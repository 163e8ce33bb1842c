"""Password reset (استعادة كلمة المرور): ID + date of birth, a code to the account's mobile, then a
new password. Every session and token of the account ends and any lock is lifted."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from absher.accounts import selectors
from absher.accounts.constants import OtpPurpose
from absher.accounts.models import OtpChallenge, RefreshToken, User
from absher.accounts.services.otp import challenge_not_found, otp_issue, otp_verify
from absher.accounts.services.registration import (
    identity_mismatch,
    password_validate,
    person_identify,
)
from absher.audit.services import audit_record
from absher.core import clock
from absher.core.errors import NotFound


def password_reset_start(
    *, id_number: str, date_of_birth: str, calendar: str, language: str = "ar"
) -> OtpChallenge:
    person = person_identify(id_number=id_number, date_of_birth=date_of_birth, calendar=calendar)
    user = User.objects.filter(person=person, is_active=True).first()
    if user is None:
        # Same answer as a mismatch: whether an ID has an account is not revealed here.
        raise identity_mismatch()
    return otp_issue(
        purpose=OtpPurpose.PASSWORD_RESET,
        subject=f"user:{user.pk}",
        mobile=user.mobile,
        id_number=person.id_number,
        language=language,
    )


def password_reset_complete(*, challenge_id: str, code: str, new_password: str) -> User:
    # The new password is checked before the code is spent, so a weak password costs no code.
    pending = selectors.challenge_peek(challenge_id=challenge_id)
    if pending is None or pending.purpose != OtpPurpose.PASSWORD_RESET:
        raise challenge_not_found()
    owner = (
        User.objects.select_related("person").filter(pk=int(pending.subject.split(":")[1])).first()
    )
    if owner is None:
        raise NotFound("account_not_found", identity_mismatch().message)
    password_validate(
        password=new_password,
        username=owner.username,
        id_number=owner.person.id_number if owner.person else "",
    )
    otp_verify(challenge_id=challenge_id, code=code, purpose=OtpPurpose.PASSWORD_RESET)
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
