"""Access tokens checked through the shared cache (production with Redis): no row is read for a
live token, and every way a token dies still takes effect at once."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from absher.accounts.models import User
from absher.accounts.services import tokens as token_services
from absher.accounts.services.tokens import access_token_authenticate
from absher.accounts.tests.support import T0, login, make_person, register
from absher.accounts.tests.test_cache_down import STOPPED_REDIS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cache_on")]

REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
EVERYWHERE = "/api/v1/auth/logout-everywhere"


@pytest.fixture
def cache_on():
    with override_settings(AUTH_USER_CACHE_SECONDS=300):
        yield


@pytest.fixture
def account(api, person, moved_clock):
    moved_clock(T0)
    register(api, person)
    return User.objects.get(username="saad.q")


def _me(api, token: str):
    return api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_a_live_token_is_checked_without_reading_a_row(api, account):
    tokens = login(api)
    assert access_token_authenticate(token=tokens["access_token"]) == account  # fills the cache

    with CaptureQueriesContext(connection) as queries:
        user = access_token_authenticate(token=tokens["access_token"])

    assert user == account
    assert len(queries) == 0


def test_logging_out_ends_the_cached_access_token_at_once(api, account):
    tokens = login(api)
    assert _me(api, tokens["access_token"]).status_code == 200

    assert api.post(LOGOUT, {"refresh_token": tokens["refresh_token"]}).status_code == 200

    assert _me(api, tokens["access_token"]).status_code == 401


def test_refreshing_ends_the_cached_old_access_token(api, account):
    tokens = login(api)
    assert _me(api, tokens["access_token"]).status_code == 200

    fresh = api.post(REFRESH, {"refresh_token": tokens["refresh_token"]})

    assert _me(api, tokens["access_token"]).status_code == 401
    assert _me(api, fresh.json()["access_token"]).status_code == 200


def test_signing_out_everywhere_ends_the_cached_tokens(api, account):
    phone, tablet = login(api), login(api)
    other_person = make_person()
    register(api, other_person, username="other.one", mobile="0559998877")
    other = login(api, username="other.one", mobile="+966559998877")
    for tokens in (phone, tablet, other):
        assert _me(api, tokens["access_token"]).status_code == 200

    api.token = phone["access_token"]
    assert api.post(EVERYWHERE).status_code == 200

    assert _me(api, phone["access_token"]).status_code == 401
    assert _me(api, tablet["access_token"]).status_code == 401
    assert _me(api, other["access_token"]).status_code == 200


def test_a_deactivated_account_loses_its_cached_tokens(api, account):
    tokens = login(api)
    assert _me(api, tokens["access_token"]).status_code == 200

    account.is_active = False
    account.save()

    assert _me(api, tokens["access_token"]).status_code == 401


def test_a_reader_that_read_the_row_before_a_revocation_cannot_revive_the_token(
    api, account, monkeypatch
):
    """The reader finds no cache entry and reads the row (alive); the revocation commits before the
    reader writes to the cache. The reader's write must not undo the revocation."""
    tokens = login(api)
    cache.clear()

    class RevocationLandsFirst:
        """The cache as the reader sees it: the revocation commits just before its write."""

        def __getattr__(self, name):
            return getattr(cache, name)

        def add(self, key, value, *args, **kwargs):
            monkeypatch.setattr(token_services, "cache", cache)
            token_services.tokens_revoke(refresh_token=tokens["refresh_token"])
            return cache.add(key, value, *args, **kwargs)

    monkeypatch.setattr(token_services, "cache", RevocationLandsFirst())
    # This check read the row before the revocation: it may still answer with the account.
    access_token_authenticate(token=tokens["access_token"])

    assert access_token_authenticate(token=tokens["access_token"]) is None
    assert _me(api, tokens["access_token"]).status_code == 401


def test_without_the_cache_the_database_decides(api, account):
    live, revoked = login(api), login(api)
    assert api.post(LOGOUT, {"refresh_token": revoked["refresh_token"]}).status_code == 200

    with override_settings(CACHES=STOPPED_REDIS):
        assert access_token_authenticate(token=live["access_token"]) == account
        assert access_token_authenticate(token=revoked["access_token"]) is None
