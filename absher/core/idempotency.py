"""Idempotency keys: a client that sends a write with an `Idempotency-Key` and retries it (a lost
answer, a double tap) gets the first answer again instead of a second checkout or transfer.

The unique constraint on (owner, key, operation) decides which of two simultaneous requests runs:
the first one's claim row is committed before the work starts; the other waits a moment for the
answer and otherwise is told the request is still in progress. Only successful answers are kept:
a refusal (a wrong code, an unpaid bill) releases the key so that the same request may be sent
again once its cause is fixed. Records live for a day (ADR 0006)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from absher.core import clock
from absher.core.errors import Conflict, InvalidInput
from absher.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
RECORD_LIFETIME = dt.timedelta(hours=24)
# How long a second request with the same key waits for the first one's answer.
IN_PROGRESS_WAIT_SECONDS = 2.0
_POLL_SECONDS = 0.05
# 1 to 255 printable ASCII characters (spaces included, control characters not).
_KEY = re.compile(r"[\x20-\x7e]{1,255}")


def idempotency_key_validate(key: str) -> str:
    if not _KEY.fullmatch(key or ""):
        raise InvalidInput(
            "invalid_idempotency_key",
            _("The Idempotency-Key header must be 1 to 255 printable ASCII characters."),
            {"header": HEADER},
        )
    return key


def request_hash(*, path: str, body: bytes) -> str:
    """The request's fingerprint: its path and its JSON body in canonical form (key order and
    spacing do not matter); a body that is not JSON is taken byte for byte."""
    try:
        canonical: Any = json.loads(body) if body else None
        text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        text = body.decode("utf-8", "replace")
    return hashlib.sha256(f"{path}\n{text}".encode()).hexdigest()


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: str


@dataclass(frozen=True)
class Claim:
    """Either the right to run the request (`record_id`) or the answer already given (`stored`)."""

    record_id: int | None = None
    stored: StoredAnswer | None = None


def _key_reused() -> InvalidInput:
    return InvalidInput(
        "idempotency_key_reused",
        _(
            "This Idempotency-Key was already used with a different request. Use a new key for "
            "a new request."
        ),
        {"header": HEADER},
    )


def _in_progress() -> Conflict:
    return Conflict(
        "idempotency_in_progress",
        _("A request with this Idempotency-Key is still being processed. Try again shortly."),
        {"header": HEADER},
    )


def _find(*, owner: str, key: str, operation: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(owner=owner, key=key, operation=operation).first()


def idempotency_claim(
    *,
    owner: str,
    key: str,
    operation: str,
    fingerprint: str,
    wait_seconds: float | None = None,
) -> Claim:
    """Claims `key` for this request, or returns the answer it already got. Refuses a key already
    used with another request (422) or one whose first request is still running (409)."""
    waiting = IN_PROGRESS_WAIT_SECONDS if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + waiting
    while True:
        now = clock.now()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner=owner,
                    key=key,
                    operation=operation,
                    request_hash=fingerprint,
                    created_at=now,
                    expires_at=now + RECORD_LIFETIME,
                )
            return Claim(record_id=record.pk)
        except IntegrityError:
            pass
        existing = _find(owner=owner, key=key, operation=operation)
        if existing is None:
            continue  # released by a refused first request in the meantime
        if existing.expires_at <= now:
            IdempotencyRecord.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        if existing.request_hash != fingerprint:
            raise _key_reused()
        if existing.status_code is not None:
            return Claim(stored=StoredAnswer(existing.status_code, existing.response_body))
        if time.monotonic() >= deadline:
            raise _in_progress()
        time.sleep(_POLL_SECONDS)


def idempotency_complete(*, record_id: int, status_code: int, body: str) -> None:
    IdempotencyRecord.objects.filter(pk=record_id).update(
        status_code=status_code, response_body=body, completed_at=clock.now()
    )


def idempotency_release(*, record_id: int) -> None:
    """The request was refused or failed: the key may be used again."""
    IdempotencyRecord.objects.filter(pk=record_id, status_code__isnull=True).delete()


def idempotency_records_purge(*, limit: int = 10_000) -> int:
    """Deletes records past their day (the claim step already ignores them)."""
    expired = IdempotencyRecord.objects.filter(expires_at__lte=clock.now()).order_by("id")
    ids = list(expired.values_list("pk", flat=True)[:limit])
    deleted, _details = IdempotencyRecord.objects.filter(pk__in=ids).delete()
    return deleted
