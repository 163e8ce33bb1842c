"""Suite-wide switches. PostgreSQL-only and browser tests skip on a laptop that lacks them and say
why; CI sets REQUIRE_POSTGRES=1 / REQUIRE_BROWSER=1 so that the same skips become failures."""

from __future__ import annotations

import os

import pytest

# API clients, people, sign-in and request-signing helpers shared by every app's tests.
pytest_plugins = ["absher.accounts.tests.support"]


def required(name: str) -> bool:
    return os.environ.get(name, "").lower() not in ("", "0", "false", "no")


def skip_or_fail(requirement: str, reason: str) -> None:
    if required(requirement):
        pytest.fail(f"{requirement}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if "postgres" in item.keywords:
        from django.db import connection

        if connection.vendor != "postgresql":
            skip_or_fail("REQUIRE_POSTGRES", "needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture(autouse=True)
def _reset_clock():
    """No test leaks a moved clock into the next one."""
    from absher.core import clock

    yield
    clock.set_override(None)


@pytest.fixture
def moved_clock():
    """Move the platform's clock: `moved_clock(datetime(..., tzinfo=UTC))`."""
    from absher.core import clock

    return clock.set_override


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters, nonces and cached values never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
