"""Transfer of worker services (SPEC 8, 9): the current sponsor's steps, the new sponsor's
answer, and the cases filed without the sponsor's consent."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from absher.accounts.models import User
from absher.api.idempotency import IdempotencyKey, idempotent
from absher.api.openapi import errors
from absher.api.security import activated_token, caller
from absher.api.v1.schemas import ChallengeOut, ChallengeVerifyIn, challenge_out
from absher.identity.models import Person
from absher.transfers import selectors, services
from absher.transfers.models import TransferEvent, TransferRequest

router = Router(tags=["transfers"])
me_router = Router(tags=["transfers"])

LIST_LIMIT = 200


# --- shapes ---------------------------------------------------------------------------------------


class WorkerOut(Schema):
    worker_id: int
    id_number: str
    name_ar: str
    name_en: str
    nationality: str
    iqama_expiry: dt.date | None
    transfer_count: int


class WorkerList(Schema):
    items: list[WorkerOut]


class PartyOut(Schema):
    id_number: str = Field(
        description="The worker's and the caller's own in full; another sponsor's masked."
    )
    name_ar: str
    name_en: str
    nationality: str


class BillSummaryOut(Schema):
    sadad_number: str
    biller_code: str
    amount_halalas: int
    status: str
    expires_at: dt.datetime


class TimelineItemOut(Schema):
    step: str
    status: str = Field(description="The request's status after this step.")
    actor: str = Field(description="current_sponsor, new_sponsor, worker, officer or system")
    at: dt.datetime
    note: str


class TransferOut(Schema):
    id: int
    status: str
    service_code: str
    role: str = Field(description="The caller's part: current_sponsor, new_sponsor or worker.")
    worker: PartyOut
    current_sponsor: PartyOut
    new_sponsor: PartyOut
    fee_halalas: int
    created_at: dt.datetime
    expires_at: dt.datetime = Field(description="Acceptance is possible until this moment.")
    accepted_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_reason: str
    failed_conditions: list[str]
    worker_consent_required: bool
    worker_consented_at: dt.datetime | None
    without_consent: bool
    bill: BillSummaryOut | None


class TransferDetailOut(TransferOut):
    timeline: list[TimelineItemOut]


class TransferList(Schema):
    items: list[TransferOut]


class TransferSessionOut(Schema):
    transfer_session: str
    expires_at: dt.datetime


class PreviewIn(Schema):
    transfer_session: str = Field(max_length=64)
    worker_id: int
    new_sponsor_id_number: str = Field(max_length=32)
    new_sponsor_date_of_birth: str = Field(max_length=32)
    calendar: Literal["gregorian", "hijri"] = "gregorian"


class PreviewOut(ChallengeOut):
    worker: PartyOut
    current_sponsor: PartyOut
    new_sponsor: PartyOut
    fee_halalas: int


class RejectIn(Schema):
    reason: str = Field(default="", max_length=500)


class WorkerConsentIn(Schema):
    consent: bool = True


# --- rendering ------------------------------------------------------------------------------------


def _masked(id_number: str) -> str:
    return "•" * (len(id_number) - 4) + id_number[-4:]


def _party(person: Person, *, shown: bool) -> dict:
    return {
        "id_number": person.id_number if shown else _masked(person.id_number),
        "name_ar": person.name_ar,
        "name_en": person.name_en,
        "nationality": person.nationality,
    }


def _bill(transfer: TransferRequest) -> dict | None:
    bill = transfer.bill
    if bill is None:
        return None
    return {
        "sadad_number": bill.sadad_number,
        "biller_code": bill.biller_code,
        "amount_halalas": bill.amount_halalas,
        "status": bill.status,
        "expires_at": bill.expires_at,
    }


def transfer_out(transfer: TransferRequest, *, viewer: Person) -> dict:
    return {
        "id": transfer.pk,
        "status": selectors.transfer_status_now(transfer),
        "service_code": transfer.service.code,
        "role": selectors.party_role_of(transfer=transfer, person=viewer) or "",
        "worker": _party(transfer.worker, shown=True),
        "current_sponsor": _party(
            transfer.current_sponsor, shown=viewer.pk == transfer.current_sponsor_id
        ),
        "new_sponsor": _party(transfer.new_sponsor, shown=viewer.pk == transfer.new_sponsor_id),
        "fee_halalas": transfer.fee_halalas,
        "created_at": transfer.created_at,
        "expires_at": transfer.expires_at,
        "accepted_at": transfer.accepted_at,
        "completed_at": transfer.completed_at,
        "closed_at": transfer.closed_at,
        "close_reason": transfer.close_reason,
        "failed_conditions": list(transfer.failed_conditions or []),
        "worker_consent_required": transfer.worker_consent_required,
        "worker_consented_at": transfer.worker_consented_at,
        "without_consent": transfer.is_without_consent,
        "bill": _bill(transfer),
    }


def _timeline_item(event: TransferEvent) -> dict:
    return {
        "step": event.step,
        "status": event.to_status,
        "actor": event.actor_role,
        "at": event.created_at,
        "note": event.note,
    }


def transfer_detail_out(transfer: TransferRequest, *, viewer: Person) -> dict:
    timeline = selectors.transfer_timeline(transfer=transfer)
    return {
        **transfer_out(transfer, viewer=viewer),
        "timeline": [_timeline_item(event) for event in timeline],
    }


def _fresh(user: User, transfer: TransferRequest) -> dict:
    """The request as the caller may see it now, with its timeline."""
    person = caller_person(user)
    found = selectors.transfer_get_for_actor(person=person, transfer_id=transfer.pk)
    return transfer_detail_out(found, viewer=person)


def caller_person(user: User) -> Person:
    # Person tokens are issued only to accounts linked to the registry (security.PersonToken).
    assert user.person is not None
    return user.person


# --- the caller's workers -------------------------------------------------------------------------


@me_router.get("/workers", response=WorkerList, auth=activated_token, summary="My workers")
def my_workers(request: HttpRequest) -> dict:
    workers = selectors.workers_of_sponsor(sponsor=caller(request).person)
    return {
        "items": [
            {
                "worker_id": worker.pk,
                "id_number": worker.id_number,
                "name_ar": worker.name_ar,
                "name_en": worker.name_en,
                "nationality": worker.nationality,
                "iqama_expiry": worker.iqama_expiry,
                "transfer_count": worker.transfer_count,
            }
            for worker in workers
        ]
    }


# --- the current sponsor --------------------------------------------------------------------------


@router.post(
    "/verify-start",
    response=ChallengeOut,
    auth=activated_token,
    openapi_extra=errors(429),
    summary="Start a transfer: a verification code is sent",
)
def verify_start(request: HttpRequest) -> dict:
    return challenge_out(services.transfer_session_start(user=caller(request)))


@router.post(
    "/verify-start/verify",
    response=TransferSessionOut,
    auth=activated_token,
    openapi_extra=errors(404),
    summary="Enter the code: a transfer session for the next steps",
)
def verify_start_verify(request: HttpRequest, payload: ChallengeVerifyIn) -> dict:
    session = services.transfer_session_verify(
        user=caller(request), challenge_id=payload.challenge_id, code=payload.code
    )
    return {"transfer_session": str(session.token), "expires_at": session.expires_at}


@router.post(
    "/preview",
    response=PreviewOut,
    auth=activated_token,
    openapi_extra=errors(404, 409, 410),
    summary="Review both parties and the fee; every condition is checked before any code",
)
def preview(request: HttpRequest, payload: PreviewIn) -> dict:
    user = caller(request)
    reviewed = services.transfer_preview(
        user=user,
        transfer_session=payload.transfer_session,
        worker_id=payload.worker_id,
        new_sponsor_id_number=payload.new_sponsor_id_number,
        new_sponsor_date_of_birth=payload.new_sponsor_date_of_birth,
        calendar=payload.calendar,
    )
    return {
        **challenge_out(reviewed.challenge),
        "worker": _party(reviewed.worker, shown=True),
        "current_sponsor": _party(reviewed.current_sponsor, shown=True),
        # The caller typed this ID number: the review page shows it back.
        "new_sponsor": _party(reviewed.new_sponsor, shown=True),
        "fee_halalas": reviewed.fee_halalas,
    }


@router.post(
    "",
    response={201: TransferDetailOut},
    auth=activated_token,
    openapi_extra=errors(404, 409, 410),
    summary="Confirm the transfer with the code",
    description="An optional Idempotency-Key header makes a retry return the first answer.",
)
def create(
    request: HttpRequest, payload: ChallengeVerifyIn, idempotency_key: IdempotencyKey = None
) -> Status:
    user = caller(request)

    def work() -> Status:
        transfer = services.transfer_create(
            user=user, challenge_id=payload.challenge_id, code=payload.code
        )
        return Status(201, _fresh(user, transfer))

    return idempotent(
        request,
        key=idempotency_key,
        owner=f"user:{user.pk}",
        operation="transfer_create",
        schema=TransferDetailOut,
        work=work,
    )


@router.get("", response=TransferList, auth=activated_token, summary="My transfer requests")
def transfer_list(
    request: HttpRequest,
    direction: Literal["outgoing", "incoming", "worker"] | None = Query(
        None, description="outgoing (made by me), incoming (made to me) or worker (about me)"
    ),
) -> dict:
    person = caller(request).person
    transfers = selectors.transfers_of(person=person, direction=direction or "")[:LIST_LIMIT]
    return {"items": [transfer_out(transfer, viewer=person) for transfer in transfers]}


@router.get(
    "/{transfer_id}",
    response=TransferDetailOut,
    auth=activated_token,
    openapi_extra=errors(404),
    summary="One transfer request with its timeline",
)
def transfer_detail(request: HttpRequest, transfer_id: int) -> dict:
    person = caller(request).person
    transfer = selectors.transfer_get_for_actor(person=person, transfer_id=transfer_id)
    return transfer_detail_out(transfer, viewer=person)


@router.post(
    "/{transfer_id}/cancel",
    response=TransferDetailOut,
    auth=activated_token,
    openapi_extra=errors(404, 409),
    summary="The current sponsor cancels, before acceptance",
)
def cancel(request: HttpRequest, transfer_id: int) -> dict:
    user = caller(request)
    return _fresh(user, services.transfer_cancel(user=user, transfer_id=transfer_id))


# --- the new sponsor ------------------------------------------------------------------------------


@router.post(
    "/{transfer_id}/accept",
    response=ChallengeOut,
    auth=activated_token,
    openapi_extra=errors(404, 409, 410, 429),
    summary="The new sponsor accepts: a verification code is sent",
)
def accept(request: HttpRequest, transfer_id: int) -> dict:
    challenge = services.transfer_accept_start(user=caller(request), transfer_id=transfer_id)
    return challenge_out(challenge)


@router.post(
    "/{transfer_id}/accept/verify",
    response=TransferDetailOut,
    auth=activated_token,
    openapi_extra=errors(404, 409, 410),
    summary="Enter the code: the request awaits payment of its fee bill",
)
def accept_verify(request: HttpRequest, transfer_id: int, payload: ChallengeVerifyIn) -> dict:
    user = caller(request)
    transfer = services.transfer_accept(
        user=user,
        transfer_id=transfer_id,
        challenge_id=payload.challenge_id,
        code=payload.code,
    )
    return _fresh(user, transfer)


@router.post(
    "/{transfer_id}/reject",
    response=TransferDetailOut,
    auth=activated_token,
    openapi_extra=errors(404, 409, 410),
    summary="The new sponsor rejects",
)
def reject(request: HttpRequest, transfer_id: int, payload: RejectIn | None = None) -> dict:
    user = caller(request)
    transfer = services.transfer_reject(
        user=user, transfer_id=transfer_id, reason=payload.reason if payload else ""
    )
    return _fresh(user, transfer)


# --- the worker (when the worker-consent policy is on) --------------------------------------------


@router.post(
    "/{transfer_id}/worker-consent",
    response=TransferDetailOut,
    auth=activated_token,
    openapi_extra=errors(404, 409, 410),
    summary="The worker consents (or declines) from their own account",
)
def worker_consent(
    request: HttpRequest, transfer_id: int, payload: WorkerConsentIn | None = None
) -> dict:
    user = caller(request)
    transfer = services.transfer_worker_consent(
        user=user, transfer_id=transfer_id, consent=payload.consent if payload else True
    )
    return _fresh(user, transfer)
