"""Paying the fee bill completes the transfer: the fulfilment handler payments calls."""

from __future__ import annotations

from absher.identity.services import person_lock, sponsorship_transfer
from absher.payments.models import Bill
from absher.payments.services import bill_withdraw
from absher.transfers import messages
from absher.transfers.conditions import conditions_evaluate
from absher.transfers.constants import PartyRole, TransferStatus, TransferStep
from absher.transfers.services.common import transfer_lock, transition


def transfer_complete_paid(bill: Bill) -> None:
    """Fulfilment handler of paid transfer fee bills (payments holds the bill's lock; idempotent).
    The conditions are checked once more under the worker's lock: met, the worker's sponsorship
    moves and the request completes; broken, the request stops (`failed_conditions`), the bill is
    refunded and every party is told why. A bill paid for a request that has ended meanwhile is
    refunded."""
    transfer = transfer_lock(transfer_id=int(bill.purpose_id))
    if transfer is None or transfer.status == TransferStatus.COMPLETED:
        return
    if transfer.status != TransferStatus.AWAITING_PAYMENT or transfer.bill_id != bill.pk:
        bill_withdraw(
            sadad_number=bill.sadad_number,
            actor_type="system",
            actor_id="transfers",
            reason=f"transfer_{transfer.status}",
        )
        return
    worker = person_lock(person_id=transfer.worker_id)
    transfer.worker = worker
    failures = conditions_evaluate(
        worker=worker,
        current_sponsor=transfer.current_sponsor,
        new_sponsor=transfer.new_sponsor,
        service=transfer.service,
        without_consent=transfer.is_without_consent,
    )
    if failures:
        codes = [failure.code for failure in failures]
        transfer.failed_conditions = codes
        transition(
            transfer,
            TransferStatus.FAILED_CONDITIONS,
            step=TransferStep.FAILED_CONDITIONS,
            role=PartyRole.SYSTEM,
            actor_type="system",
            actor_id="transfers",
            note=", ".join(codes),
            fields=("failed_conditions",),
        )
        bill_withdraw(
            sadad_number=bill.sadad_number,
            actor_type="system",
            actor_id="transfers",
            reason="transfer_failed_conditions: " + ", ".join(codes),
        )
        messages.tell_failed_conditions(transfer, failures)
        return
    sponsorship_transfer(worker=worker, new_sponsor=transfer.new_sponsor)
    transition(
        transfer,
        TransferStatus.COMPLETED,
        step=TransferStep.COMPLETED,
        role=PartyRole.SYSTEM,
        actor_type="system",
        actor_id="payments",
    )
    messages.tell_completed(transfer)
