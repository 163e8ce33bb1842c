"""API tokens for the mobile app: a short-lived signed access token (15 minutes) and a refresh
token (stored as a hash) that rotates on every use. An access token dies with the refresh token it
came from, and with "sign out everywhere" (the account's session epoch).

Checking an access token reads no row when the shared cache is on (AUTH_USER_CACHE_SECONDS > 0,
production with Redis): the account comes from `absher.core.auth_cache`, and the state of the
refresh token from a cache entry, "alive" or "revoked", kept for an access token's lifetime.
Revocation stays immediate: revoking writes "revoked" at once and again at commit, overwriting
whatever was there, while a reader that found no entry only *adds* "alive" (it never overwrites),
so a reader that read the row just before a revocation committed cannot put "alive" back after it.
A "revoked" entry outlives every access token of its refresh token. Mass revocations ("sign out
everywhere", password reset, deactivation) also change the account (epoch, password, active
flag), which drops the cached account and fails the epoch check. When the cache cannot be read,
the database answers."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import ACCESS_TOKEN_LIFETIME, REFRESH_TOKEN_LIFETIME
from absher.accounts.models import RefreshToken, User
from absher.accounts.services.login import NotAuthenticated
from absher.audit.services import audit_record
from absher.core import auth_cache, clock

_ACCESS_SALT = "absher.accounts.access-token"
_REFRESH_STATE_KEY = "auth:refresh:{pk}"
_ALIVE, _REVOKED = "alive", "revoked"

logger = logging.getLogger(__name__)


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
        _refresh_state_revoked(token.pk)
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
        _refresh_state_revoked(token.pk)
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
    user: User | None
    if _cache_on():
        if not _refresh_alive(claims.get("r"), claims.get("u")):
            return None
        try:
            user = auth_cache.user_cached(claims.get("u"), load=_user_load)
        except Exception:
            logger.warning("token.account_cache_unavailable", exc_info=True)
            user = _user_load(claims.get("u"))
        if user is None:
            return None
    else:
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


def _cache_on() -> bool:
    return int(settings.AUTH_USER_CACHE_SECONDS) > 0


def _user_load(pk: Any) -> User | None:
    return User.objects.filter(pk=pk).first()


def _state_seconds() -> int:
    # Longer than any access token lives: a "revoked" entry must outlast every token it kills.
    return int(ACCESS_TOKEN_LIFETIME.total_seconds()) + 60


def _refresh_alive(refresh_id: Any, user_id: Any) -> bool:
    key = _REFRESH_STATE_KEY.format(pk=refresh_id)
    try:
        state = cache.get(key)
    except Exception:
        logger.warning("token.state_cache_unavailable", exc_info=True)
        state = None
    if state is not None:
        return state == _ALIVE
    found = list(
        RefreshToken.objects.filter(pk=refresh_id, user_id=user_id).values_list(
            "revoked_at", flat=True
        )[:1]
    )
    alive = bool(found) and found[0] is None
    try:
        if alive:
            cache.add(key, _ALIVE, _state_seconds())  # never over a "revoked" written meanwhile
        else:
            cache.set(key, _REVOKED, _state_seconds())
    except Exception:
        logger.warning("token.state_cache_unavailable", exc_info=True)
    return alive


def _refresh_state_write_revoked(refresh_id: int) -> None:
    try:
        cache.set(_REFRESH_STATE_KEY.format(pk=refresh_id), _REVOKED, _state_seconds())
    except Exception:
        logger.exception("token.state_not_revoked", extra={"refresh_token_id": refresh_id})


def _refresh_state_revoked(refresh_id: int) -> None:
    """The refresh token's access tokens stop working now, and again once the revocation commits
    (a reader between the two may have added "alive" from the row as it was before)."""
    if not _cache_on():
        return
    _refresh_state_write_revoked(refresh_id)
    transaction.on_commit(partial(_refresh_state_write_revoked, refresh_id), robust=True)
