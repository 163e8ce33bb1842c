from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from absher.audit.constants import TRUNCATE_SETTING
from absher.audit.models import AppendOnlyError, AuditEvent
from absher.audit.services import audit_record
from absher.audit.tests.helpers import TABLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> AuditEvent:
    return audit_record(action="test.original", actor_type="system", data={"n": 1})


def _unchanged(event: AuditEvent) -> None:
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.data, stored.hash) == ("test.original", {"n": 1}, event.hash)


def test_saving_an_existing_entry_is_refused(event: AuditEvent) -> None:
    event.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    _unchanged(event)


def test_deleting_an_entry_is_refused(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        event.delete()
    _unchanged(event)


def test_queryset_update_is_refused(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten")
    _unchanged(event)


def test_queryset_delete_is_refused(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    _unchanged(event)


def test_bulk_writes_are_refused(event: AuditEvent) -> None:
    event.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["action"])
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(sequence=99, action="test.forged")])
    _unchanged(event)
    assert AuditEvent.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {TABLE} SET action = 'test.rewritten'",  # noqa: S608  # nosec B608  # the statement the database must refuse; the table name is a constant
        f"DELETE FROM {TABLE}",  # noqa: S608  # nosec B608  # the statement the database must refuse; the table name is a constant
        f"TRUNCATE {TABLE}",
    ],
)
def test_database_refuses_changes_that_bypass_the_model(event: AuditEvent, statement: str) -> None:
    # given a session that has not asked to allow TRUNCATE (and no deferred checks queued)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SET LOCAL {TRUNCATE_SETTING} = 'off'")

    # when raw SQL tries to change the log, the trigger refuses it
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    _unchanged(event)


@pytest.mark.postgres
def test_truncate_is_allowed_only_when_the_session_asks(event: AuditEvent) -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"SET LOCAL {TRUNCATE_SETTING} = 'on'")
            cursor.execute(f"TRUNCATE {TABLE}")
        assert not AuditEvent.objects.exists()
        transaction.set_rollback(True)

    _unchanged(event)
