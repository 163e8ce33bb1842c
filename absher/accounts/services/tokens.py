"""API tokens for the mobile app: a short-lived signed access token (15 minutes) and a refresh
token (stored as a hash) that rotates on every use. An access token dies with the refresh token it
came from, and with "sign out everywhere" (the account's session epoch)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import ACCESS_TOKEN_LIFETIME, REFRESH_TOKEN_LIFETIME
from absher.accounts.models import RefreshToken, User
from absher.accounts.services.login import NotAuthenticated
from absher.audit.services import audit_record
from absher.core import clock

_ACCESS_SALT = "absher.accounts.access-token"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _invalid_token() -> NotAuthenticated:
    return NotAuthenticated(
        "invalid_token", _("The token is not valid or has expired. Sign in again.")
    )


def tokens_issue(*, user: User) -> TokenPair:
    now = clock.now()
    raw = secrets.token_urlsafe(32)
    refresh = RefreshToken.objects.create(
        user=user,
        token_hash=_hash(raw),
        expires_at=now + REFRESH_TOKEN_LIFETIME,
        session_epoch=user.session_epoch,
    )
    access = signing.dumps(
        {"u": user.pk, "r": refresh.pk, "e": user.session_epoch, "t": int(now.timestamp())},
        salt=_ACCESS_SALT,
        compress=True,
    )
    return TokenPair(
        access_token=access,
        refresh_token=raw,
        expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
    )


def tokens_refresh(*, refresh_token: str) -> TokenPair:
    now = clock.now()
    with transaction.atomic():
        token = (
            RefreshToken.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(token_hash=_hash(refresh_token or ""))
            .first()
        )
        if (
            token is None
            or token.revoked_at is not None
            or token.expires_at <= now
            or token.session_epoch != token.user.session_epoch
            or not token.user.is_active
        ):
            raise _invalid_token()
        token.revoked_at = now
        token.save(update_fields=["revoked_at", "updated_at"])
        return tokens_issue(user=token.user)


def tokens_revoke(*, refresh_token: str) -> None:
    now = clock.now()
    with transaction.atomic():
        token = (
            RefreshToken.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(token_hash=_hash(refresh_token or ""), revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise _invalid_token()
        token.revoked_at = now
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            action="account.signed_out",
            actor_type="person",
            actor_id=str(token.user_id),
            subject_type="account",
            subject_id=str(token.user_id),
            person=token.user.person,
        )


def access_token_authenticate(*, token: str) -> User | None:
    """The account an access token belongs to, or None when it is forged, expired or revoked."""
    try:
        claims = signing.loads(token, salt=_ACCESS_SALT)
    except signing.BadSignature:
        return None
    age = clock.now().timestamp() - int(claims.get("t", 0))
    if not 0 <= age < ACCESS_TOKEN_LIFETIME.total_seconds():
        return None
    refresh = (
        RefreshToken.objects.select_related("user", "user__person")
        .filter(pk=claims.get("r"), user_id=claims.get("u"))
        .first()
    )
    if refresh is None or refresh.revoked_at is not None:
        return None
    user = refresh.user
    if not user.is_active or user.session_epoch != claims.get("e"):
        return None
    return user
