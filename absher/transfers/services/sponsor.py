"""The current sponsor's steps (SPEC 8): Passports → Transfer services → a code (the session) →
the worker and the new sponsor's ID and date of birth → the review with every condition checked →
a code → the request, pending the new sponsor's acceptance; and its cancellation before then."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import OtpPurpose
from absher.accounts.models import OtpChallenge, User
from absher.accounts.selectors import service_codes_activated_by, service_is_offered_to
from absher.accounts.services.otp import (
    DAY,
    TooManyRequests,
    counters_required,
    otp_issue,
    otp_verify,
)
from absher.accounts.services.registration import identity_mismatch, person_identify
from absher.audit.services import audit_record
from absher.catalog.availability import e_service_entry_point, service_start_check
from absher.catalog.constants import TRANSFER_SERVICE_CODE
from absher.catalog.models import Service
from absher.core import clock, throttle
from absher.core.errors import ApplicationError, Forbidden, NotFound
from absher.identity.models import Person
from absher.identity.rules import date_of_birth_parse, id_number_parse
from absher.identity.selectors import workers_of
from absher.identity.services import person_lock
from absher.transfers import messages
from absher.transfers.conditions import conditions_require
from absher.transfers.constants import (
    TRANSFER_OPEN_STATUSES,
    PartyRole,
    TransferStatus,
    TransferStep,
    acceptance_window,
    fee_for,
    session_lifetime,
)
from absher.transfers.models import TransferRequest, TransferSession
from absher.transfers.selectors import transfer_status_now
from absher.transfers.services.common import (
    Gone,
    acting_person,
    audit_step,
    close_lapsed,
    event_record,
    fetch_as,
    locked,
    refuse_unless_pending,
    transfer_open_refusal,
    transfer_service,
    transition,
    with_relations,
)


def _session_expired() -> Gone:
    return Gone(
        "transfer_session_expired",
        _("Your transfer session has ended. Start again and enter the new verification code."),
    )


def _sponsor_start_checks(user: User, service: Service) -> Person:
    """What the current sponsor needs before each step: an activated account, no suspension of
    this service (checked before anything else), the service offered and activated."""
    person = acting_person(user)
    service_start_check(person=person, service=service)
    if not service_is_offered_to(service=service, person=person):
        raise Forbidden("service_not_eligible", _("This e-service is not offered to you."))
    if service.requires_activation and service.code not in service_codes_activated_by(user=user):
        raise Forbidden(
            "service_not_activated", _("Activate this e-service first, then try again.")
        )
    return person


def _start_subject(user: User) -> str:
    return f"user:{user.pk}:transfer-start"


def _confirm_subject(user: User) -> str:
    return f"user:{user.pk}:transfer-confirm"


@e_service_entry_point(
    arguments=lambda user, service: {"user": user}, service_codes=(TRANSFER_SERVICE_CODE,)
)
def transfer_session_start(*, user: User) -> OtpChallenge:
    """Passports → Transfer services → a verification code (the source's step 5)."""
    sponsor = _sponsor_start_checks(user, transfer_service())
    return otp_issue(
        purpose=OtpPurpose.TRANSFER_START,
        subject=_start_subject(user),
        mobile=user.mobile,
        id_number=sponsor.id_number,
        language=user.language,
    )


@e_service_entry_point(
    arguments=lambda user, service: {"user": user, "challenge_id": "", "code": ""},
    service_codes=(TRANSFER_SERVICE_CODE,),
)
def transfer_session_verify(*, user: User, challenge_id: str, code: str) -> TransferSession:
    """The code opens a transfer session: any number of previews for TRANSFER_SESSION_SECONDS,
    until a transfer is created from it."""
    sponsor = _sponsor_start_checks(user, transfer_service())
    otp_verify(
        challenge_id=challenge_id,
        code=code,
        purpose=OtpPurpose.TRANSFER_START,
        subject=_start_subject(user),
    )
    with transaction.atomic():
        session = TransferSession.objects.create(
            user=user, expires_at=clock.now() + session_lifetime()
        )
        audit_record(
            action="transfer_session.started",
            actor_type="person",
            actor_id=str(user.pk),
            subject_type="transfer_session",
            subject_id=str(session.pk),
            person=sponsor,
        )
    return session


def _session_query(*, user: User, token: str) -> QuerySet[TransferSession] | None:
    try:
        parsed = uuid.UUID(str(token))
    except ValueError:
        return None
    return TransferSession.objects.filter(token=parsed, user=user)


def _session_is_live(session: TransferSession | None) -> bool:
    return session is not None and session.used_at is None and clock.now() < session.expires_at


def _session_live(*, user: User, token: str) -> TransferSession:
    query = _session_query(user=user, token=token)
    session = query.first() if query is not None else None
    if session is None or not _session_is_live(session):
        raise _session_expired()
    return session


def _session_locked(*, user: User, token: str) -> TransferSession:
    query = _session_query(user=user, token=token)
    session = query.select_for_update().first() if query is not None else None
    if session is None or not _session_is_live(session):
        raise _session_expired()
    return session


def _own_worker(sponsor: Person, worker_id: int) -> Person:
    worker = workers_of(sponsor=sponsor).filter(pk=worker_id).first()
    if worker is None:
        raise NotFound(
            "worker_not_found",
            _("This worker is not one of the workers you sponsor. Choose one from your list."),
        )
    return worker


# Dates of birth that may be tried against one new sponsor's ID number in a day, whoever tries:
# the review would otherwise confirm a date of birth guessed one day at a time.
PREVIEW_MISMATCHES_PER_ID_PER_DAY = 10


def _new_sponsor_identify(*, id_number: str, date_of_birth: str, calendar: str) -> Person:
    """`person_identify` with a daily cap on mismatches per ID number, as registration has: past
    the cap every attempt with that ID is refused alike, the right date included."""
    parsed = id_number_parse(id_number)
    date_of_birth_parse(date_of_birth, calendar)
    now = clock.now()
    counter = f"transfer-preview-mismatch:{parsed.value}"
    with counters_required():
        mismatches = throttle.counter_value(name=counter, window_seconds=DAY, moment=now)
    if mismatches >= PREVIEW_MISMATCHES_PER_ID_PER_DAY:
        window_end = (int(now.timestamp()) // DAY + 1) * DAY
        raise TooManyRequests(
            "too_many_attempts",
            _(
                "Too many attempts with this ID number and date of birth. Please try again "
                "tomorrow."
            ),
            {"retry_after_seconds": max(1, math.ceil(window_end - now.timestamp()))},
        )
    try:
        return person_identify(id_number=id_number, date_of_birth=date_of_birth, calendar=calendar)
    except ApplicationError as refusal:
        if refusal.code == identity_mismatch().code:
            with counters_required():
                throttle.counter_increment(name=counter, window_seconds=DAY, moment=now)
        raise


@dataclass(frozen=True)
class TransferPreview:
    """The review page (both parties' data and the fee) and the code that confirms it."""

    worker: Person
    current_sponsor: Person
    new_sponsor: Person
    fee_halalas: int
    challenge: OtpChallenge


@e_service_entry_point(
    arguments=lambda user, service: {
        "user": user,
        "transfer_session": "",
        "worker_id": 0,
        "new_sponsor_id_number": "",
        "new_sponsor_date_of_birth": "",
        "calendar": "gregorian",
    },
    service_codes=(TRANSFER_SERVICE_CODE,),
)
def transfer_preview(
    *,
    user: User,
    transfer_session: str,
    worker_id: int,
    new_sponsor_id_number: str,
    new_sponsor_date_of_birth: str,
    calendar: str = "gregorian",
) -> TransferPreview:
    """Checks the worker (the caller's own), the new sponsor (ID + date of birth as the registry
    has them: an unknown ID and a wrong date get the same answer) and every condition; then sends
    the code that confirms the transfer. Nothing is written but the code."""
    service = transfer_service()
    sponsor = _sponsor_start_checks(user, service)
    session = _session_live(user=user, token=transfer_session)
    worker = _own_worker(sponsor, worker_id)
    new_sponsor = _new_sponsor_identify(
        id_number=new_sponsor_id_number, date_of_birth=new_sponsor_date_of_birth, calendar=calendar
    )
    open_transfers = with_relations().filter(
        worker=worker, status__in=sorted(TRANSFER_OPEN_STATUSES)
    )
    if any(transfer_status_now(t) != TransferStatus.EXPIRED for t in open_transfers):
        raise transfer_open_refusal()
    conditions_require(
        worker=worker, current_sponsor=sponsor, new_sponsor=new_sponsor, service=service
    )
    fee = fee_for(transfer_count=worker.transfer_count)
    challenge = otp_issue(
        purpose=OtpPurpose.TRANSFER_CONFIRM,
        subject=_confirm_subject(user),
        mobile=user.mobile,
        id_number=sponsor.id_number,
        payload={
            "session": str(session.token),
            "worker_id": worker.pk,
            "new_sponsor_id": new_sponsor.pk,
            "fee_halalas": fee,
        },
        language=user.language,
    )
    return TransferPreview(
        worker=worker,
        current_sponsor=sponsor,
        new_sponsor=new_sponsor,
        fee_halalas=fee,
        challenge=challenge,
    )


@e_service_entry_point(
    arguments=lambda user, service: {"user": user, "challenge_id": "", "code": ""},
    service_codes=(TRANSFER_SERVICE_CODE,),
)
def transfer_create(*, user: User, challenge_id: str, code: str) -> TransferRequest:
    """Confirm → code → the request exists (pending the new sponsor's acceptance until
    creation + the acceptance window) and every party is told. Everything the preview checked is
    checked again."""
    service = transfer_service()
    sponsor = _sponsor_start_checks(user, service)
    challenge = otp_verify(
        challenge_id=challenge_id,
        code=code,
        purpose=OtpPurpose.TRANSFER_CONFIRM,
        subject=_confirm_subject(user),
    )
    payload = challenge.payload
    try:
        with transaction.atomic():
            session = _session_locked(user=user, token=str(payload.get("session", "")))
            if close_lapsed(worker_id=int(payload["worker_id"])) is not None:
                raise transfer_open_refusal()
            worker = person_lock(person_id=int(payload["worker_id"]))
            new_sponsor = Person.objects.get(pk=int(payload["new_sponsor_id"]))
            conditions_require(
                worker=worker, current_sponsor=sponsor, new_sponsor=new_sponsor, service=service
            )
            now = clock.now()
            transfer = TransferRequest.objects.create(
                service=service,
                worker=worker,
                current_sponsor=sponsor,
                new_sponsor=new_sponsor,
                fee_halalas=fee_for(transfer_count=worker.transfer_count),
                expires_at=now + acceptance_window(),
                worker_consent_required=settings.TRANSFER_REQUIRES_WORKER_CONSENT,
            )
            session.used_at = now
            session.save(update_fields=["used_at", "updated_at"])
            event_record(
                transfer,
                step=TransferStep.CREATED,
                before="",
                role=PartyRole.CURRENT_SPONSOR,
                actor_type="person",
                actor_id=str(user.pk),
            )
            messages.tell_created(transfer)
            audit_step(
                transfer,
                step=TransferStep.CREATED,
                before="",
                actor_type="person",
                actor_id=str(user.pk),
                data={"fee_halalas": transfer.fee_halalas, "session": session.pk},
            )
    except IntegrityError:
        # Two requests for one worker at once: the partial unique constraint lets one in.
        if TransferRequest.objects.filter(
            worker_id=int(payload["worker_id"]), status__in=sorted(TRANSFER_OPEN_STATUSES)
        ).exists():
            raise transfer_open_refusal() from None
        raise
    return transfer


def transfer_cancel(*, user: User, transfer_id: int) -> TransferRequest:
    """The current sponsor withdraws the request, before the new sponsor accepts it."""
    person = acting_person(user)
    found = fetch_as(person=person, transfer_id=transfer_id, role=PartyRole.CURRENT_SPONSOR)
    with transaction.atomic():
        transfer = locked(found.pk)
        refuse_unless_pending(transfer)
        transition(
            transfer,
            TransferStatus.CANCELLED,
            step=TransferStep.CANCELLED,
            role=PartyRole.CURRENT_SPONSOR,
            actor_type="person",
            actor_id=str(user.pk),
        )
        messages.tell_cancelled(transfer)
    return transfer
