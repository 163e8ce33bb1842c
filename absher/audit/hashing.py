"""The canonical form of an audit entry and its hash. Kept apart from the model so that writing and
verifying can never disagree on what an entry's hash covers."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from absher.audit.constants import HASH_VERSION

# Every column of an entry except its own hash; a change to any of them breaks the entry's hash.
HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_type",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "person_id",
    "ip",
    "request_id",
    "is_access",
    "data",
    "prev_hash",
)


def json_safe(data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` exactly as it will come back from the database (dates as ISO text, decimals and
    floats as strings), so that the hash taken at write time is the one the verifier recomputes.
    Floats become text because PostgreSQL's jsonb rewrites some of them (1e20 reads back as an
    integer), which would break an honest entry's hash."""
    result: dict[str, Any] = _floats_as_text(
        json.loads(json.dumps(dict(data), cls=DjangoJSONEncoder))
    )
    return result


def _floats_as_text(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {key: _floats_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_floats_as_text(item) for item in value]
    return value


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8: one byte string per entry whatever the database."""
    payload: dict[str, Any] = {"v": HASH_VERSION}
    for name in HASHED_FIELDS:
        value = fields[name]
        payload[name] = _timestamp(value) if isinstance(value, dt.datetime) else value
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()
