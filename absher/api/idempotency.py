"""The `Idempotency-Key` header on API writes (ADR 0006): an operation declares the header with
`IdempotencyKey` and hands its work to `idempotent`, which answers a retried request with the
answer it already got, byte for byte."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Schema
from ninja.responses import NinjaJSONEncoder, Status

from absher.core import idempotency

IdempotencyKey = Annotated[
    str | None,
    Header(
        default=None,
        alias=idempotency.HEADER,
        description=(
            "Optional, 1 to 255 printable ASCII characters, chosen by the client per request. "
            "Sending the same request again with the same key within 24 hours returns the first "
            "answer without doing the work twice; the same key with a different request is "
            "refused (422 `idempotency_key_reused`); while the first is still running, 409 "
            "`idempotency_in_progress`. Keys are per account."
        ),
    ),
]

REPLAYED_HEADER = "Idempotent-Replayed"


def _json_response(status_code: int, body: str, *, replayed: bool) -> HttpResponse:
    response = HttpResponse(body, status=status_code, content_type="application/json")
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return response


def idempotent(
    request: HttpRequest,
    *,
    key: str | None,
    owner: str,
    operation: str,
    schema: type[Schema],
    work: Callable[[], Any],
) -> Any:
    """Runs `work` (which returns what the operation would return: a dict or a `Status`) once per
    key; without a key, simply runs it."""
    if key is None:
        return work()
    idempotency.idempotency_key_validate(key)
    claim = idempotency.idempotency_claim(
        owner=owner,
        key=key,
        operation=operation,
        fingerprint=idempotency.request_hash(path=request.path, body=request.body),
    )
    if claim.stored is not None:
        return _json_response(claim.stored.status_code, claim.stored.body, replayed=True)
    assert claim.record_id is not None
    try:
        result = work()
        status_code, value = (
            (result.status_code, result.value) if isinstance(result, Status) else (200, result)
        )
        body = json.dumps(
            schema.model_validate(value).model_dump(by_alias=True),
            cls=NinjaJSONEncoder,
            ensure_ascii=False,
        )
    except BaseException:
        idempotency.idempotency_release(record_id=claim.record_id)
        raise
    idempotency.idempotency_complete(record_id=claim.record_id, status_code=status_code, body=body)
    return _json_response(status_code, body, replayed=False)
