"""Bills and their payment (سداد): one service creates every bill, one place changes its status,
and each payment is applied exactly once whatever the channel, however often the bank retries."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from absher.audit.services import audit_record, audit_record_access
from absher.catalog.models import Service
from absher.core import clock
from absher.core.errors import ApplicationError, Conflict, InvalidInput, NotFound
from absher.core.faults import fault_point, fault_point_after_commit
from absher.core.jobs import enqueue_on_commit
from absher.core.money import format_sar
from absher.identity.models import Person
from absher.notifications.services import notification_send
from absher.payments import fulfilment as registry
from absher.payments.constants import (
    BILL_TRANSITIONS,
    DEFAULT_BILL_LIFETIME,
    FULFILMENT_MAX_ATTEMPTS,
    FULFILMENT_REDISPATCH_AFTER,
    MAX_AMOUNT_HALALAS,
    MAX_BILL_LIFETIME,
    PAID_AT_EARLIEST,
    PAID_AT_FUTURE_TOLERANCE,
    PAID_AT_STORABLE_LATEST,
    RECEIPT_CODE_BYTES,
    SADAD_BATCH_CHUNK,
    SADAD_BATCH_MAX_ITEMS,
    SADAD_NUMBER_DIGITS,
    BillStatus,
    FulfilmentStatus,
    NotificationResult,
    PaymentChannel,
)
from absher.payments.models import BankNotification, Bill, BillEvent, Fulfilment, Payment
from absher.payments.selectors import bills_payable_for

logger = logging.getLogger(__name__)

_SADAD_NUMBER = re.compile(rf"[0-9]{{{SADAD_NUMBER_DIGITS}}}")


def sadad_number_new() -> str:
    """13 random digits (never 0 first): bill numbers cannot be guessed from one another."""
    first = str(secrets.randbelow(9) + 1)
    rest = "".join(str(secrets.randbelow(10)) for _ in range(SADAD_NUMBER_DIGITS - 1))
    return first + rest


def receipt_code_new() -> str:
    """The public code of a payment's receipt (its QR code opens the verification page by it)."""
    return secrets.token_urlsafe(RECEIPT_CODE_BYTES)


def amount_is_valid(value: object) -> bool:
    """A whole, positive number of halalas (never a bool, a float or a text), within reason."""
    return (
        isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_AMOUNT_HALALAS
    )


def _amount(value: object) -> int:
    if not amount_is_valid(value):
        raise InvalidInput(
            "invalid_amount", _("The amount must be a whole, positive number of halalas.")
        )
    assert isinstance(value, int)
    return value


def bill_create(
    *,
    payer: Person,
    service: Service,
    amount_halalas: int,
    purpose: str,
    purpose_id: str,
    lifetime: dt.timedelta = DEFAULT_BILL_LIFETIME,
) -> Bill:
    """Issues the SADAD bill for `purpose`/`purpose_id`; at most one unpaid bill per purpose."""
    amount = _amount(amount_halalas)
    if registry.handler_for(purpose) is None:
        raise ValueError(f"no fulfilment handler is registered for {purpose!r}")
    if not dt.timedelta(0) < lifetime <= MAX_BILL_LIFETIME:
        raise ValueError("a bill lives at most 29 days")
    now = clock.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                bill = Bill.objects.create(
                    sadad_number=sadad_number_new(),
                    biller_code=settings.SADAD_BILLER_CODE,
                    amount_halalas=amount,
                    payer=payer,
                    service=service,
                    purpose=purpose,
                    purpose_id=str(purpose_id),
                    issued_at=now,
                    expires_at=now + lifetime,
                )
                _history(bill, "", BillStatus.UNPAID, "system", "")
                audit_record(
                    action="bill.issued",
                    actor_type="system",
                    subject_type="bill",
                    subject_id=bill.sadad_number,
                    person=payer,
                    data={"amount": amount, "purpose": purpose, "service": service.code},
                )
                _notify_issued(bill)
                return bill
        except IntegrityError:
            if Bill.objects.filter(
                purpose=purpose, purpose_id=str(purpose_id), status=BillStatus.UNPAID
            ).exists():
                raise Conflict(
                    "bill_exists", _("An unpaid bill already exists for this request.")
                ) from None
            continue  # the random number was taken: draw another
    raise RuntimeError("could not draw a free SADAD number")


