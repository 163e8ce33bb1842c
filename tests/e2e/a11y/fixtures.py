"""Fixtures of the accessibility, screenshot and no-JavaScript tests (imported by their modules)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.e2e.a11y.axe import AXE_PATH, axe_source
from tests.e2e.a11y.world import World, world_load


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """Sign-in throttles and code send caps live in the cache (Redis in CI): start from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(settings, tmp_path: Path, standard_catalogue: None, fresh_cache: None) -> World:
    """The demo data; case documents go to the test's own directory (the live server runs in
    this process)."""
    settings.CASE_DOCUMENTS_DIR = tmp_path / "private" / "cases"
    return world_load()


@pytest.fixture
def axe() -> str:
    source = axe_source()
    if source is None:
        reason = f"no axe-core at {AXE_PATH} (run `npm ci` at the repository root)"
        if os.environ.get("REQUIRE_BROWSER", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return source
