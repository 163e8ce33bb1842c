from __future__ import annotations

import datetime as dt
import io
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command, execute_from_command_line
from django.db import connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from absher.audit.constants import ActorType, ChainFault
from absher.audit.models import AuditChainHead, AuditEvent
from absher.audit.selectors import ChainReport, audit_chain_verify
from absher.audit.services import audit_record
from absher.audit.tests.helpers import allow_tampering, delete_row, record_chain, tamper
from absher.identity.models import Person


@pytest.mark.django_db
def test_an_empty_log_verifies() -> None:
    assert audit_chain_verify() == ChainReport(ok=True, checked=0)


@pytest.mark.django_db
def test_a_long_chain_verifies_across_batches(person: Person) -> None:
    record_chain(60)
    record_chain(40, person=person)

    assert audit_chain_verify(batch_size=7) == ChainReport(ok=True, checked=100)


@pytest.mark.django_db
def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        audit_chain_verify(batch_size=0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("data", {"index": 4, "note": "forged"}),
        ("action", "test.innocent"),
        ("actor_id", "somebody-else"),
        ("actor_type", "staff"),
        ("is_access", True),
    ],
)
def test_a_changed_entry_is_named(column: str, value: Any) -> None:
    # given a chain of ten and a change to the fifth entry that goes around every guard
    record_chain(10)
    allow_tampering()
    tamper(5, column, value)

    # when the chain is verified
    report = audit_chain_verify(batch_size=3)

    # then the fifth entry is named, after the four good ones
    action = AuditEvent.objects.get(sequence=5).action
    assert report == ChainReport(
        ok=False,
        checked=4,
        broken_sequence=5,
        broken_action=action,
        reason=ChainFault.HASH_MISMATCH,
    )


@pytest.mark.django_db
def test_a_rehashed_entry_breaks_the_next_link() -> None:
    # given an attacker who changes entry 5 and recomputes its hash
    events = record_chain(8)
    allow_tampering()
    tamper(5, "action", "test.innocent")
    forged = AuditEvent.objects.get(sequence=5)
    tamper(5, "hash", forged.compute_hash())

    report = audit_chain_verify()

    # then entry 6 no longer links to it
    assert report.broken_sequence == 6
    assert report.broken_action == events[5].action
    assert report.reason == ChainFault.PREV_HASH_MISMATCH


@pytest.mark.django_db
@pytest.mark.parametrize("removed", [1, 4])
def test_a_removed_entry_is_found_as_a_gap(removed: int) -> None:
    record_chain(6)
    allow_tampering()
    delete_row(removed)

    report = audit_chain_verify()

    assert (report.ok, report.broken_sequence, report.reason) == (
        False,
        removed + 1,
        ChainFault.SEQUENCE_GAP,
    )
    assert report.checked == removed - 1


@pytest.mark.django_db
def test_removed_newest_entries_are_found_against_the_head() -> None:
    record_chain(6)
    allow_tampering()
    delete_row(6)
    delete_row(5)

    report = audit_chain_verify()

    assert report == ChainReport(
        ok=False, checked=4, broken_sequence=5, reason=ChainFault.TAIL_MISSING
    )


@pytest.mark.django_db
def test_a_replaced_newest_entry_is_found_against_the_head() -> None:
    # given the newest entry rewritten and rehashed (nothing after it to break a link)
    record_chain(3)
    allow_tampering()
    tamper(3, "action", "test.innocent")
    tamper(3, "hash", AuditEvent.objects.get(sequence=3).compute_hash())

    report = audit_chain_verify()

    assert report == ChainReport(
        ok=False,
        checked=3,
        broken_sequence=3,
        broken_action="test.innocent",
        reason=ChainFault.HEAD_MISMATCH,
    )


@pytest.mark.django_db
def test_entries_without_a_head_are_reported() -> None:
    record_chain(2)
    AuditChainHead.objects.all().delete()

    report = audit_chain_verify()

    assert report == ChainReport(ok=False, checked=2, reason=ChainFault.HEAD_MISSING)


@pytest.mark.django_db
def test_swapped_hashes_are_found_at_the_first_swapped_entry() -> None:
    events = record_chain(8)
    allow_tampering()
    tamper(4, "hash", events[4].hash)
    tamper(5, "hash", events[3].hash)

    report = audit_chain_verify()

    assert (report.broken_sequence, report.reason) == (4, ChainFault.HASH_MISMATCH)


@pytest.mark.django_db
def test_reordered_entries_are_found_at_the_first_moved_entry() -> None:
    # given entries 4 and 5 swapped by renumbering them
    record_chain(8)
    allow_tampering()
    tamper(4, "sequence", 1000)
    tamper(5, "sequence", 4)
    tamper(1000, "sequence", 5)

    report = audit_chain_verify()

    # then position 4 holds an entry that links to 4, not to 3
    assert (report.broken_sequence, report.reason) == (4, ChainFault.PREV_HASH_MISMATCH)