def _history(
    bill: Bill, before: str, after: str, actor_type: str, actor_id: str, note: str = ""
) -> None:
    BillEvent.objects.create(
        bill=bill,
        from_status=before,
        to_status=after,
        actor_type=actor_type,
        actor_id=actor_id,
        note=note[:200],
    )


def _transition(
    bill: Bill, to: str, *, actor_type: str, actor_id: str, note: str = "", channel: str = ""
) -> None:
    """The one place a bill's status changes, by BILL_TRANSITIONS; the caller holds the row lock."""
    if to not in BILL_TRANSITIONS[bill.status]:
        raise Conflict(
            "bill_transition_refused",
            _("This bill can no longer be changed this way."),
            {"status": bill.status, "refused": to},
        )
    before = bill.status
    bill.status = to
    now = clock.now()
    fields = ["status", "updated_at"]
    if to == BillStatus.PAID:
        bill.paid_at = now
        bill.paid_channel = channel
        fields += ["paid_at", "paid_channel"]
    else:
        bill.closed_at = now
        bill.close_reason = note[:200]
        fields += ["closed_at", "close_reason"]
    bill.save(update_fields=fields)
    _history(bill, before, to, actor_type, actor_id, note)
    audit_record(
        action=f"bill.{to}",
        actor_type=actor_type,
        actor_id=actor_id,
        subject_type="bill",
        subject_id=bill.sadad_number,
        person=bill.payer,
        data={"from": before, "note": note[:200]},
    )


def bill_lock(*, sadad_number: str) -> Bill | None:
    return (
        Bill.objects.select_for_update(of=("self",))
        .select_related("payer", "service")
        .filter(sadad_number=sadad_number)
        .first()
    )


def _notify_issued(bill: Bill) -> None:
    amount = format_sar(bill.amount_halalas)
    notification_send(
        person=bill.payer,
        kind="bill_issued",
        title_ar="فاتورة سداد جديدة",
        title_en="New SADAD bill",
        body_ar=(
            f"صدرت فاتورة سداد رقم {bill.sadad_number} (رمز المفوتر {bill.biller_code}) "
            f"بمبلغ {amount} ريال لخدمة {bill.service.name_ar}."
        ),
        body_en=(
            f"SADAD bill {bill.sadad_number} (biller {bill.biller_code}) of SAR {amount} was "
            f"issued for {bill.service.name_en}."
        ),
    )


# Bank / ATM channel.


def bills_inquire_for_bank(
    *, partner_code: str, id_number: str, service_code: str = ""
) -> list[Bill]:
    """The banks' inquiry (MOI-payments style): what ID X owes now, optionally for service Y.
    It shows a person's bills to a partner, so it appears in that person's "who looked at my
    data"; an ID without a person answers nothing and records nothing."""
    person = Person.objects.filter(id_number=id_number).first()
    if person is None:
        return []
    bills = list(bills_payable_for(id_number=id_number, service_code=service_code))
    audit_record_access(
        action="sadad.bills_inquired",
        actor_type="partner",
        actor_id=partner_code,
        person=person,
        subject_type="person",
        subject_id=str(person.pk),
        data={"service": service_code, "count": len(bills)},
    )
    return bills


class PaymentRefused(ApplicationError):
    http_status = 422


@dataclass(frozen=True)
class BankPayment:
    sadad_number: str
    amount_halalas: int
    bank_code: str
    bank_reference: str
    paid_at: dt.datetime


@dataclass(frozen=True)
class PaymentOutcome:
    result: str
    bill: Bill
    payment: Payment


