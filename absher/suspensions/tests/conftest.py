"""The accounts test fixtures (JSON client, registry person, fresh cache, audit truncation) for the
suspension tests."""

from absher.accounts.tests.support import (  # noqa: F401
    _fresh_cache,
    api,
    audit_truncate_allowed,
    person,
)
