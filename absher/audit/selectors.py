"""Reading the audit log: verifying the chain, and a person's access log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from absher.audit.constants import CHAIN_HEAD_ID, GENESIS_HASH, ChainFault
from absher.audit.models import AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from absher.identity.models import Person


@dataclass(frozen=True)
class ChainReport:
    """The verifier's verdict. When `ok` is false, `broken_sequence` names the first entry that
    cannot be trusted (for a gap: the entry after it) and `reason` says why."""

    ok: bool
    checked: int
    broken_sequence: int | None = None
    broken_action: str = ""
    reason: str = ""


def audit_chain_verify(*, batch_size: int = 5000) -> ChainReport:
    """Walk the whole chain in `sequence` order, `batch_size` entries per query (keyset pages, so
    memory stays constant however long the chain), recomputing every hash and link.

    The head is read first and only entries up to it are checked: entries appended while the
    verifier runs belong to a later run, and every entry up to the head had committed before the
    head showed it."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    head = AuditChainHead.objects.filter(pk=CHAIN_HEAD_ID).first()
    events = AuditEvent.objects.order_by("sequence")
    if head is not None:
        events = events.filter(sequence__lte=head.last_sequence)

    checked = 0
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    last_sequence = 0
    last_action = ""
    while True:
        batch = list(events.filter(sequence__gt=last_sequence)[:batch_size])
        if not batch:
            break
        for event in batch:
            reason = _fault(event, expected_sequence=expected_sequence, previous_hash=previous_hash)
            if reason is not None:
                return ChainReport(
                    ok=False,
                    checked=checked,
                    broken_sequence=event.sequence,
                    broken_action=event.action,
                    reason=reason,
                )
            checked += 1
            expected_sequence = event.sequence + 1
            previous_hash = event.hash
            last_sequence = event.sequence
            last_action = event.action

    if head is None:
        if checked:
            return ChainReport(ok=False, checked=checked, reason=ChainFault.HEAD_MISSING)
        return ChainReport(ok=True, checked=0)
    if last_sequence < head.last_sequence:
        return ChainReport(
            ok=False,
            checked=checked,
            broken_sequence=last_sequence + 1,
            reason=ChainFault.TAIL_MISSING,
        )
    if previous_hash != head.last_hash:
        return ChainReport(
            ok=False,
            checked=checked,
            broken_sequence=last_sequence,
            broken_action=last_action,
            reason=ChainFault.HEAD_MISMATCH,
        )
    return ChainReport(ok=True, checked=checked)


def _fault(event: AuditEvent, *, expected_sequence: int, previous_hash: str) -> ChainFault | None:
    if event.sequence != expected_sequence:
        return ChainFault.SEQUENCE_GAP
    if event.prev_hash != previous_hash:
        return ChainFault.PREV_HASH_MISMATCH
    if event.hash != event.compute_hash():
        return ChainFault.HASH_MISMATCH
    return None


def access_log_for(*, person: Person) -> QuerySet[AuditEvent]:
    """Who looked at `person`'s data (من اطلع على بياناتي), newest first: the entries written by
    `audit_record_access` about this person."""
    return AuditEvent.objects.filter(person=person, is_access=True).order_by(
        "-occurred_at", "-sequence"
    )
