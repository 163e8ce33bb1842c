from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from absher.audit.constants import GENESIS_HASH
from absher.audit.models import AuditChainHead, AuditEvent
from absher.audit.selectors import access_log_for, audit_chain_verify
from absher.audit.services import audit_record, audit_record_access
from absher.core import context
from absher.identity.models import Person

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def test_record_writes_who_what_when_and_where(
    person: Person, moved_clock: Callable[[dt.datetime], None]
) -> None:
    # given a request from 10.1.2.3 with an id, and a fixed clock
    moved_clock(MOMENT)
    token = context.bind(context.RequestContext(request_id="req-12345678", ip="10.1.2.3"))
    try:
        # when a staff action on the person is recorded
        event = audit_record(
            action="suspension.placed",
            actor_type="staff",
            actor_id="42",
            subject_type="suspension",
            subject_id="7",
            person=person,
            data={
                "reference": "C-1",
                "when": dt.date(2026, 3, 1),
                "amount": Decimal("1.50"),
                "ratios": [0.5, 1e20],
                "count": 3,
            },
        )
    finally:
        context.reset(token)

    # then every column is stored and the entry starts the chain
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.sequence == 1
    assert stored.occurred_at == MOMENT
    assert (stored.actor_type, stored.actor_id) == ("staff", "42")
    assert (stored.subject_type, stored.subject_id) == ("suspension", "7")
    assert stored.person == person
    assert stored.ip == "10.1.2.3"
    assert stored.request_id == "req-12345678"
    assert stored.is_access is False
    assert stored.data == {
        "reference": "C-1",
        "when": "2026-03-01",
        "amount": "1.50",
        "ratios": ["0.5", "1e+20"],
        "count": 3,
    }
    assert stored.prev_hash == GENESIS_HASH
    assert stored.hash == stored.compute_hash() == event.hash
    assert len(stored.hash) == 64


def test_entries_link_to_their_predecessor_and_move_the_head() -> None:
    first = audit_record(action="test.first", actor_type="system")
    second = audit_record(action="test.second", actor_type="system")

    assert second.sequence == first.sequence + 1
    assert second.prev_hash == first.hash
    head = AuditChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (second.sequence, second.hash)


def test_entry_rolls_back_with_the_change_it_records() -> None:
    # given one entry
    kept = audit_record(action="test.kept", actor_type="system")

    # when the caller's transaction fails after recording
    def failing_change() -> None:
        with transaction.atomic():
            audit_record(action="test.lost", actor_type="system")
            raise RuntimeError("the state change failed")

    with pytest.raises(RuntimeError):
        failing_change()

    # then neither the entry nor the head moved, and the next entry leaves no gap
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.kept"]
    assert AuditChainHead.objects.get().last_sequence == kept.sequence
    after = audit_record(action="test.after", actor_type="system")
    assert after.sequence == kept.sequence + 1
    assert audit_chain_verify().ok


def test_head_is_rebuilt_from_the_newest_entry_when_missing() -> None:
    # given entries and no head row (a flushed test database keeps neither; this keeps entries)
    newest = audit_record(action="test.before", actor_type="system")
    AuditChainHead.objects.all().delete()

    # when another entry is recorded
    event = audit_record(action="test.after", actor_type="system")

    # then it continues the existing chain
    assert event.sequence == newest.sequence + 1
    assert event.prev_hash == newest.hash
    assert audit_chain_verify().ok


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"action": "test.ok", "actor_type": "robot"}, "actor type"),
        ({"action": "NotDotted", "actor_type": "system"}, "dotted"),
        ({"action": "test.Upper", "actor_type": "system"}, "dotted"),
        ({"action": "test." + "x" * 100, "actor_type": "system"}, "dotted"),
        ({"action": "test.ok", "actor_type": "system", "subject_id": "9" * 65}, "at most"),
    ],
)
def test_malformed_entries_are_refused(fields: dict[str, str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        audit_record(**fields)

    assert not AuditEvent.objects.exists()
    assert not AuditChainHead.objects.exists()


def test_an_invalid_client_address_is_not_stored() -> None:
    token = context.bind(context.RequestContext(request_id="r" * 80, ip="not-an-ip"))
    try:
        event = audit_record(action="test.ip", actor_type="anonymous")
    finally:
        context.reset(token)

    assert event.ip == ""
    assert event.request_id == "r" * 64


def test_ipv6_addresses_are_stored_compressed() -> None:
    token = context.bind(context.RequestContext(ip="2001:0db8:0000:0000:0000:0000:0000:0001"))
    try:
        event = audit_record(action="test.ip", actor_type="system")
    finally:
        context.reset(token)

    assert AuditEvent.objects.get(pk=event.pk).ip == "2001:db8::1"


@pytest.mark.parametrize("actor_type", ["person", "system", "anonymous"])
def test_only_staff_and_partners_make_accesses(person: Person, actor_type: str) -> None:
    with pytest.raises(ValueError, match="staff or a partner"):
        audit_record_access(
            action="suspensions.looked_up", actor_type=actor_type, actor_id="1", person=person
        )
    assert not AuditEvent.objects.exists()


def test_an_access_names_its_actor(person: Person) -> None:
    with pytest.raises(ValueError, match="names who"):
        audit_record_access(
            action="suspensions.looked_up", actor_type="staff", actor_id="", person=person
        )
    assert not AuditEvent.objects.exists()


def test_access_log_lists_only_lookups_of_that_person_newest_first(
    make_person: Callable[..., Person], moved_clock: Callable[[dt.datetime], None]
) -> None:
    # given two people, look-ups of both, and other events about the first
    owner, other = make_person(), make_person()
    moved_clock(MOMENT)
    early = audit_record_access(
        action="suspensions.looked_up", actor_type="staff", actor_id="agent-1", person=owner
    )
    audit_record(action="account.activated", actor_type="person", actor_id="1", person=owner)
    audit_record_access(
        action="suspensions.looked_up", actor_type="staff", actor_id="agent-1", person=other
    )
    moved_clock(MOMENT + dt.timedelta(minutes=5))
    late = audit_record_access(
        action="bills.inquired", actor_type="partner", actor_id="demo-bank", person=owner
    )

    # when the owner asks who looked at their data
    log = list(access_log_for(person=owner))

    # then only the two look-ups of the owner, newest first
    assert [event.pk for event in log] == [late.pk, early.pk]
    assert all(event.is_access for event in log)


def test_access_log_reads_in_one_query(
    person: Person, django_assert_num_queries: Callable[..., Any]
) -> None:
    for index in range(5):
        audit_record_access(
            action="suspensions.looked_up", actor_type="staff", actor_id=str(index), person=person
        )
    with django_assert_num_queries(1):
        rows = [(event.actor_id, event.action) for event in access_log_for(person=person)]
    assert len(rows) == 5


def test_labels_are_translated_to_arabic() -> None:
    from django.utils import translation

    from absher.audit.constants import ActorType, ChainFault

    with translation.override("ar"):
        assert str(ActorType.STAFF.label) == "موظف"
        assert str(ChainFault.HASH_MISMATCH.label) == "عُدِّل القيد بعد تسجيله"