def _refusal(code: str) -> PaymentRefused:
    messages = {
        "bill_not_found": (_("No bill has this SADAD number."), 404),
        "amount_mismatch": (_("The amount paid is not the bill's amount."), 422),
        "bill_expired": (_("The bill has expired and can no longer be paid."), 422),
        "bill_cancelled": (_("The bill was cancelled and can no longer be paid."), 422),
        "bill_already_paid": (_("The bill was already paid by another payment."), 409),
        "reference_reused": (_("This bank reference was already used for another bill."), 409),
        "paid_at_in_future": (_("The time of payment is more than 5 minutes in the future."), 422),
        "invalid_sadad_number": (_("A SADAD number is 13 digits."), 422),
        "invalid_bank_reference": (_("The bank code and bank reference are required."), 422),
        "invalid_amount": (_("The amount must be a whole, positive number of halalas."), 422),
        "invalid_paid_at": (
            _("The time of payment must be a real time that includes its time zone."),
            422,
        ),
        "paid_at_before_issue": (_("The time of payment is before the bill was issued."), 422),
    }
    message, status = messages[code]
    return PaymentRefused(code, message, http_status=status)


def _record(
    partner_code: str, payment: BankPayment, result: str, reason: str, bill: Bill | None
) -> None:
    BankNotification.objects.create(
        partner_code=partner_code,
        sadad_number=storable_text(payment.sadad_number, 32),
        amount_halalas=payment.amount_halalas if amount_is_valid(payment.amount_halalas) else None,
        bank_code=storable_text(payment.bank_code, 16),
        bank_reference=storable_text(payment.bank_reference, 64),
        # In UTC: PostgreSQL refuses offsets beyond ±15:59, which ISO 8601 input may carry.
        paid_at=payment.paid_at.astimezone(dt.UTC) if _is_storable(payment.paid_at) else None,
        received_at=clock.now(),
        result=result,
        reason=reason,
        bill=bill,
    )


def storable_text(value: object, limit: int) -> str:
    """What a notification claimed, as a text column can keep it: PostgreSQL refuses NUL
    characters, which JSON can carry (\\u0000)."""
    return str(value).replace("\x00", "\ufffd")[:limit]


def _is_aware(moment: object) -> bool:
    return isinstance(moment, dt.datetime) and moment.utcoffset() is not None


def _is_storable(moment: dt.datetime) -> bool:
    return _is_aware(moment) and PAID_AT_EARLIEST <= moment < PAID_AT_STORABLE_LATEST


def _precheck(payment: BankPayment) -> str:
    # ASCII digits only: str.isdigit() would let Arabic-Indic and superscript digits through.
    if not _SADAD_NUMBER.fullmatch(payment.sadad_number):
        return "invalid_sadad_number"
    if not payment.bank_code.strip() or not payment.bank_reference.strip():
        return "invalid_bank_reference"
    if "\x00" in payment.bank_code or "\x00" in payment.bank_reference:
        return "invalid_bank_reference"
    if not amount_is_valid(payment.amount_halalas):
        return "invalid_amount"
    if not _is_aware(payment.paid_at) or payment.paid_at < PAID_AT_EARLIEST:
        return "invalid_paid_at"
    if payment.paid_at > clock.now() + PAID_AT_FUTURE_TOLERANCE:
        return "paid_at_in_future"
    return ""


def bill_pay_from_bank(*, partner_code: str, payment: BankPayment) -> PaymentOutcome:
    """Applies a bank's payment notification exactly once. The same notification again (same
    bank and reference) answers `duplicate`; every notification is recorded for reconciliation."""
    reason = _precheck(payment)
    if reason:
        _record(partner_code, payment, NotificationResult.REJECTED, reason, None)
        raise _refusal(reason)
    reference = f"{payment.bank_code.strip()}:{payment.bank_reference.strip()}"
    try:
        with transaction.atomic():
            bill = bill_lock(sadad_number=payment.sadad_number)
            outcome, reason = _apply(bill, partner_code, payment, reference)
            if outcome is not None:
                return outcome
    except IntegrityError:
        # The bill's lock serialises notifications for one bill, not one reference sent for two
        # bills at once: the unique reference decides, as the check would have a moment later.
        bill = Bill.objects.filter(sadad_number=payment.sadad_number).first()
        taken = Payment.objects.filter(partner_code=partner_code, external_reference=reference)
        if bill is None or not taken.exclude(bill=bill).exists():
            raise
        reason = "reference_reused"
    _record(partner_code, payment, NotificationResult.REJECTED, reason, bill)
    raise _refusal(reason)


