"""The accounts test fixtures (JSON client, registry people, fresh cache) for the API tests."""

from absher.accounts.tests.support import _fresh_cache, api, person  # noqa: F401
