"""Reads of transfer requests and of transfer-without-consent cases. Interfaces fetch a request
for a person only through `transfer_get_for_actor` (a request the person is no party to does not
exist for them), and a case through `case_get_for_actor` (its filer) or `case_get_for_staff` (an
officer)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import StaffRole
from absher.accounts.models import StaffMember
from absher.core import clock
from absher.core.errors import InvalidInput, NotFound
from absher.identity.models import Person
from absher.identity.selectors import sponsor_current_of, workers_of
from absher.payments.constants import BillStatus
from absher.transfers.conditions import Failure, conditions_evaluate
from absher.transfers.constants import (
    CASE_QUEUE_STATUSES,
    Direction,
    DocumentKind,
    PartyRole,
    TransferStatus,
)
from absher.transfers.models import (
    CaseDocument,
    CaseEvent,
    TransferCase,
    TransferEvent,
    TransferRequest,
)


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


# --- transfer without the sponsor's consent: cases (SPEC 9) ---------------------------------------


def case_not_found() -> NotFound:
    return NotFound("case_not_found", _("This case does not exist."))


def document_not_found() -> NotFound:
    return NotFound("document_not_found", _("This document does not exist."))


def _cases() -> QuerySet[TransferCase]:
    return TransferCase.objects.select_related(
        "service", "filer", "worker", "current_sponsor", "transfer", "transfer__bill"
    )


def case_get_for_actor(*, person: Person, case_id: int) -> TransferCase:
    """The case, when `person` filed it. Anyone else (the worker and the current sponsor too)
    gets the same 404 as for a case that does not exist."""
    case = _cases().filter(pk=case_id).first()
    if case is None:
        raise case_not_found()
    if case.filer_id != person.pk:
        raise case_not_found()
    return case


def case_get_for_staff(*, member: StaffMember, case_id: int) -> TransferCase:
    """The case, for an active officer (officers review every case); for other staff it does not
    exist."""
    if member.role != StaffRole.OFFICER:
        raise case_not_found()
    if not member.user.is_active:
        raise case_not_found()
    case = _cases().select_related("reviewer__user").filter(pk=case_id).first()
    if case is None:
        raise case_not_found()
    return case


def cases_of(*, person: Person) -> QuerySet[TransferCase]:
    """The cases `person` filed, newest first."""
    return _cases().filter(filer=person).order_by("-created_at", "-id")


def cases_to_review() -> QuerySet[TransferCase]:
    """The officers' queue: cases waiting for an officer (submitted, or under review), the
    longest waiting first."""
    return _cases().filter(status__in=sorted(CASE_QUEUE_STATUSES)).order_by("submitted_at", "id")


def case_documents_current(*, case: TransferCase) -> QuerySet[CaseDocument]:
    """The documents the case holds now, in checklist order (slots, then additional ones)."""
    order = Case(
        *(When(kind=kind, then=Value(i)) for i, kind in enumerate(DocumentKind.values)),
        output_field=IntegerField(),
    )
    return (
        CaseDocument.objects.filter(case=case, is_current=True)
        .annotate(slot_order=order)
        .order_by("slot_order", "id")
    )


def case_documents_replaced(*, case: TransferCase) -> QuerySet[CaseDocument]:
    """Documents replaced by the filer after a request for more, oldest first."""
    return CaseDocument.objects.filter(case=case, is_current=False).order_by("id")


def case_document_get(*, case: TransferCase, document_id: int) -> CaseDocument:
    """One document of a case the caller already may see (through `case_get_for_actor` or
    `case_get_for_staff`); a document of another case does not exist."""
    document = CaseDocument.objects.filter(case=case, pk=document_id).first()
    if document is None:
        raise document_not_found()
    return document


def case_timeline(*, case: TransferCase) -> QuerySet[CaseEvent]:
    """Every step of the case, oldest first: the same for the filer and the officers."""
    return CaseEvent.objects.filter(case=case).order_by("created_at", "id")


def case_conditions_now(*, case: TransferCase) -> list[Failure]:
    """What approving the case would meet now: conditions 1–5 and the others a transfer without
    the sponsor's consent must meet, as the registry stands (a preview for the officer; approval
    checks them again)."""
    current = sponsor_current_of(worker=case.worker)
    if current is None:
        return [
            Failure(
                code="worker_has_no_sponsor",
                message=_("The worker has no current sponsor."),
            )
        ]
    return conditions_evaluate(
        worker=case.worker,
        current_sponsor=current,
        new_sponsor=case.filer,
        service=case.service,
        without_consent=True,
    )
