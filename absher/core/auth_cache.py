"""The signed-in account of a web session, read from the shared cache instead of the database.

`CachedAuthenticationMiddleware` replaces Django's AuthenticationMiddleware: it does what
`django.contrib.auth.get_user` does (the session names the account and its backend; the session's
auth hash must still match the account's, which covers the password and the session epoch) but
takes the account row from the cache. With sessions in the cache too, a signed-in page costs no
session or account query.

Correctness rests on invalidation. Every change to an account drops the cached row: `post_save` and
`post_delete` of the user model (connected in `CoreConfig.ready`, so Celery workers invalidate as
well), and `user_cache_forget` for writes that bypass `save()` (the epoch bump of "sign out
everywhere"). The drop happens at once and again when the transaction commits.

A reader that loaded the row just before a concurrent change committed must not put the old row
back after the drop. So each account has a *generation* (a random token) in the cache; a cached
row is stored with the generation read *before* the database read, and is used only while that
generation is still current. Forgetting writes a new generation, which makes every copy stored
under an older one dead, whenever it was written. An evicted generation is replaced by a new one,
which again makes older copies dead.

AUTH_USER_CACHE_SECONDS = 0 turns the cache off (the default outside production: it must be
shared by every process that serves the site, so production enables it only with Redis)."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from functools import partial
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from absher.core.unavailable import dependency_failure, dependency_unavailable

logger = logging.getLogger(__name__)

_ENTRY_KEY = "auth:user:{pk}"
_GENERATION_KEY = "auth:user-generation:{pk}"


def _timeout() -> int:
    return int(settings.AUTH_USER_CACHE_SECONDS)


def _new_generation() -> str:
    return uuid.uuid4().hex


def user_cached(pk: Any, *, load: Any) -> Any:
    """The account `pk` from the cache, else `load(pk)` (stored for next time)."""
    timeout = _timeout()
    if timeout <= 0:
        return load(pk)
    entry_key = _ENTRY_KEY.format(pk=pk)
    generation_key = _GENERATION_KEY.format(pk=pk)
    with _cache_required():
        found = cache.get_many([generation_key, entry_key])
        generation = found.get(generation_key)
        entry = found.get(entry_key)
        if generation is not None and isinstance(entry, tuple) and entry[0] == generation:
            return entry[1]
        if generation is None:
            fresh = _new_generation()
            # Kept longer than the rows: a generation that expires first only costs a miss.
            if cache.add(generation_key, fresh, timeout * 2):
                generation = fresh
            else:  # another process made one first; evicted already (None): do not store
                generation = cache.get(generation_key)
    user = load(pk)
    if user is not None and generation is not None:
        with _cache_required():
            cache.set(entry_key, (generation, user), timeout)
    return user


@contextlib.contextmanager
def _cache_required() -> Iterator[None]:
    """A cache that does not answer stops the request with 503 `service_unavailable` instead of a
    500. Reading the account from the database instead would not be safe: invalidations written
    while the cache was down are lost, so rows cached before the outage could come back stale."""
    try:
        yield
    except Exception as error:
        if not dependency_failure(error):
            raise
        logger.warning("auth_cache.unavailable", extra={"error": type(error).__name__})
        raise dependency_unavailable() from error


def _forget_now(pk: Any) -> None:
    try:
        cache.set(_GENERATION_KEY.format(pk=pk), _new_generation(), _timeout() * 2)
        cache.delete(_ENTRY_KEY.format(pk=pk))
    except Exception:
        logger.exception("auth cache: could not forget account %s", pk)


def user_cache_forget(pk: Any) -> None:
    """Drop the cached account `pk` now and again after the surrounding transaction commits
    (a reader between the two may have stored the row as it was before the commit)."""
    if _timeout() <= 0:
        return
    _forget_now(pk)
    transaction.on_commit(partial(_forget_now, pk), robust=True)


def _on_user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    user_cache_forget(instance.pk)


def signals_connect() -> None:
    user_model = get_user_model()
    post_save.connect(_on_user_changed, sender=user_model, dispatch_uid="absher-auth-cache-save")
    post_delete.connect(
        _on_user_changed, sender=user_model, dispatch_uid="absher-auth-cache-delete"
    )


def session_user(request: HttpRequest) -> Any:
    """`django.contrib.auth.get_user`, with the account row from the cache."""
    user = None
    try:
        user_id = get_user_model()._meta.pk.to_python(request.session[SESSION_KEY])
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            backend = load_backend(backend_path)
            user = user_cached(user_id, load=backend.get_user)
            if hasattr(user, "get_session_auth_hash"):
                user = _verified(request, user)
    return user or AnonymousUser()


def _verified(request: HttpRequest, user: Any) -> Any:
    """The session's hash must match the account's: a password change or an epoch bump ends it."""
    session_hash = request.session.get(HASH_SESSION_KEY)
    current = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, current):
        return user
    if session_hash and any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    ):
        # Signed with a SECRET_KEY_FALLBACKS key: moved to the current key, as Django does.
        request.session.cycle_key()
        request.session[HASH_SESSION_KEY] = current
        return user
    request.session.flush()
    return None


def _request_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        request._cached_user = session_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


async def _request_auser(request: HttpRequest) -> Any:
    return await sync_to_async(_request_user)(request)


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware with the account read through the cache."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)  # the checks Django makes (a session middleware first)
        request.user = SimpleLazyObject(partial(_request_user, request))  # type: ignore[assignment]
        request.auser = partial(_request_auser, request)
