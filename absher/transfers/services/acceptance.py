"""The answers to a request: the worker's consent when the policy asks for it, and the new
sponsor's acceptance (with a code; it issues the fee bill) or rejection."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import OtpPurpose
from absher.accounts.models import OtpChallenge, User
from absher.accounts.services.otp import otp_issue, otp_verify
from absher.catalog.availability import e_service_entry_point, service_start_check
from absher.catalog.constants import TRANSFER_SERVICE_CODE
from absher.core import clock
from absher.core.errors import Conflict
from absher.payments.services import bill_create
from absher.transfers import messages
from absher.transfers.conditions import conditions_require
from absher.transfers.constants import (
    BILL_PURPOSE,
    CLOSE_WORKER_DECLINED,
    PartyRole,
    TransferStatus,
    TransferStep,
    bill_lifetime,
    fee_for,
)
from absher.transfers.models import TransferRequest
from absher.transfers.services.common import (
    acting_person,
    audit_step,
    event_record,
    fetch_as,
    locked,
    refuse_unless_pending,
    transfer_service,
    transition,
)


def _accept_subject(user: User, transfer_id: int) -> str:
    return f"user:{user.pk}:transfer:{transfer_id}:accept"


def _refuse_without_worker_consent(transfer: TransferRequest) -> None:
    if transfer.worker_consent_required and transfer.worker_consented_at is None:
        raise Conflict(
            "worker_consent_pending",
            _(
                "The worker has not consented to this transfer yet. It can be accepted once the "
                "worker consents from their own Absher account."
            ),
        )


def transfer_worker_consent(
    *, user: User, transfer_id: int, consent: bool = True
) -> TransferRequest:
    """The worker consents from their own account (or declines, which ends the request), before
    the new sponsor may accept. Only for requests made while the policy was on."""
    person = acting_person(user)
    found = fetch_as(person=person, transfer_id=transfer_id, role=PartyRole.WORKER)
    with transaction.atomic():
        transfer = locked(found.pk)
        refuse_unless_pending(transfer)
        if not transfer.worker_consent_required:
            raise Conflict(
                "worker_consent_not_required",
                _("This transfer request does not need the worker's consent."),
            )
        if transfer.worker_consented_at is not None:
            raise Conflict(
                "worker_already_consented", _("You have already consented to this transfer.")
            )
        if not consent:
            transition(
                transfer,
                TransferStatus.REJECTED,
                step=TransferStep.WORKER_DECLINED,
                role=PartyRole.WORKER,
                actor_type="person",
                actor_id=str(user.pk),
                note=CLOSE_WORKER_DECLINED,
            )
            messages.tell_worker_declined(transfer)
            return transfer
        transfer.worker_consented_at = clock.now()
        transfer.save(update_fields=["worker_consented_at", "updated_at"])
        before = transfer.status
        event_record(
            transfer,
            step=TransferStep.WORKER_CONSENTED,
            before=before,
            role=PartyRole.WORKER,
            actor_type="person",
            actor_id=str(user.pk),
        )
        messages.tell_worker_consented(transfer)
        audit_step(
            transfer,
            step=TransferStep.WORKER_CONSENTED,
            before=before,
            actor_type="person",
            actor_id=str(user.pk),
        )
    return transfer


@e_service_entry_point(
    arguments=lambda user, service: {"user": user, "transfer_id": 0},
    service_codes=(TRANSFER_SERVICE_CODE,),
)
def transfer_accept_start(*, user: User, transfer_id: int) -> OtpChallenge:
    """Every condition is checked before the code is sent, so that a refusal comes first."""
    person = acting_person(user)
    service_start_check(person=person, service=transfer_service())
    transfer = fetch_as(person=person, transfer_id=transfer_id, role=PartyRole.NEW_SPONSOR)
    refuse_unless_pending(transfer)
    _refuse_without_worker_consent(transfer)
    conditions_require(
        worker=transfer.worker,
        current_sponsor=transfer.current_sponsor,
        new_sponsor=transfer.new_sponsor,
        service=transfer.service,
    )
    return otp_issue(
        purpose=OtpPurpose.TRANSFER_ACCEPT,
        subject=_accept_subject(user, transfer.pk),
        mobile=user.mobile,
        id_number=person.id_number,
        payload={"transfer_id": transfer.pk},
        language=user.language,
    )


@e_service_entry_point(
    arguments=lambda user, service: {
        "user": user,
        "transfer_id": 0,
        "challenge_id": "",
        "code": "",
    },
    service_codes=(TRANSFER_SERVICE_CODE,),
)
def transfer_accept(
    *, user: User, transfer_id: int, challenge_id: str, code: str
) -> TransferRequest:
    """The new sponsor's code accepts the request: it awaits payment of the fee bill, issued to
    the new sponsor by the worker's previous transfers."""
    person = acting_person(user)
    service_start_check(person=person, service=transfer_service())
    found = fetch_as(person=person, transfer_id=transfer_id, role=PartyRole.NEW_SPONSOR)
    otp_verify(
        challenge_id=challenge_id,
        code=code,
        purpose=OtpPurpose.TRANSFER_ACCEPT,
        subject=_accept_subject(user, found.pk),
    )
    with transaction.atomic():
        transfer = locked(found.pk)
        refuse_unless_pending(transfer)
        _refuse_without_worker_consent(transfer)
        conditions_require(
            worker=transfer.worker,
            current_sponsor=transfer.current_sponsor,
            new_sponsor=transfer.new_sponsor,
            service=transfer.service,
        )
        transfer.fee_halalas = fee_for(transfer_count=transfer.worker.transfer_count)
        transfer.bill = bill_create(
            payer=transfer.new_sponsor,
            service=transfer.service,
            amount_halalas=transfer.fee_halalas,
            purpose=BILL_PURPOSE,
            purpose_id=str(transfer.pk),
            lifetime=bill_lifetime(),
        )
        transfer.accepted_at = clock.now()
        transition(
            transfer,
            TransferStatus.AWAITING_PAYMENT,
            step=TransferStep.ACCEPTED,
            role=PartyRole.NEW_SPONSOR,
            actor_type="person",
            actor_id=str(user.pk),
            fields=("fee_halalas", "bill", "accepted_at"),
        )
        messages.tell_accepted(transfer)
    return transfer


def transfer_reject(*, user: User, transfer_id: int, reason: str = "") -> TransferRequest:
    person = acting_person(user)
    found = fetch_as(person=person, transfer_id=transfer_id, role=PartyRole.NEW_SPONSOR)
    with transaction.atomic():
        transfer = locked(found.pk)
        refuse_unless_pending(transfer)
        transition(
            transfer,
            TransferStatus.REJECTED,
            step=TransferStep.REJECTED,
            role=PartyRole.NEW_SPONSOR,
            actor_type="person",
            actor_id=str(user.pk),
            note=(reason or "").strip(),
        )
        messages.tell_rejected(transfer)
    return transfer
