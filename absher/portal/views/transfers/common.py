"""What the transfer pages share: fetching a request for the signed-in person (anyone who is not a
party gets a 404), a request and its timeline as the pages show them, and how a refusal of a
transfer service reaches the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from absher.catalog import selectors as catalog_selectors
from absher.catalog.constants import TRANSFER_SERVICE_CODE
from absher.catalog.models import Service
from absher.core.errors import ApplicationError, NotFound
from absher.identity.models import Person
from absher.portal.access import PersonRequest
from absher.portal.views.bills import bill_view
from absher.transfers import selectors
from absher.transfers.conditions import CONDITIONS
from absher.transfers.constants import (
    CLOSE_BILL_LAPSED,
    CLOSE_WORKER_DECLINED,
    PartyRole,
    TransferStatus,
    TransferStep,
)

if TYPE_CHECKING:
    from absher.transfers.models import TransferEvent, TransferRequest

CURRENT = PartyRole.CURRENT_SPONSOR
NEW = PartyRole.NEW_SPONSOR
WORKER = PartyRole.WORKER

# Refusals after which the current step cannot go on: the person starts again from the service's
# page, where the reason is shown.
ENDS_THE_FLOW = frozenset(
    {
        "transfer_session_expired",
        "service_suspended",
        "service_not_activated",
        "service_not_eligible",
        "service_not_found",
        "account_not_activated",
        "transfer_open",
    }
)

CONDITION_UNKNOWN = _("A condition of the transfer is no longer met.")

# Why a request ended, by its status (and, for some, by why it was closed).
OUTCOMES: dict[str, Promise] = {
    TransferStatus.COMPLETED: _(
        "The fee was paid and the worker's services were transferred to the new sponsor."
    ),
    TransferStatus.REJECTED: _("The new sponsor rejected the request."),
    TransferStatus.CANCELLED: _("The current sponsor cancelled the request."),
    TransferStatus.FAILED_CONDITIONS: _(
        "The transfer stopped after the fee was paid, because a condition is no longer met. The "
        "amount paid is refunded."
    ),
}
OUTCOME_WORKER_DECLINED = _("The worker declined the transfer.")
OUTCOME_NOT_ACCEPTED = _("The new sponsor did not accept the request within the time allowed.")
OUTCOME_NOT_PAID = _("The fee bill was not paid before it expired.")


def transfer_service_get() -> Service | None:
    return catalog_selectors.service_get(code=TRANSFER_SERVICE_CODE)


def own_transfer(request: PersonRequest, transfer_id: int) -> TransferRequest:
    """The request when the signed-in person is one of its parties; for anyone else, and for a
    request that does not exist, the same 404."""
    try:
        return selectors.transfer_get_for_actor(person=request.person, transfer_id=transfer_id)
    except NotFound:
        raise Http404 from None


def own_transfer_as(request: PersonRequest, transfer_id: int, role: str) -> TransferRequest:
    """The request when the signed-in person holds `role` in it (an answer only its party may
    give); a 404 otherwise."""
    transfer = own_transfer(request, transfer_id)
    if selectors.party_role_of(transfer=transfer, person=request.person) != role:
        raise Http404
    return transfer


def back_to_service(request: PersonRequest, error: ApplicationError) -> HttpResponse:
    """The refusal, told on the transfer service's page."""
    messages.error(request, str(error.message))
    return redirect("portal:transfers")


def masked_id(id_number: str) -> str:
    return "•" * (len(id_number) - 4) + id_number[-4:]


def party(person: Person, *, shown: bool) -> dict[str, Any]:
    """A party as a page shows it: another sponsor's ID number is masked."""
    return {
        "name_ar": person.name_ar,
        "name_en": person.name_en,
        "id_number": person.id_number if shown else masked_id(person.id_number),
        "is_citizen": person.is_citizen,
    }


def worker_party(worker: Person) -> dict[str, Any]:
    return {
        **party(worker, shown=True),
        "iqama_expiry": worker.iqama_expiry,
        "transfer_count": worker.transfer_count,
    }


