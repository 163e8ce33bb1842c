"""The signed-in account read from the cache (production: sessions and accounts in Redis): no
session or account query per request, and still every change to the account ends or updates the
session at once — sign out everywhere, a new password, a deactivation — however recently cached."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory

from absher.accounts.models import User
from absher.accounts.services.login import logout_everywhere
from absher.core import auth_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production_sessions(settings: Any) -> None:
    """As production runs: sessions in the cache, the account cached for five minutes."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.AUTH_USER_CACHE_SECONDS = 300
    caches["sessions"].clear()


@pytest.fixture
def account() -> User:
    user = User(username="cached.user", mobile="+966551112233")
    user.set_password("Cache2030ok")
    user.save()
    return user


@pytest.fixture
def session_key(client: Any, account: User) -> str:
    client.force_login(account)
    return client.session.session_key


def signed_in_user(session_key: str) -> Any:
    """What a view sees as request.user for a request carrying this session."""
    request = RequestFactory().get("/")
    engine = import_module(django_settings.SESSION_ENGINE)
    request.session = engine.SessionStore(session_key)
    auth_cache.CachedAuthenticationMiddleware(lambda _request: HttpResponse()).process_request(
        request
    )
    user = request.user
    user.is_authenticated  # noqa: B018 (resolves the lazy user)
    return user


def test_the_account_is_read_once_then_served_from_the_cache(
    session_key: str, account: User, django_assert_num_queries: Callable[..., Any]
):
    with django_assert_num_queries(1):
        assert signed_in_user(session_key).pk == account.pk

    with django_assert_num_queries(0):
        user = signed_in_user(session_key)

    assert user.pk == account.pk
    assert user.is_authenticated


def test_sign_out_everywhere_ends_a_session_whose_account_was_cached(
    session_key: str, account: User, django_capture_on_commit_callbacks: Callable[..., Any]
):
    assert signed_in_user(session_key).pk == account.pk  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        logout_everywhere(user=account)

    assert isinstance(signed_in_user(session_key), AnonymousUser)


def test_a_new_password_ends_a_session_whose_account_was_cached(
    session_key: str, account: User, django_capture_on_commit_callbacks: Callable[..., Any]
):
    assert signed_in_user(session_key).pk == account.pk

    with django_capture_on_commit_callbacks(execute=True):
        account.set_password("Changed2030ok")
        account.save()

    assert isinstance(signed_in_user(session_key), AnonymousUser)


def test_a_deactivated_account_is_signed_out_at_once(session_key: str, account: User):
    assert signed_in_user(session_key).is_authenticated

    account.is_active = False
    account.save(update_fields=["is_active"])

    assert isinstance(signed_in_user(session_key), AnonymousUser)


def test_a_change_is_seen_by_the_next_request(session_key: str, account: User):
    assert signed_in_user(session_key).language == "ar"

    account.language = "en"
    account.save(update_fields=["language"])

    assert signed_in_user(session_key).language == "en"


def test_a_reader_that_loaded_the_account_before_a_change_cannot_cache_the_old_row(account: User):
    old = User.objects.get(pk=account.pk)

    def load_while_the_account_changes(pk: Any) -> User:
        # The account changes (and that change commits) after this reader read the generation
        # and while it reads the row: what it then stores must never be served.
        auth_cache.user_cache_forget(pk)
        return old

    assert auth_cache.user_cached(account.pk, load=load_while_the_account_changes) is old
    fresh = auth_cache.user_cached(account.pk, load=lambda pk: "read again")

    assert fresh == "read again"


def test_an_evicted_generation_makes_older_copies_useless(account: User):
    auth_cache.user_cached(account.pk, load=lambda pk: "first")
    caches["default"].delete(f"auth:user-generation:{account.pk}")

    assert auth_cache.user_cached(account.pk, load=lambda pk: "second") == "second"


def test_with_the_cache_off_every_request_reads_the_account(
    settings: Any, session_key: str, django_assert_num_queries: Callable[..., Any]
):
    settings.AUTH_USER_CACHE_SECONDS = 0
    signed_in_user(session_key)

    with django_assert_num_queries(1):
        signed_in_user(session_key)


def test_a_session_without_an_account_is_anonymous(django_assert_num_queries: Callable[..., Any]):
    with django_assert_num_queries(0):
        assert isinstance(signed_in_user("no-such-session-key-000000000000"), AnonymousUser)
