"""Writing to the audit log. Every state change in the platform calls `audit_record` inside the
transaction that makes the change; every staff or partner look-up of a person's data calls
`audit_record_access`.

Why appends are serialised on one row: each entry carries the hash of the entry before it, so two
writers must never both build on the same predecessor. `_chain_head_lock` takes a row lock
(`SELECT ... FOR UPDATE`) on the single chain-head row inside the caller's transaction; the lock is
held until that transaction commits or rolls back, and the audit entry commits or rolls back with
the state change it records (no entry for a change that did not happen, no change without its
entry, no gaps in `sequence`). The price is one short queue per audited transaction: audited writes
are serialised for the time between their audit call and their commit, so services call
`audit_record` as their last step, after the slow work. On SQLite the database-wide write lock taken
by `BEGIN IMMEDIATE` (the configured transaction mode) gives the same ordering."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from absher.audit.constants import (
    ACCESS_ACTOR_TYPES,
    ACTION_MAX_LENGTH,
    ACTION_PATTERN,
    CHAIN_HEAD_ID,
    GENESIS_HASH,
    IDENTIFIER_MAX_LENGTH,
    ActorType,
)
from absher.audit.hashing import json_safe
from absher.audit.models import AuditChainHead, AuditEvent
from absher.core import clock, context

if TYPE_CHECKING:
    from absher.identity.models import Person

logger = logging.getLogger(__name__)


def audit_record(
    *,
    action: str,
    actor_type: str,
    actor_id: str = "",
    subject_type: str = "",
    subject_id: str = "",
    person: Person | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry: `action` is dotted ("registry.imported"), `actor_type` one of
    `ActorType`, `person` the person whose data the change concerns. The request's IP address and
    id come from the request context. Joins the caller's transaction when there is one."""
    return _append(
        action=action,
        actor_type=actor_type,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        person=person,
        data=data,
        is_access=False,
    )


def audit_record_access(
    *,
    action: str,
    actor_type: str,
    actor_id: str,
    person: Person,
    subject_type: str = "",
    subject_id: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append a look-up of `person`'s data by a staff member or partner; it appears in that
    person's access log (من اطلع على بياناتي).

    A flag set at the call site, rather than a list of "look-up" action names kept here, because
    the audit app sits below every app that looks data up: a central list would have to know their
    vocabulary and would silently hide a new kind of look-up that nobody added to it. The flag is
    part of the hashed entry, so it cannot be cleared afterwards either."""
    if actor_type not in ACCESS_ACTOR_TYPES:
        raise ValueError(f"an access is made by staff or a partner, not by {actor_type!r}")
    if not actor_id:
        raise ValueError("an access names who made it")
    return _append(
        action=action,
        actor_type=actor_type,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        person=person,
        data=data,
        is_access=True,
    )


def _append(
    *,
    action: str,
    actor_type: str,
    actor_id: str,
    subject_type: str,
    subject_id: str,
    person: Person | None,
    data: Mapping[str, Any] | None,
    is_access: bool,
) -> AuditEvent:
    actor_id, subject_type, subject_id = str(actor_id), str(subject_type), str(subject_id)
    _validate(
        action=action, actor_type=actor_type, identifiers=(actor_id, subject_type, subject_id)
    )
    request = context.current()
    with transaction.atomic():
        head = _chain_head_lock()
        event = AuditEvent(
            sequence=head.last_sequence + 1,
            occurred_at=clock.now(),
            actor_type=actor_type,
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            person=person,
            ip=_normalised_ip(request.ip),
            request_id=request.request_id[:IDENTIFIER_MAX_LENGTH],
            is_access=is_access,
            data=json_safe(data or {}),
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        head.last_sequence = event.sequence
        head.last_hash = event.hash
        head.save(update_fields=["last_sequence", "last_hash"])
    return event


def _chain_head_lock() -> AuditChainHead:
    """The chain head, locked until the surrounding transaction ends. Created on first use (and
    after a test flush emptied every table) from the newest entry, if any."""
    head = AuditChainHead.objects.select_for_update().filter(pk=CHAIN_HEAD_ID).first()
    if head is not None:
        return head
    newest = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
    if newest is not None:
        logger.error("audit.chain_head_rebuilt", extra={"sequence": newest.sequence})
    AuditChainHead.objects.get_or_create(
        pk=CHAIN_HEAD_ID,
        defaults={
            "last_sequence": newest.sequence if newest else 0,
            "last_hash": newest.hash if newest else GENESIS_HASH,
        },
    )
    return AuditChainHead.objects.select_for_update().get(pk=CHAIN_HEAD_ID)


def _validate(*, action: str, actor_type: str, identifiers: tuple[str, ...]) -> None:
    if actor_type not in ActorType.values:
        raise ValueError(f"unknown actor type {actor_type!r}")
    if len(action) > ACTION_MAX_LENGTH or not ACTION_PATTERN.match(action):
        raise ValueError(f"audit actions are dotted lower-case names, not {action!r}")
    if any(len(value) > IDENTIFIER_MAX_LENGTH for value in identifiers):
        raise ValueError(f"actor and subject identifiers are at most {IDENTIFIER_MAX_LENGTH} long")


def _normalised_ip(ip: str | None) -> str:
    if not ip:
        return ""
    try:
        return ipaddress.ip_address(ip).compressed
    except ValueError:
        return ""