@dataclass(frozen=True)
class BatchItemOutcome:
    """One notification of a batch: its outcome, or the refusal it would have had alone."""

    index: int
    payment: BankPayment
    outcome: PaymentOutcome | PaymentRefused


def bills_pay_from_bank_batch(
    *, partner_code: str, payments: Sequence[BankPayment]
) -> list[BatchItemOutcome]:
    """Applies a bank's batch of payment notifications, each exactly as `bill_pay_from_bank` would
    alone (same checks, same answers, same records): one refused notification does not refuse the
    others. Answers in the batch's order.

    Chunks of SADAD_BATCH_CHUNK share one transaction. Each chunk first locks its bills in SADAD
    number order, then applies its notifications: every transaction of the platform takes bill
    locks before the audit chain's lock, so two batches, or a batch and single notifications, can
    wait for one another but never deadlock. A failure of the database itself rolls back the chunk
    in progress and propagates: the bank sends the batch again and the committed chunks answer
    `duplicate`."""
    if not payments:
        raise InvalidInput("empty_batch", _("A batch holds at least one notification."))
    if len(payments) > SADAD_BATCH_MAX_ITEMS:
        raise InvalidInput(
            "batch_too_large",
            _("A batch holds at most %(limit)s notifications.") % {"limit": SADAD_BATCH_MAX_ITEMS},
        )
    outcomes: list[BatchItemOutcome] = []
    for start in range(0, len(payments), SADAD_BATCH_CHUNK):
        chunk = list(enumerate(payments[start : start + SADAD_BATCH_CHUNK], start=start))
        with transaction.atomic():
            numbers = sorted({payment.sadad_number for _, payment in chunk})
            # Evaluated for its locks only; each notification reads its bill again below.
            list(
                Bill.objects.select_for_update(of=("self",))
                .filter(sadad_number__in=numbers)
                .order_by("sadad_number")
                .values_list("pk", flat=True)
            )
            for index, payment in chunk:
                outcome: PaymentOutcome | PaymentRefused
                try:
                    outcome = bill_pay_from_bank(partner_code=partner_code, payment=payment)
                except PaymentRefused as refusal:
                    outcome = refusal
                outcomes.append(BatchItemOutcome(index=index, payment=payment, outcome=outcome))
    return outcomes


def _apply(
    bill: Bill | None, partner_code: str, payment: BankPayment, reference: str
) -> tuple[PaymentOutcome | None, str]:
    if bill is None:
        return None, "bill_not_found"
    existing = Payment.objects.filter(
        partner_code=partner_code, external_reference=reference
    ).first()
    if existing is not None:
        if existing.bill_id == bill.pk:
            _record(partner_code, payment, NotificationResult.DUPLICATE, "", bill)
            return PaymentOutcome(
                result=NotificationResult.DUPLICATE, bill=bill, payment=existing
            ), ""
        return None, "reference_reused"
    if bill.status in (BillStatus.PAID, BillStatus.REFUNDED):
        return None, "bill_already_paid"
    if bill.status == BillStatus.CANCELLED:
        return None, "bill_cancelled"
    # By the clock, not the status: an unpaid bill past its expiry is refused before the sweep.
    if bill.status == BillStatus.EXPIRED or clock.now() >= bill.expires_at:
        return None, "bill_expired"
    if payment.paid_at < bill.issued_at - PAID_AT_FUTURE_TOLERANCE:
        return None, "paid_at_before_issue"
    if payment.amount_halalas != bill.amount_halalas:
        return None, "amount_mismatch"
    # Recorded before the payment: the payment's audit entry is then the transaction's last write.
    _record(partner_code, payment, NotificationResult.APPLIED, "", bill)
    applied = bill_pay(
        bill,
        channel=PaymentChannel.SADAD,
        partner_code=partner_code,
        external_reference=reference,
        paid_at=payment.paid_at.astimezone(dt.UTC),
    )
    return PaymentOutcome(result=NotificationResult.APPLIED, bill=bill, payment=applied), ""


