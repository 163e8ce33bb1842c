"""1,000 random tamperings (fixed seed) of one realistic chain, each undone before the next: any
column of any entry changed (details, actor, time, person, IP, hashes, …), an entry deleted, a
forged entry slipped in (with a random hash, or with a correctly computed hash and link), two
entries swapped, entries renumbered, the tail cut off under the chain head, the head rewound or
changed. The verifier detects 1,000 of 1,000 and names the first broken entry and why.

Out of reach by design (ADR 0002): someone who rewrites the whole chain from an entry onwards and
the head with it; only a copy of the head kept elsewhere can show that."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from absher.audit.constants import ActorType, ChainFault
from absher.audit.hashing import entry_hash
from absher.audit.models import AuditChainHead, AuditEvent
from absher.audit.selectors import audit_chain_verify
from absher.audit.services import audit_record, audit_record_access
from absher.audit.tests.helpers import TABLE, allow_tampering, delete_row, tamper
from absher.core import context
from absher.identity.models import Person

pytestmark = pytest.mark.django_db

TAMPERINGS = 1_000
SEED = 20_261_126
CHAIN = 40
# Sequences are moved out of the way through this offset: a unique column cannot swap in one go.
ASIDE = 10_000_000


def _sql(statement: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _build_chain(people: list[Person]) -> None:
    """Entries as the platform writes them: people, staff, partners and the system acting, look-ups
    of personal data, request ids and IP addresses, Arabic text and nested details."""
    rng = random.Random(SEED + 1)
    actors = [ActorType.PERSON, ActorType.STAFF, ActorType.SYSTEM, ActorType.PARTNER]
    for index in range(CHAIN):
        token = context.bind(
            context.RequestContext(
                request_id=f"req-{rng.randrange(16**12):012x}",
                ip=rng.choice(["10.0.0.7", "2001:db8::5", "188.54.20.3", None]),
            )
        )
        try:
            person = rng.choice([*people, None])
            if person is not None and index % 5 == 0:
                audit_record_access(
                    action="callcentre.lookup",
                    actor_type=ActorType.STAFF,
                    actor_id=f"agent-{index}",
                    person=person,
                    data={"reason": "اتصال من المواطن"},
                )
                continue
            audit_record(
                action=rng.choice(
                    ["bill.paid", "transfer.created", "suspension.placed", "account.activated"]
                ),
                actor_type=rng.choice(actors),
                actor_id=str(rng.randrange(1, 999)),
                subject_type=rng.choice(["bill", "transfer", "suspension", "account"]),
                subject_id=str(rng.randrange(10**12)),
                person=person,
                data={
                    "amount_halalas": rng.randrange(100, 10**6),
                    "note": "سداد فاتورة",
                    "nested": {"step": index, "flags": [True, False]},
                },
            )
        finally:
            context.reset(token)


def _rows() -> dict[int, AuditEvent]:
    return {event.sequence: event for event in AuditEvent.objects.order_by("sequence")}


def _other_text(rng: random.Random, old: str, choices: list[str]) -> str:
    options = [choice for choice in choices if choice != old]
    return rng.choice(options) if options and rng.random() < 0.5 else f"{old}{rng.choice('x9ـ ')}"


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


class Tamperer:
    """Each method changes the stored chain one way and returns the expected (first broken
    sequence, reason); `None` for a sequence where the first broken entry has no single answer."""

    def __init__(self, rng: random.Random, rows: dict[int, AuditEvent], people: list[Person]):
        self.rng = rng
        self.rows = rows
        self.size = len(rows)
        self.people = people

    def _pick(self, low: int = 1, high: int | None = None) -> AuditEvent:
        return self.rows[self.rng.randint(low, high or self.size)]

    def column(self) -> tuple[int | None, str]:
        event = self._pick()
        name = self.rng.choice(
            [
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
            ]
        )
        old = getattr(event, name)
        new: Any
        if name == "occurred_at":
            shift = dt.timedelta(microseconds=self.rng.randint(1, 10**10))
            new = old + shift if self.rng.random() < 0.5 else old - shift
        elif name == "is_access":
            new = not old
        elif name == "person_id":
            candidates = [p.pk for p in self.people if p.pk != old]
            new = (
                None if old is not None and self.rng.random() < 0.3 else self.rng.choice(candidates)
            )
        elif name == "data":
            new = json.loads(json.dumps(old))
            key = self.rng.choice([*sorted(new), "added"])
            if key == "added":
                new["added"] = "حقل مزور"
            elif self.rng.random() < 0.3:
                del new[key]
            else:
                new[key] = {"forged": new[key]}
        elif name == "actor_type":
            new = self.rng.choice([value for value in ActorType.values if value != old])
        else:
            new = _other_text(self.rng, old, ["bill.refunded", "system", "1", "10.0.0.8"])
        assert new != old
        tamper(event.sequence, name, new)
        return event.sequence, ChainFault.HASH_MISMATCH

    def own_hash(self) -> tuple[int | None, str]:
        event = self._pick()
        tamper(event.sequence, "hash", _hex(self.rng))
        return event.sequence, ChainFault.HASH_MISMATCH

    def link(self) -> tuple[int | None, str]:
        """The link to the previous entry changed (to random bytes or another entry's hash)."""
        event = self._pick()
        others = [e.hash for e in self.rows.values() if e.hash != event.prev_hash]
        tamper(event.sequence, "prev_hash", self.rng.choice([_hex(self.rng), *others]))
        return event.sequence, ChainFault.PREV_HASH_MISMATCH

    def link_and_hash(self) -> tuple[int | None, str]:
        """An entry changed and its own hash recomputed: the next entry's link gives it away (or
        the head, for the newest)."""
        event = copy.copy(self._pick())  # the kept rows stay as the chain has them
        event.data = {**event.data, "amount_halalas": 1}
        event.hash = event.compute_hash()
        tamper(event.sequence, "data", event.data)
        tamper(event.sequence, "hash", event.hash)
        if event.sequence == self.size:
            return event.sequence, ChainFault.HEAD_MISMATCH
        return event.sequence + 1, ChainFault.PREV_HASH_MISMATCH

    def delete(self) -> tuple[int | None, str]:
        event = self._pick()
        delete_row(event.sequence)
        if event.sequence == self.size:
            return event.sequence, ChainFault.TAIL_MISSING
        return event.sequence + 1, ChainFault.SEQUENCE_GAP

    def truncate_tail(self) -> tuple[int | None, str]:
        first_gone = self.rng.randint(1, self.size)
        removed = _sql(f"DELETE FROM {TABLE} WHERE sequence >= %s", [first_gone])  # noqa: S608  # nosec B608  # tampering on purpose
        assert removed == self.size - first_gone + 1
        return first_gone, ChainFault.TAIL_MISSING

    def _renumber_from(self, sequence: int, by: int) -> None:
        _sql(
            f"UPDATE {TABLE} SET sequence = sequence + %s WHERE sequence >= %s",  # noqa: S608  # nosec B608  # tampering on purpose
            [ASIDE, sequence],
        )
        _sql(
            f"UPDATE {TABLE} SET sequence = sequence - %s WHERE sequence >= %s",  # noqa: S608  # nosec B608  # tampering on purpose
            [ASIDE - by, ASIDE],
        )

    def _insert(self, fields: dict[str, Any]) -> None:
        columns = ", ".join(fields)
        marks = ", ".join(
            "%s::jsonb" if name == "data" and connection.vendor == "postgresql" else "%s"
            for name in fields
        )
        values = [json.dumps(v) if name == "data" else v for name, v in fields.items()]
        values = [
            connection.ops.adapt_datetimefield_value(v) if isinstance(v, dt.datetime) else v
            for v in values
        ]
        _sql(f"INSERT INTO {TABLE} ({columns}) VALUES ({marks})", values)  # noqa: S608  # nosec B608  # tampering on purpose

    def _forged_fields(self, sequence: int, prev_hash: str) -> dict[str, Any]:
        model = self.rows[min(sequence, self.size)]
        fields = {
            "sequence": sequence,
            "occurred_at": model.occurred_at + dt.timedelta(seconds=1),
            "actor_type": ActorType.STAFF,
            "actor_id": "insider",
            "action": "suspension.lifted",
            "subject_type": "suspension",
            "subject_id": str(self.rng.randrange(10**6)),
            "person_id": self.rng.choice(self.people).pk,
            "ip": "10.9.9.9",
            "request_id": "",
            "is_access": False,
            "data": {"reason": "مزور"},
            "prev_hash": prev_hash,
        }
        fields["hash"] = entry_hash(fields)
        return fields

    def insert_forged(self) -> tuple[int | None, str]:
        """A forged entry slipped in before entry s: the later entries renumbered to make room."""
        at = self.rng.randint(1, self.size)
        previous = self.rows[at - 1].hash if at > 1 else self.rows[1].prev_hash
        self._renumber_from(at, 1)
        fields = self._forged_fields(at, previous)
        if self.rng.random() < 0.5:
            fields["hash"] = _hex(self.rng)
            self._insert(fields)
            return at, ChainFault.HASH_MISMATCH
        self._insert(fields)
        # Well formed and well linked: the renumbered entry after it breaks (its link, or its own
        # hash since its sequence is hashed; the link is checked first).
        return at + 1, ChainFault.PREV_HASH_MISMATCH

    def insert_over_gap(self) -> tuple[int | None, str]:
        """An entry deleted and a forged one, correctly hashed, put in its place."""
        event = self._pick()
        delete_row(event.sequence)
        self._insert(self._forged_fields(event.sequence, event.prev_hash))
        if event.sequence == self.size:
            return event.sequence, ChainFault.HEAD_MISMATCH
        return event.sequence + 1, ChainFault.PREV_HASH_MISMATCH

    def swap(self) -> tuple[int | None, str]:
        first, second = sorted(self.rng.sample(range(1, self.size + 1), 2))
        _sql(f"UPDATE {TABLE} SET sequence = %s WHERE sequence = %s", [ASIDE, first])  # noqa: S608  # nosec B608  # tampering on purpose
        _sql(f"UPDATE {TABLE} SET sequence = %s WHERE sequence = %s", [first, second])  # noqa: S608  # nosec B608  # tampering on purpose
        _sql(f"UPDATE {TABLE} SET sequence = %s WHERE sequence = %s", [second, ASIDE])  # noqa: S608  # nosec B608  # tampering on purpose
        # The later entry, now in the earlier place, does not link to the entry before it.
        return first, ChainFault.PREV_HASH_MISMATCH

    def renumber(self) -> tuple[int | None, str]:
        """Entries from s onwards shifted: up (a gap opens) or down over a deleted entry."""
        at = self.rng.randint(2, self.size)
        by = self.rng.choice([1, 2, 7, -1])
        if by < 0:
            delete_row(at - 1)
            self._renumber_from(at, by)
            return at - 1, ChainFault.PREV_HASH_MISMATCH
        self._renumber_from(at, by)
        if at + by <= self.size:
            return at + by, ChainFault.SEQUENCE_GAP
        return at, ChainFault.TAIL_MISSING

    def head_rewound(self) -> tuple[int | None, str]:
        back = self.rng.randint(1, self.size - 1)
        AuditChainHead.objects.update(last_sequence=self.size - back)
        return self.size - back, ChainFault.HEAD_MISMATCH

    def head_changed(self) -> tuple[int | None, str]:
        AuditChainHead.objects.update(last_hash=_hex(self.rng))
        return self.size, ChainFault.HEAD_MISMATCH

    def head_deleted(self) -> tuple[int | None, str]:
        AuditChainHead.objects.all().delete()
        return None, ChainFault.HEAD_MISSING

    KINDS: tuple[str, ...] = (
        "column",
        "column",
        "column",
        "own_hash",
        "link",
        "link_and_hash",
        "delete",
        "truncate_tail",
        "insert_forged",
        "insert_over_gap",
        "swap",
        "renumber",
        "head_rewound",
        "head_changed",
        "head_deleted",
    )


def test_the_verifier_detects_a_thousand_random_tamperings_of_a_thousand(
    make_person: Callable[..., Person],
) -> None:
    people = [make_person() for _ in range(4)]
    _build_chain(people)
    assert audit_chain_verify().ok
    allow_tampering()
    rows = _rows()
    assert len(rows) == CHAIN
    rng = random.Random(SEED)
    tamperer = Tamperer(rng, rows, people)
    detected: Counter[str] = Counter()
    named: Counter[str] = Counter()
    started = time.monotonic()

    for number in range(TAMPERINGS):
        kind = Tamperer.KINDS[number % len(Tamperer.KINDS)]
        with transaction.atomic():
            broken, reason = getattr(tamperer, kind)()
            report = audit_chain_verify(batch_size=rng.choice([3, 16, 5000]))
            transaction.set_rollback(True)

        assert not report.ok, (number, kind)
        detected[kind] += 1
        assert report.reason == reason, (number, kind, report)
        if broken is not None:
            assert report.broken_sequence == broken, (number, kind, report)
            named[kind] += 1

    elapsed = time.monotonic() - started
    print(
        f"\n{sum(detected.values())} of {TAMPERINGS} tamperings detected in {elapsed:.1f}s; "
        f"first broken entry named for {sum(named.values())}: {dict(detected)}"
    )
    assert sum(detected.values()) == TAMPERINGS
    assert set(detected) == set(Tamperer.KINDS)
    assert audit_chain_verify().ok