def condition_messages(codes: Iterable[str]) -> list[str | Promise]:
    """What to do about each failed condition, by its code."""
    texts = {condition.code: condition.message for condition in CONDITIONS}
    return [texts[code]() if code in texts else CONDITION_UNKNOWN for code in codes]


def refusal_failures(error: ApplicationError) -> list[str | Promise]:
    """The failed conditions a refusal lists (`transfer_conditions_failed`), each saying what to
    do."""
    return [failure["message"] for failure in error.extra.get("failed", [])]


def outcome(transfer: TransferRequest, status: str) -> str | Promise:
    if status == TransferStatus.EXPIRED:
        lapsed = transfer.close_reason == CLOSE_BILL_LAPSED or (
            transfer.status == TransferStatus.AWAITING_PAYMENT
        )
        return OUTCOME_NOT_PAID if lapsed else OUTCOME_NOT_ACCEPTED
    if status == TransferStatus.REJECTED and transfer.close_reason == CLOSE_WORKER_DECLINED:
        return OUTCOME_WORKER_DECLINED
    return OUTCOMES.get(status, "")


def transfer_view(transfer: TransferRequest, *, viewer: Person) -> dict[str, Any]:
    """A request as the viewer sees it: their part in it, its status by the clock, both parties,
    and which answers are open to them now (the services still decide)."""
    role = selectors.party_role_of(transfer=transfer, person=viewer) or ""
    status = selectors.transfer_status_now(transfer)
    is_pending = status == TransferStatus.PENDING_ACCEPTANCE
    waits_for_worker = (
        is_pending and transfer.worker_consent_required and transfer.worker_consented_at is None
    )
    return {
        "transfer": transfer,
        "role": role,
        "role_label": PartyRole(role).label if role else "",
        "status": status,
        "status_label": TransferStatus(status).label,
        "is_pending": is_pending,
        "is_awaiting_payment": status == TransferStatus.AWAITING_PAYMENT,
        "worker": worker_party(transfer.worker),
        "current_sponsor": party(transfer.current_sponsor, shown=role == CURRENT),
        "new_sponsor": party(transfer.new_sponsor, shown=role == NEW),
        "waits_for_worker": waits_for_worker,
        "can_accept": role == NEW and is_pending and not waits_for_worker,
        "can_reject": role == NEW and is_pending,
        "can_cancel": role == CURRENT and is_pending,
        "can_consent": role == WORKER and waits_for_worker,
        # The bill is the payer's: only the new sponsor opens it.
        "bill": bill_view(transfer.bill) if transfer.bill is not None and role == NEW else None,
        "outcome": outcome(transfer, status),
        "failures": condition_messages(transfer.failed_conditions or []),
    }


def _actor_name(transfer: TransferRequest, role: str) -> str:
    """The name of a party who did a step; officers and the system are named by their role."""
    if role == CURRENT:
        return transfer.current_sponsor.name
    if role == NEW:
        return transfer.new_sponsor.name
    if role == WORKER:
        return transfer.worker.name
    return ""


def _event_notes(transfer: TransferRequest, event: TransferEvent) -> list[str | Promise]:
    if event.step == TransferStep.REJECTED and event.note:
        return [event.note]
    if event.step == TransferStep.EXPIRED:
        return [OUTCOME_NOT_PAID if event.note == CLOSE_BILL_LAPSED else OUTCOME_NOT_ACCEPTED]
    if event.step == TransferStep.FAILED_CONDITIONS:
        codes = [code.strip() for code in event.note.split(",") if code.strip()]
        return condition_messages(codes)
    return []


def timeline(transfer: TransferRequest) -> list[dict[str, Any]]:
    """Every step of the request, oldest first, the same for every party: what happened, who did
    it and when."""
    return [
        {
            "step": event.step,
            "label": event.get_step_display(),
            "actor": PartyRole(event.actor_role).label,
            "actor_name": _actor_name(transfer, event.actor_role),
            "status_label": TransferStatus(event.to_status).label,
            "at": event.created_at,
            "notes": _event_notes(transfer, event),
        }
        for event in selectors.transfer_timeline(transfer=transfer)
    ]


def date_from(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
