"""What every transfer service shares: the row lock, the one place a status changes (with its
timeline row and audit event), the refusals, and the expiry of a request the clock says has lapsed.
Locks are taken in one order everywhere: a bill, then a transfer request, then a person."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import AccountStatus
from absher.accounts.models import User
from absher.accounts.services.activation import account_not_activated
from absher.audit.services import audit_record
from absher.catalog.constants import TRANSFER_SERVICE_CODE
from absher.catalog.models import Service
from absher.catalog.selectors import service_get
from absher.core import clock
from absher.core.errors import ApplicationError, Conflict, NotFound
from absher.identity.models import Person
from absher.transfers import messages
from absher.transfers.constants import (
    CLOSE_ACCEPTANCE_WINDOW,
    CLOSE_BILL_LAPSED,
    NOTE_MAX_LENGTH,
    TRANSFER_FINAL_STATUSES,
    TRANSFER_OPEN_STATUSES,
    TRANSFER_TRANSITIONS,
    PartyRole,
    TransferStatus,
    TransferStep,
)
from absher.transfers.models import TransferEvent, TransferRequest
from absher.transfers.selectors import party_role_of, transfer_not_found, transfer_status_now


class Gone(ApplicationError):
    http_status = 410


def transfer_open_refusal() -> Conflict:
    return Conflict(
        "transfer_open",
        _(
            "This worker already has an open transfer request. Wait for it to end, or cancel it "
            "before it is accepted."
        ),
    )


STATUS_REFUSALS: dict[str, tuple[str, Any]] = {
    TransferStatus.AWAITING_PAYMENT: (
        "transfer_already_accepted",
        _("This transfer request was already accepted."),
    ),
    TransferStatus.COMPLETED: (
        "transfer_already_accepted",
        _("This transfer request was already accepted."),
    ),
    TransferStatus.REJECTED: ("transfer_rejected", _("This transfer request was rejected.")),
    TransferStatus.CANCELLED: ("transfer_cancelled", _("This transfer request was cancelled.")),
    TransferStatus.EXPIRED: (
        "transfer_expired",
        _("This transfer request has expired. The current sponsor may make a new one."),
    ),
    TransferStatus.FAILED_CONDITIONS: (
        "transfer_failed_conditions",
        _("This transfer request was stopped because a condition is no longer met."),
    ),
}


def status_refusal(status: str) -> Conflict:
    code, message = STATUS_REFUSALS[status]
    return Conflict(code, message, {"status": status})


def transfer_service() -> Service:
    service = service_get(code=TRANSFER_SERVICE_CODE)
    if service is None:
        raise NotFound("service_not_found", _("This e-service does not exist."))
    return service


def acting_person(user: User) -> Person:
    if user.status != AccountStatus.ACTIVE or user.person is None:
        raise account_not_activated()
    return user.person


def with_relations() -> QuerySet[TransferRequest]:
    return TransferRequest.objects.select_related(
        "service", "worker", "current_sponsor", "new_sponsor", "bill"
    )


def transfer_lock(*, transfer_id: int) -> TransferRequest | None:
    """The request's row, locked until the end of the transaction (its parties and bill read with
    it, not locked)."""
    return with_relations().select_for_update(of=("self",)).filter(pk=transfer_id).first()


def locked(transfer_id: int) -> TransferRequest:
    transfer = transfer_lock(transfer_id=transfer_id)
    if transfer is None:
        raise transfer_not_found()
    return transfer


def fetch_as(*, person: Person, transfer_id: int, role: str) -> TransferRequest:
    """The request when `person` holds `role` in it; for anyone else it does not exist (404),
    so a request cannot be probed by its id."""
    transfer = with_relations().filter(pk=transfer_id).first()
    if transfer is None or party_role_of(transfer=transfer, person=person) != role:
        raise transfer_not_found()
    return transfer


def refuse_unless_pending(transfer: TransferRequest) -> None:
    """By the clock: a request past its window is expired even before the sweep records it."""
    status = transfer_status_now(transfer)
    if status != TransferStatus.PENDING_ACCEPTANCE:
        raise status_refusal(status)


def event_record(
    transfer: TransferRequest,
    *,
    step: str,
    before: str,
    role: str,
    actor_type: str,
    actor_id: str,
    note: str = "",
) -> TransferEvent:
    return TransferEvent.objects.create(
        transfer=transfer,
        step=step,
        from_status=before,
        to_status=transfer.status,
        actor_role=role,
        actor_type=actor_type,
        actor_id=actor_id,
        note=note[:NOTE_MAX_LENGTH],
    )


def audit_step(
    transfer: TransferRequest,
    *,
    step: str,
    before: str,
    actor_type: str,
    actor_id: str,
    data: dict[str, Any] | None = None,
) -> None:
    audit_record(
        action=f"transfer.{step}",
        actor_type=actor_type,
        actor_id=actor_id,
        subject_type="transfer",
        subject_id=str(transfer.pk),
        person=transfer.worker,
        data={"from": before, "to": transfer.status, **(data or {})},
    )


def transition(
    transfer: TransferRequest,
    to: str,
    *,
    step: str,
    role: str,
    actor_type: str,
    actor_id: str,
    note: str = "",
    fields: tuple[str, ...] = (),
) -> None:
    """The one place a request's status changes, by TRANSFER_TRANSITIONS; the caller holds the
    row lock. Writes the timeline row and the audit event."""
    if to not in TRANSFER_TRANSITIONS[transfer.status]:
        raise Conflict(
            "transfer_transition_refused",
            _("This transfer request can no longer be changed this way."),
            {"status": transfer.status, "refused": to},
        )
    before = transfer.status
    now = clock.now()
    transfer.status = to
    changed = ["status", "updated_at", *fields]
    if to == TransferStatus.COMPLETED:
        transfer.completed_at = now
        changed.append("completed_at")
    if to in TRANSFER_FINAL_STATUSES:
        transfer.closed_at = now
        transfer.close_reason = note[:NOTE_MAX_LENGTH]
        changed += ["closed_at", "close_reason"]
    transfer.save(update_fields=changed)
    event_record(
        transfer,
        step=step,
        before=before,
        role=role,
        actor_type=actor_type,
        actor_id=actor_id,
        note=note,
    )
    audit_step(transfer, step=step, before=before, actor_type=actor_type, actor_id=actor_id)


def expire(transfer: TransferRequest, *, actor_id: str) -> None:
    """Records what the clock already says of a locked request: its window passed unaccepted, or
    its fee bill lapsed unpaid."""
    bill_lapsed = transfer.status == TransferStatus.AWAITING_PAYMENT
    transition(
        transfer,
        TransferStatus.EXPIRED,
        step=TransferStep.EXPIRED,
        role=PartyRole.SYSTEM,
        actor_type="system",
        actor_id=actor_id,
        note=CLOSE_BILL_LAPSED if bill_lapsed else CLOSE_ACCEPTANCE_WINDOW,
    )
    messages.tell_expired(transfer, bill_lapsed=bill_lapsed)


def close_lapsed(*, worker_id: int) -> TransferRequest | None:
    """The worker's open request, locked; one that has lapsed by the clock is expired first so
    that it does not hold the worker's one open request. Returns the request still open."""
    open_transfer = (
        with_relations()
        .select_for_update(of=("self",))
        .filter(worker_id=worker_id, status__in=sorted(TRANSFER_OPEN_STATUSES))
        .first()
    )
    if open_transfer is None:
        return None
    if transfer_status_now(open_transfer) == TransferStatus.EXPIRED:
        expire(open_transfer, actor_id="clock")
        return None
    return open_transfer
