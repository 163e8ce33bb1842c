"""The periodic sweeps: expiry of what the clock already treats as expired, and the new sponsor's
reminders before expiry. Correctness never waits for them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from absher.core import clock
from absher.core.faults import fault_point, fault_point_after_commit
from absher.payments.constants import BillStatus
from absher.transfers import messages
from absher.transfers.constants import (
    REMINDER_HOURS,
    TRANSFER_OPEN_STATUSES,
    PartyRole,
    TransferStatus,
    TransferStep,
)
from absher.transfers.models import TransferRequest
from absher.transfers.selectors import transfer_status_now
from absher.transfers.services.common import (
    audit_step,
    event_record,
    expire,
    transfer_lock,
    with_relations,
)


def transfers_expire_due(*, limit: int = 500) -> int:
    """Records the expiry of requests the clock already treats as expired: pending past their
    window, or accepted with a fee bill that lapsed unpaid. Safe to run at any time, twice."""
    now = clock.now()
    pending = TransferRequest.objects.filter(
        status=TransferStatus.PENDING_ACCEPTANCE, expires_at__lte=now
    ).order_by("expires_at", "id")
    awaiting = (
        TransferRequest.objects.filter(status=TransferStatus.AWAITING_PAYMENT, bill__isnull=False)
        .exclude(bill__status__in=[BillStatus.PAID, BillStatus.REFUNDED])
        .exclude(bill__status=BillStatus.UNPAID, bill__expires_at__gt=now)
    )
    candidates = list(pending.values_list("pk", flat=True)[:limit])
    candidates += list(awaiting.order_by("id").values_list("pk", flat=True)[:limit])
    expired = 0
    for transfer_id in candidates:
        with transaction.atomic():
            transfer = transfer_lock(transfer_id=transfer_id)
            fault_point_after_commit("transfer.expiry_committed")
            if (
                transfer is not None
                and transfer.status in TRANSFER_OPEN_STATUSES
                and transfer_status_now(transfer) == TransferStatus.EXPIRED
            ):
                expire(transfer, actor_id="sweep")
                fault_point("transfer.expired")
                expired += 1
    return expired


def _reminder_field(hours: int) -> str:
    return f"reminder_{hours}h_sent_at"


def transfer_reminders_send(*, limit: int = 500) -> int:
    """Reminds the new sponsor 48 and 24 hours before a pending request expires, each once: the
    reminder's column is claimed by a conditional update before the message is written, in one
    transaction, so concurrent sweeps send it once. A reminder whose time has passed (the next one
    is due) is not sent late."""
    now = clock.now()
    sent = 0
    later_hours = [*REMINDER_HOURS[1:], 0]
    for hours, later in zip(REMINDER_HOURS, later_hours, strict=True):
        field = _reminder_field(hours)
        due = TransferRequest.objects.filter(
            status=TransferStatus.PENDING_ACCEPTANCE,
            expires_at__lte=now + _hours(hours),
            expires_at__gt=now + _hours(later),
            **{f"{field}__isnull": True},
        ).order_by("expires_at", "id")
        for transfer_id in list(due.values_list("pk", flat=True)[:limit]):
            with transaction.atomic():
                claimed = TransferRequest.objects.filter(
                    pk=transfer_id,
                    status=TransferStatus.PENDING_ACCEPTANCE,
                    **{f"{field}__isnull": True},
                ).update(**{field: now, "updated_at": now})
                if not claimed:
                    continue
                transfer = with_relations().get(pk=transfer_id)
                event_record(
                    transfer,
                    step=TransferStep.REMINDER_SENT,
                    before=transfer.status,
                    role=PartyRole.SYSTEM,
                    actor_type="system",
                    actor_id="sweep",
                    note=f"{hours}h",
                )
                messages.tell_reminder(transfer, hours=hours)
                audit_step(
                    transfer,
                    step=TransferStep.REMINDER_SENT,
                    before=transfer.status,
                    actor_type="system",
                    actor_id="sweep",
                    data={"hours": hours},
                )
                sent += 1
    return sent


def _hours(hours: int) -> dt.timedelta:
    return dt.timedelta(hours=hours)