def bill_pay(
    bill: Bill, *, channel: str, partner_code: str, external_reference: str, paid_at: dt.datetime
) -> Payment:
    """Marks the locked, payable bill paid by one channel, writes the payment and the fulfilment
    outbox row, all in the caller's transaction; the fulfilment task starts after commit.

    The status change comes last: it appends to the audit chain, whose lock is then held only
    until the caller commits (ADR 0002), not through the rest of this work."""
    payment = Payment.objects.create(
        bill=bill,
        channel=channel,
        amount_halalas=bill.amount_halalas,
        partner_code=partner_code,
        external_reference=external_reference,
        paid_at=paid_at,
        receipt_code=receipt_code_new(),
    )
    fulfilment = Fulfilment.objects.create(bill=bill)
    from absher.payments import tasks

    enqueue_on_commit(tasks.fulfil_bill, fulfilment.pk)
    amount = format_sar(bill.amount_halalas)
    notification_send(
        person=bill.payer,
        kind="bill_paid",
        title_ar="تم سداد الفاتورة",
        title_en="Bill paid",
        body_ar=f"تم سداد فاتورة سداد رقم {bill.sadad_number} بمبلغ {amount} ريال.",
        body_en=f"SADAD bill {bill.sadad_number} of SAR {amount} was paid.",
    )
    _transition(bill, BillStatus.PAID, actor_type="partner", actor_id=partner_code, channel=channel)
    return payment


def fulfilment_process(*, fulfilment_id: int) -> str:
    """Runs the registered handler for a paid bill once; a failure keeps the row pending for a
    retry and undoes whatever the handler did."""
    with transaction.atomic():
        fulfilment = (
            Fulfilment.objects.select_for_update(of=("self",))
            .select_related("bill", "bill__payer", "bill__service")
            .filter(pk=fulfilment_id)
            .first()
        )
        if fulfilment is None or fulfilment.status != FulfilmentStatus.PENDING:
            return "skipped"
        handler = registry.handler_for(fulfilment.bill.purpose)
        fault_point_after_commit("fulfilment.committed")
        fulfilment.attempts += 1
        try:
            if handler is None:
                raise LookupError(f"no handler for {fulfilment.bill.purpose}")
            with transaction.atomic():
                handler(fulfilment.bill)
                fault_point("fulfilment.applied")
        except Exception as exc:  # the handler's own work is rolled back; the row records why
            fulfilment.last_error = f"{type(exc).__name__}"[:200]
            fields = ["attempts", "last_error", "updated_at"]
            if fulfilment.attempts >= FULFILMENT_MAX_ATTEMPTS:
                fulfilment.status = FulfilmentStatus.FAILED
                fields.append("status")
            fulfilment.save(update_fields=fields)
            logger.warning(
                "fulfilment.failed",
                extra={
                    "fulfilment_id": fulfilment_id,
                    "error": type(exc).__name__,
                    "attempts": fulfilment.attempts,
                },
            )
            return "failed" if fulfilment.status == FulfilmentStatus.FAILED else "retry"
        fulfilment.status = FulfilmentStatus.DONE
        fulfilment.processed_at = clock.now()
        fulfilment.save(update_fields=["attempts", "status", "processed_at", "updated_at"])
    return "done"


