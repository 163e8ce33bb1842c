"""Transfer without the current sponsor's consent (نقل الكفالة بدون موافقة الكفيل, SPEC 9): what
the back office calls once an officer approves a case filed by the new sponsor."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from absher.catalog.selectors import service_get
from absher.core import clock
from absher.core.errors import Conflict
from absher.identity.models import Person
from absher.identity.selectors import sponsor_current_of
from absher.identity.services import person_lock
from absher.payments.services import bill_create
from absher.transfers import messages
from absher.transfers.conditions import conditions_evaluate, conditions_refusal
from absher.transfers.constants import (
    BILL_PURPOSE,
    TRANSFER_OPEN_STATUSES,
    WITHOUT_CONSENT_SERVICE_CODE,
    PartyRole,
    TransferStatus,
    TransferStep,
    acceptance_window,
    bill_lifetime,
    fee_for,
)
from absher.transfers.models import TransferRequest
from absher.transfers.services.common import (
    audit_step,
    close_lapsed,
    event_record,
    transfer_open_refusal,
    transfer_service,
)


def transfer_create_approved_without_consent(
    *,
    worker: Person,
    new_sponsor: Person,
    case_reference: str,
    actor_id: str,
    actor_type: str = "staff",
) -> TransferRequest:
    """An officer approved a case filed by the new sponsor: the transfer goes ahead without the
    current sponsor's consent. The new sponsor filed it, so it needs no acceptance: it starts
    awaiting payment of the fee bill, and completes as any other once paid. Conditions 1–5 (and
    that the worker is someone else's, and no suspension blocks the new sponsor or the worker)
    still apply; the conditions the real rules add for a consented transfer do not."""
    service = service_get(code=WITHOUT_CONSENT_SERVICE_CODE) or transfer_service()
    try:
        with transaction.atomic():
            if close_lapsed(worker_id=worker.pk) is not None:
                raise transfer_open_refusal()
            locked = person_lock(person_id=worker.pk)
            current = sponsor_current_of(worker=locked)
            if current is None:
                raise Conflict("worker_has_no_sponsor", _("The worker has no current sponsor."))
            failures = conditions_evaluate(
                worker=locked,
                current_sponsor=current,
                new_sponsor=new_sponsor,
                service=service,
                without_consent=True,
            )
            if failures:
                raise conditions_refusal(failures)
            now = clock.now()
            fee = fee_for(transfer_count=locked.transfer_count)
            transfer = TransferRequest.objects.create(
                service=service,
                worker=locked,
                current_sponsor=current,
                new_sponsor=new_sponsor,
                status=TransferStatus.AWAITING_PAYMENT,
                fee_halalas=fee,
                expires_at=now + acceptance_window(),
                accepted_at=now,
                is_without_consent=True,
                case_reference=case_reference[:64],
            )
            transfer.bill = bill_create(
                payer=new_sponsor,
                service=service,
                amount_halalas=fee,
                purpose=BILL_PURPOSE,
                purpose_id=str(transfer.pk),
                lifetime=bill_lifetime(),
            )
            transfer.save(update_fields=["bill", "updated_at"])
            event_record(
                transfer,
                step=TransferStep.APPROVED_WITHOUT_CONSENT,
                before="",
                role=PartyRole.OFFICER,
                actor_type=actor_type,
                actor_id=actor_id,
                note=case_reference,
            )
            messages.tell_approved_without_consent(transfer)
            audit_step(
                transfer,
                step=TransferStep.APPROVED_WITHOUT_CONSENT,
                before="",
                actor_type=actor_type,
                actor_id=actor_id,
                data={"case": case_reference[:64], "fee_halalas": fee},
            )
    except IntegrityError:
        if TransferRequest.objects.filter(
            worker=worker, status__in=sorted(TRANSFER_OPEN_STATUSES)
        ).exists():
            raise transfer_open_refusal() from None
        raise
    return transfer
