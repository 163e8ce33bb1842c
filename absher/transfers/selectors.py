"""Reads of transfer requests. Interfaces fetch a request for a person only through
`transfer_get_for_actor`: a request the person is no party to does not exist for them."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from absher.core import clock
from absher.core.errors import InvalidInput, NotFound
from absher.identity.models import Person
from absher.identity.selectors import workers_of
from absher.payments.constants import BillStatus
from absher.transfers.constants import Direction, PartyRole, TransferStatus
from absher.transfers.models import TransferEvent, TransferRequest


def transfer_not_found() -> NotFound:
    return NotFound("transfer_not_found", _("This transfer request does not exist."))


def _with_relations(queryset: QuerySet[TransferRequest]) -> QuerySet[TransferRequest]:
    return queryset.select_related("service", "worker", "current_sponsor", "new_sponsor", "bill")


def transfer_get_for_actor(*, person: Person, transfer_id: int) -> TransferRequest:
    """The request, when `person` is one of its parties: the current sponsor, the new sponsor or
    the worker. Anyone else gets the same 404 as for a request that does not exist."""
    transfer = _with_relations(TransferRequest.objects.filter(pk=transfer_id)).first()
    if transfer is None:
        raise transfer_not_found()
    if party_role_of(transfer=transfer, person=person) is None:
        raise transfer_not_found()
    return transfer


def party_role_of(*, transfer: TransferRequest, person: Person) -> str | None:
    if person.pk == transfer.current_sponsor_id:
        return PartyRole.CURRENT_SPONSOR
    if person.pk == transfer.new_sponsor_id:
        return PartyRole.NEW_SPONSOR
    if person.pk == transfer.worker_id:
        return PartyRole.WORKER
    return None


def transfers_of(*, person: Person, direction: str = "") -> QuerySet[TransferRequest]:
    """The person's requests, newest first: made by them (`outgoing`), made to them
    (`incoming`), about them as the worker (`worker`), or all of these (no direction)."""
    filters = {
        Direction.OUTGOING: Q(current_sponsor=person),
        Direction.INCOMING: Q(new_sponsor=person),
        Direction.WORKER: Q(worker=person),
    }
    if direction and direction not in filters:
        raise InvalidInput(
            "invalid_direction", _('The direction must be "outgoing", "incoming" or "worker".')
        )
    condition = (
        filters[Direction(direction)]
        if direction
        else Q(current_sponsor=person) | Q(new_sponsor=person) | Q(worker=person)
    )
    return _with_relations(TransferRequest.objects.filter(condition)).order_by("-created_at", "-id")


def transfer_timeline(*, transfer: TransferRequest) -> QuerySet[TransferEvent]:
    """Every step of the request, oldest first: the same for every party."""
    return TransferEvent.objects.filter(transfer=transfer).order_by("created_at", "id")


def transfer_status_now(transfer: TransferRequest) -> str:
    """The status as the clock has it: a request past its acceptance window, or whose fee bill
    lapsed unpaid, is expired even before the sweep writes it down."""
    now = clock.now()
    if transfer.status == TransferStatus.PENDING_ACCEPTANCE and now >= transfer.expires_at:
        return TransferStatus.EXPIRED
    if transfer.status == TransferStatus.AWAITING_PAYMENT and transfer.bill is not None:
        bill = transfer.bill
        if bill.status in (BillStatus.EXPIRED, BillStatus.CANCELLED) or (
            bill.status == BillStatus.UNPAID and now >= bill.expires_at
        ):
            return TransferStatus.EXPIRED
    return transfer.status


def workers_of_sponsor(*, sponsor: Person) -> QuerySet[Person]:
    """The sponsor's current workers (العمالة المكفولة), by ID number."""
    return workers_of(sponsor=sponsor)


def open_transfer_of(*, worker: Person) -> TransferRequest | None:
    return _with_relations(
        TransferRequest.objects.filter(
            worker=worker,
            status__in=[TransferStatus.PENDING_ACCEPTANCE, TransferStatus.AWAITING_PAYMENT],
        )
    ).first()