def fulfilments_redispatch(*, limit: int = 500) -> int:
    """Hands the task again every fulfilment still pending a while after its payment: one whose
    enqueue was lost (the process died between commit and queue) or whose task ran out of retries.
    Running one twice is harmless: the row is locked and done only once."""
    from absher.payments import tasks

    cutoff = clock.now() - FULFILMENT_REDISPATCH_AFTER
    pending = list(
        Fulfilment.objects.filter(status=FulfilmentStatus.PENDING, created_at__lte=cutoff)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for fulfilment_id in pending:
        tasks.fulfil_bill.delay(fulfilment_id)
    return len(pending)


def _bill_locked(sadad_number: str) -> Bill:
    bill = bill_lock(sadad_number=sadad_number)
    if bill is None:
        raise NotFound("bill_not_found", _("No bill has this SADAD number."))
    return bill


def bill_cancel(*, sadad_number: str, actor_type: str, actor_id: str, reason: str) -> Bill:
    """An unpaid bill is withdrawn (what it pays for will not happen); any other is refused."""
    with transaction.atomic():
        bill = _bill_locked(sadad_number)
        _transition(
            bill, BillStatus.CANCELLED, actor_type=actor_type, actor_id=actor_id, note=reason
        )
    return bill


def bill_refund(*, sadad_number: str, actor_type: str, actor_id: str, reason: str) -> Bill:
    """A paid bill whose purpose can no longer happen is refunded; the payer is told why."""
    with transaction.atomic():
        bill = _bill_locked(sadad_number)
        _transition(
            bill, BillStatus.REFUNDED, actor_type=actor_type, actor_id=actor_id, note=reason
        )
        _notify_refunded(bill, reason)
    return bill


def bill_withdraw(*, sadad_number: str, actor_type: str, actor_id: str, reason: str) -> Bill:
    """What the bill pays for will not happen: an unpaid bill is cancelled, a paid one refunded,
    and a bill already closed (expired, cancelled, refunded) is left as it is. Decided under the
    bill's lock, so a bank payment arriving at the same moment is either refunded or refused."""
    with transaction.atomic():
        bill = _bill_locked(sadad_number)
        if bill.status == BillStatus.UNPAID:
            _transition(
                bill, BillStatus.CANCELLED, actor_type=actor_type, actor_id=actor_id, note=reason
            )
        elif bill.status == BillStatus.PAID:
            _transition(
                bill, BillStatus.REFUNDED, actor_type=actor_type, actor_id=actor_id, note=reason
            )
            _notify_refunded(bill, reason)
    return bill


def _notify_refunded(bill: Bill, reason: str) -> None:
    amount = format_sar(bill.amount_halalas)
    notification_send(
        person=bill.payer,
        kind="bill_refunded",
        title_ar="استرداد مبلغ فاتورة",
        title_en="Bill refunded",
        body_ar=f"سيُعاد مبلغ {amount} ريال المسدد للفاتورة رقم {bill.sadad_number}. "
        f"السبب: {reason}",
        body_en=f"SAR {amount} paid for bill {bill.sadad_number} will be refunded. "
        f"Reason: {reason}",
    )


def bills_expire_due(*, limit: int = 1000) -> int:
    """The sweep: marks unpaid bills past their expiry as expired. Payment already refuses them
    by the clock; this only tidies the status and the history."""
    now = clock.now()
    expired = 0
    numbers = list(
        Bill.objects.filter(status=BillStatus.UNPAID, expires_at__lte=now).values_list(
            "sadad_number", flat=True
        )[:limit]
    )
    for number in numbers:
        with transaction.atomic():
            bill = bill_lock(sadad_number=number)
            if bill is not None and bill.status == BillStatus.UNPAID and bill.expires_at <= now:
                _transition(bill, BillStatus.EXPIRED, actor_type="system", actor_id="sweep")
                notification_send(
                    person=bill.payer,
                    kind="bill_expired",
                    title_ar="انتهت مدة الفاتورة",
                    title_en="Bill expired",
                    body_ar=f"انتهت مدة فاتورة سداد رقم {bill.sadad_number} دون سدادها.",
                    body_en=f"SADAD bill {bill.sadad_number} expired unpaid.",
                    send_sms=False,
                )
                expired += 1
    return expired


def bank_notification_refused(*, claimed_partner: str, raw_body: bytes, reason: str) -> None:
    """Records a payment notification refused before it could be read as one (a bad, stale or
    replayed signature), so reconciliation lists it. Only what the body claims is kept, capped."""
    claimed: dict[str, object] = {}
    try:
        parsed = json.loads(raw_body or b"{}")
        if isinstance(parsed, dict):
            claimed = parsed
    except (ValueError, UnicodeDecodeError):
        claimed = {}
    amount = claimed.get("amount")
    claimed_amount = amount if isinstance(amount, int) and amount_is_valid(amount) else None
    BankNotification.objects.create(
        partner_code=storable_text(claimed_partner, 40),
        sadad_number=storable_text(claimed.get("sadad_number", ""), 32),
        amount_halalas=claimed_amount,
        bank_code=storable_text(claimed.get("bank_code", ""), 16),
        bank_reference=storable_text(claimed.get("bank_reference", ""), 64),
        received_at=clock.now(),
        result=NotificationResult.REJECTED,
        reason=reason[:40],
    )