# Every column an attacker could rewrite in place, and how the verifier must describe it.
TAMPERABLE = {
    "occurred_at": ChainFault.HASH_MISMATCH,
    "actor_type": ChainFault.HASH_MISMATCH,
    "actor_id": ChainFault.HASH_MISMATCH,
    "action": ChainFault.HASH_MISMATCH,
    "subject_type": ChainFault.HASH_MISMATCH,
    "subject_id": ChainFault.HASH_MISMATCH,
    "person_id": ChainFault.HASH_MISMATCH,
    "ip": ChainFault.HASH_MISMATCH,
    "request_id": ChainFault.HASH_MISMATCH,
    "is_access": ChainFault.HASH_MISMATCH,
    "data": ChainFault.HASH_MISMATCH,
    "prev_hash": ChainFault.PREV_HASH_MISMATCH,
    "hash": ChainFault.HASH_MISMATCH,
}
_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=0, max_size=16
)
_HEX = st.from_regex(r"[0-9a-f]{64}", fullmatch=True)


def _replacement(column: str, original: Any, people: list[int | None]) -> st.SearchStrategy[Any]:
    if column == "occurred_at":
        strategy: st.SearchStrategy[Any] = st.integers(-(10**9), 10**9).map(
            lambda micros: original + dt.timedelta(microseconds=micros)
        )
    elif column == "person_id":
        strategy = st.sampled_from(people)
    elif column == "actor_type":
        strategy = st.sampled_from(ActorType.values)  # the column's check constraint holds
    elif column == "is_access":
        strategy = st.booleans()
    elif column == "data":
        strategy = st.dictionaries(_TEXT, st.integers() | _TEXT, max_size=3)
    elif column in ("prev_hash", "hash"):
        strategy = _HEX
    else:
        strategy = _TEXT
    return strategy.filter(lambda value: value != original)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_single_tampering_is_found_at_exactly_that_entry(
    data: st.DataObject, make_person: Callable[..., Person]
) -> None:
    # given a chain of N entries (some about people), one entry, one column and a new value
    people: list[Person | None] = [None, *Person.objects.order_by("pk")[:2]]
    while len(people) < 3:
        people.append(make_person())
    size = data.draw(st.integers(1, 12), label="entries")
    target = data.draw(st.integers(1, size), label="tampered entry")
    column = data.draw(st.sampled_from(sorted(TAMPERABLE)), label="column")
    with transaction.atomic():
        for index in range(size):
            audit_record(
                action=f"test.step_{index}",
                actor_type=data.draw(st.sampled_from(["system", "staff", "person"])),
                actor_id=str(index),
                subject_type="thing",
                subject_id=str(index),
                person=people[index % len(people)],
                data={"index": index},
            )
        allow_tampering()
        original = AuditEvent.objects.values_list(column, flat=True).get(sequence=target)
        person_ids = [person.pk if person else None for person in people]
        value = data.draw(_replacement(column, original, person_ids), label="new value")

        # when that one value is rewritten and the chain verified
        tamper(target, column, value)
        report = audit_chain_verify(batch_size=data.draw(st.integers(1, 5), label="batch"))
        transaction.set_rollback(True)

    # then the verifier names exactly that entry, having trusted every one before it
    assert not report.ok
    assert report.broken_sequence == target
    assert report.reason == TAMPERABLE[column]
    assert report.checked == target - 1


@pytest.mark.django_db
def test_command_reports_an_intact_chain() -> None:
    record_chain(12)
    out = io.StringIO()

    call_command("verify_audit_chain", "--batch-size", "5", stdout=out)

    assert out.getvalue().strip() == "OK: 12 audit events verified"


@pytest.mark.django_db
def test_command_names_the_first_broken_entry_and_exits_non_zero(
    capsys: pytest.CaptureFixture[str],
) -> None:
    record_chain(5)
    allow_tampering()
    tamper(3, "data", {"index": 99})

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "verify_audit_chain"])

    assert exit_info.value.code == 1
    error = capsys.readouterr().err
    assert "sequence 3 (test.step_2)" in error
    assert "hash_mismatch" in error
    assert "2 events verified" in error


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_gap_free_chain(audit_truncate_allowed: None) -> None:
    # given 8 threads that start together, each recording 25 entries in its own transactions
    threads_count, per_thread = 8, 25
    barrier = threading.Barrier(threads_count)
    failures: list[BaseException] = []

    def write(thread: int) -> None:
        try:
            barrier.wait(timeout=30)
            for index in range(per_thread):
                with transaction.atomic():
                    audit_record(
                        action="test.concurrent",
                        actor_type="system",
                        actor_id=f"thread-{thread}",
                        data={"index": index},
                    )
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads_count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    # then every entry is there, numbered 1..200 without a gap, and the chain verifies
    assert failures == []
    total = threads_count * per_thread
    assert list(AuditEvent.objects.values_list("sequence", flat=True)) == list(range(1, total + 1))
    assert Counter(AuditEvent.objects.values_list("actor_id", flat=True)) == {
        f"thread-{n}": per_thread for n in range(threads_count)
    }
    assert audit_chain_verify(batch_size=64) == ChainReport(ok=True, checked=total)
