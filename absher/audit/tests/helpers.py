"""Tampering with the audit table the way an attacker with database access would: raw SQL that
goes around the model's guards, and on PostgreSQL around the append-only trigger too."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection

from absher.audit.models import AuditEvent
from absher.audit.services import audit_record

TABLE = AuditEvent._meta.db_table
ROW_TRIGGER = "audit_auditevent_append_only"


def allow_tampering() -> None:
    """Switch the append-only trigger off for the current transaction (PostgreSQL; DDL is
    transactional there, so the test's rollback switches it back on)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # Deferred foreign-key checks queued on the table would block ALTER TABLE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {ROW_TRIGGER}")


def tamper(sequence: int, column: str, value: Any) -> None:
    placeholder = "%s"
    if column == "data":
        value = json.dumps(value)
        if connection.vendor == "postgresql":
            placeholder = "%s::jsonb"
    elif isinstance(value, dt.datetime):
        value = connection.ops.adapt_datetimefield_value(value)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET {column} = {placeholder} WHERE sequence = %s",  # noqa: S608  # nosec B608  # tampering on purpose: the audit table's own name, a column of the test's choosing
            [value, sequence],
        )
        assert cursor.rowcount == 1


def delete_row(sequence: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE sequence = %s", [sequence])  # noqa: S608  # nosec B608  # tampering on purpose: the audit table's own name
        assert cursor.rowcount == 1


def record_chain(size: int, **overrides: Any) -> list[AuditEvent]:
    fields: dict[str, Any] = {"actor_type": "system", "actor_id": "test"}
    fields.update(overrides)
    return [
        audit_record(
            action=f"test.step_{index % 7}",
            subject_type="thing",
            subject_id=str(index),
            data={"index": index, "note": "ملاحظة"},
            **fields,
        )
        for index in range(size)
    ]
