"""The actors and objects of the security tests (see `actors`)."""

from __future__ import annotations

import pytest

from absher.accounts.tests.support import T0

from .actors import World, world_build


@pytest.fixture
def world(db, settings, tmp_path, moved_clock) -> World:
    moved_clock(T0)
    settings.CASE_DOCUMENTS_DIR = tmp_path / "cases"
    return world_build()
