"""The card channel (الدفع بالبطاقة): a checkout sends the person to the gateway's hosted page; the
outcome comes back twice — with the person's browser (the return) and from the gateway's server
(the webhook) — and whichever arrives first applies it, exactly once. The platform never receives
a card number. A charge that lands after the bill was closed (paid at a bank meanwhile, expired,
cancelled) is handed back to the card."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from absher.audit.services import audit_record
from absher.core import clock
from absher.core.errors import ApplicationError, Conflict, NotFound
from absher.core.jobs import enqueue_on_commit
from absher.core.money import format_sar
from absher.identity.models import Person
from absher.notifications.services import notification_send
from absher.payments.constants import (
    CHECKOUT_LIFETIME,
    CHECKOUT_REFERENCE_BYTES,
    CHECKOUT_TRANSITIONS,
    BillStatus,
    CheckoutStatus,
    NotificationResult,
    PaymentChannel,
)
from absher.payments.models import Bill, CardCheckout, CardNotification, Payment
from absher.payments.providers.base import (
    OUTCOME_PAID,
    CheckoutRequest,
    GatewayOutcome,
    GatewayRefused,
    outcome_is_valid,
)
from absher.payments.providers.registry import card_gateway
from absher.payments.services import (
    PaymentRefused,
    amount_is_valid,
    bill_lock,
    bill_pay,
    storable_text,
)

# A checkout with less than this left is not handed out again: the person needs time to type.
CHECKOUT_MIN_REMAINING = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class CheckoutStart:
    checkout: CardCheckout
    redirect_url: str


def _bill_not_found() -> NotFound:
    return NotFound("bill_not_found", _("No bill has this SADAD number."))


def _refuse_unpayable(bill: Bill, now: dt.datetime) -> None:
    if bill.status in (BillStatus.PAID, BillStatus.REFUNDED):
        raise Conflict("bill_already_paid", _("This bill has already been paid."))
    if bill.status == BillStatus.CANCELLED:
        raise PaymentRefused(
            "bill_cancelled", _("The bill was cancelled and can no longer be paid.")
        )
    if bill.status == BillStatus.EXPIRED or now >= bill.expires_at:
        raise PaymentRefused("bill_expired", _("The bill has expired and can no longer be paid."))


def _checkout_move(
    checkout: CardCheckout, to: str, *, source: str, failure_code: str = "", charge_id: str = ""
) -> None:
    """The one place a checkout's status changes, by CHECKOUT_TRANSITIONS (row locked)."""
    if to not in CHECKOUT_TRANSITIONS[checkout.status]:
        raise Conflict("checkout_transition_refused", _("This card payment is already settled."))
    before = checkout.status
    checkout.status = to
    checkout.failure_code = failure_code
    checkout.decided_at = clock.now()
    checkout.decided_by = source
    if charge_id:
        checkout.charge_id = charge_id[:64]
    checkout.save(
        update_fields=[
            "status",
            "failure_code",
            "decided_at",
            "decided_by",
            "charge_id",
            "updated_at",
        ]
    )
    audit_record(
        action=f"card_checkout.{to}",
        actor_type="partner" if source == "webhook" else "system",
        actor_id=checkout.gateway,
        subject_type="bill",
        subject_id=checkout.bill.sadad_number,
        person=checkout.person,
        data={"from": before, "checkout": checkout.reference, "failure": failure_code},
    )


def card_checkout_start(
    *, person: Person, sadad_number: str, return_url: str, language: str
) -> CheckoutStart:
    """Where to send the person to pay their bill by card. While a checkout for the bill is open
    and has time left, it is handed out again (a second tab, a double click, a retry): one
    checkout, so the gateway charges it at most once."""
    gateway = card_gateway()
    now = clock.now()
    with transaction.atomic():
        bill = bill_lock(sadad_number=sadad_number)
        if bill is None or bill.payer_id != person.pk:
            raise _bill_not_found()
        _refuse_unpayable(bill, now)
        checkout = (
            CardCheckout.objects.select_for_update()
            .filter(bill=bill, status=CheckoutStatus.OPEN)
            .first()
        )
        if checkout is not None and checkout.expires_at - now < CHECKOUT_MIN_REMAINING:
            _checkout_move(checkout, CheckoutStatus.FAILED, source="system", failure_code="expired")
            checkout = None
        if checkout is None:
            checkout = CardCheckout.objects.create(
                reference=secrets.token_urlsafe(CHECKOUT_REFERENCE_BYTES),
                bill=bill,
                person=person,
                gateway=gateway.partner_code,
                amount_halalas=bill.amount_halalas,
                expires_at=min(now + CHECKOUT_LIFETIME, bill.expires_at),
            )
            audit_record(
                action="card_checkout.started",
                actor_type="person",
                actor_id=str(person.pk),
                subject_type="bill",
                subject_id=bill.sadad_number,
                person=person,
                data={"checkout": checkout.reference, "gateway": checkout.gateway},
            )
    description = bill.service.name_en if language == "en" else bill.service.name_ar
    url = gateway.checkout_url(
        CheckoutRequest(
            reference=checkout.reference,
            amount_halalas=checkout.amount_halalas,
            description=description,
            return_url=return_url,
            expires_at=checkout.expires_at,
            language=language,
        )
    )
    return CheckoutStart(checkout=checkout, redirect_url=url)


def _record(
    *,
    gateway: str,
    source: str,
    outcome: GatewayOutcome,
    result: str,
    reason: str = "",
    checkout: CardCheckout | None = None,
) -> None:
    CardNotification.objects.create(
        gateway=storable_text(gateway, 40),
        source=source,
        reference=storable_text(outcome.reference, 40),
        charge_id=storable_text(outcome.charge_id, 64),
        outcome=storable_text(outcome.outcome, 20),
        # Kept only when it is an amount at all: a claimed 10^20 does not fit the column.
        amount_halalas=outcome.amount_halalas if amount_is_valid(outcome.amount_halalas) else None,
        received_at=clock.now(),
        result=result,
        reason=reason,
        checkout=checkout,
    )


def _refusal(code: str) -> ApplicationError:
    messages = {
        "checkout_not_found": (_("No card payment has this reference."), 404),
        "amount_mismatch": (_("The amount charged is not the amount of the payment."), 422),
        "invalid_outcome": (_("The payment result is not one the platform knows."), 422),
        "missing_charge": (_("A successful payment must name its charge."), 422),
    }
    message, status = messages[code]
    return PaymentRefused(code, message, http_status=status)


# What the platform answers for a charge it does not apply: it hands it back to the card.
CHARGE_RETURNED = "charge_returned"


@dataclass(frozen=True)
class CardApplied:
    result: str  # applied | duplicate | charge_returned
    checkout: CardCheckout


def card_outcome_apply(*, gateway: str, outcome: GatewayOutcome, source: str) -> CardApplied:
    """Applies what the gateway reported for a checkout, exactly once whichever way it came.
    The bill is locked before the checkout (the order card_checkout_start uses)."""
    reason = ""
    if not outcome_is_valid(outcome.outcome):
        reason = "invalid_outcome"
    elif outcome.outcome == OUTCOME_PAID and not outcome.charge_id.strip():
        reason = "missing_charge"
    if reason:
        _record(
            gateway=gateway,
            source=source,
            outcome=outcome,
            result=NotificationResult.REJECTED,
            reason=reason,
        )
        raise _refusal(reason)
    with transaction.atomic():
        found = (
            CardCheckout.objects.filter(reference=outcome.reference, gateway=gateway)
            .select_related("bill")
            .first()
        )
        bill = bill_lock(sadad_number=found.bill.sadad_number) if found else None
        checkout = (
            CardCheckout.objects.select_for_update(of=("self",))
            .select_related("bill", "person")
            .get(pk=found.pk)
            if found
            else None
        )
        if checkout is None or bill is None:
            reason = "checkout_not_found"
        elif outcome.amount_halalas != checkout.amount_halalas:
            reason = "amount_mismatch"
        else:
            checkout.bill = bill
            result = _apply(checkout, bill, gateway, outcome, source)
            _record(
                gateway=gateway,
                source=source,
                outcome=outcome,
                result=result,
                reason="" if result != NotificationResult.REJECTED else CHARGE_RETURNED,
                checkout=checkout,
            )
            answer = CHARGE_RETURNED if result == NotificationResult.REJECTED else result
            return CardApplied(result=answer, checkout=checkout)
    _record(
        gateway=gateway,
        source=source,
        outcome=outcome,
        result=NotificationResult.REJECTED,
        reason=reason,
        checkout=checkout,
    )
    raise _refusal(reason)


def _apply(
    checkout: CardCheckout, bill: Bill, gateway: str, outcome: GatewayOutcome, source: str
) -> str:
    """The effect of one outcome on a locked checkout and its locked bill; answers the
    reconciliation result: applied, duplicate, or rejected (a charge that is handed back)."""
    if outcome.outcome != OUTCOME_PAID:
        if checkout.status != CheckoutStatus.OPEN:
            return NotificationResult.DUPLICATE  # a late failure never undoes a settled checkout
        _checkout_move(checkout, CheckoutStatus.FAILED, source=source, failure_code=outcome.outcome)
        return NotificationResult.APPLIED
    charge_id = outcome.charge_id.strip()
    if checkout.status in (CheckoutStatus.PAID, CheckoutStatus.REFUNDED):
        if checkout.charge_id == charge_id:
            return NotificationResult.DUPLICATE
        # A second charge for one checkout (the gateway should never do this): hand it back.
        _refund_later(checkout, charge_id)
        return NotificationResult.REJECTED
    already = Payment.objects.filter(partner_code=gateway, external_reference=charge_id).exists()
    if already:
        return NotificationResult.DUPLICATE
    now = clock.now()
    if bill.status == BillStatus.UNPAID and now < bill.expires_at:
        bill_pay(
            bill,
            channel=PaymentChannel.CARD,
            partner_code=gateway,
            external_reference=charge_id,
            paid_at=now,
        )
        _checkout_move(checkout, CheckoutStatus.PAID, source=source, charge_id=charge_id)
        return NotificationResult.APPLIED
    # Charged, but the bill closed meanwhile (paid at a bank, expired or cancelled).
    _checkout_move(checkout, CheckoutStatus.REFUNDED, source=source, charge_id=charge_id)
    _refund_later(checkout, charge_id)
    return NotificationResult.REJECTED


def _refund_later(checkout: CardCheckout, charge_id: str) -> None:
    from absher.payments import tasks

    enqueue_on_commit(tasks.card_charge_refund, checkout.pk, charge_id)
    amount = format_sar(checkout.amount_halalas)
    notification_send(
        person=checkout.person,
        kind="card_charge_returned",
        title_ar="إعادة مبلغ إلى البطاقة",
        title_en="Card charge returned",
        body_ar=(
            f"سُحب من بطاقتك مبلغ {amount} ريال للفاتورة رقم {checkout.bill.sadad_number} "
            "بعد أن أُغلقت الفاتورة، وستُعاد القيمة إلى بطاقتك."
        ),
        body_en=(
            f"Your card was charged SAR {amount} for bill {checkout.bill.sadad_number} after "
            "the bill was closed; the charge will be returned to your card."
        ),
    )


def card_charge_refund(*, checkout_id: int, charge_id: str) -> str:
    """Asks the gateway to hand a charge back (safe to repeat: the gateway answers
    `already_refunded`). GatewayUnavailable propagates so the task retries."""
    checkout = CardCheckout.objects.filter(pk=checkout_id).first()
    if checkout is None:
        return "missing"
    card_gateway().charge_refund(charge_id=charge_id, amount_halalas=checkout.amount_halalas)
    with transaction.atomic():
        locked = CardCheckout.objects.select_for_update().get(pk=checkout_id)
        if locked.refunded_at is None and locked.charge_id == charge_id:
            locked.refunded_at = clock.now()
            locked.save(update_fields=["refunded_at", "updated_at"])
    audit_record(
        action="card_checkout.charge_returned",
        actor_type="system",
        subject_type="bill",
        subject_id=checkout.bill.sadad_number,
        data={"checkout": checkout.reference, "charge": charge_id},
    )
    return "refunded"


def card_return_apply(*, params: Mapping[str, str]) -> CardCheckout:
    """The person's browser came back from the hosted page with the gateway's signed outcome."""
    gateway = card_gateway()
    try:
        outcome = gateway.return_read(params)
    except GatewayRefused:
        claimed = GatewayOutcome(
            reference=str(params.get("reference", ""))[:40],
            outcome=str(params.get("status", ""))[:20],
            charge_id=str(params.get("charge_id", ""))[:64],
            amount_halalas=None,
        )
        _record(
            gateway=gateway.partner_code,
            source="return",
            outcome=claimed,
            result=NotificationResult.REJECTED,
            reason="bad_signature",
        )
        raise
    return card_outcome_apply(
        gateway=gateway.partner_code, outcome=outcome, source="return"
    ).checkout


def card_webhook_apply(
    *, partner_code: str, reference: str, outcome: str, charge_id: str, amount_halalas: int
) -> CardApplied:
    """The gateway's server reported an outcome (its signature already verified)."""
    return card_outcome_apply(
        gateway=partner_code,
        outcome=GatewayOutcome(
            reference=reference,
            outcome=outcome,
            charge_id=charge_id,
            amount_halalas=amount_halalas,
        ),
        source="webhook",
    )


def card_webhook_refused(*, claimed_partner: str, raw_body: bytes, reason: str) -> None:
    """Records a webhook refused before it could be read (bad, stale signature) for
    reconciliation; only what the body claims is kept, capped."""
    try:
        claimed = json.loads(raw_body or b"{}")
    except (ValueError, UnicodeDecodeError):
        claimed = {}
    if not isinstance(claimed, dict):
        claimed = {}
    amount = claimed.get("amount")
    _record(
        gateway=str(claimed_partner),
        source="webhook",
        outcome=GatewayOutcome(
            reference=str(claimed.get("reference", ""))[:40],
            outcome=str(claimed.get("status", ""))[:20],
            charge_id=str(claimed.get("charge_id", ""))[:64],
            amount_halalas=amount if amount_is_valid(amount) else None,
        ),
        result=NotificationResult.REJECTED,
        reason=reason[:40],
    )


def card_refunds_redispatch(*, limit: int = 200) -> int:
    """Hands the refund task again every charge still waiting to be returned (the gateway was
    down, or the process died before the task was queued). Repeating one is harmless."""
    from absher.payments import tasks

    waiting = list(
        CardCheckout.objects.filter(status=CheckoutStatus.REFUNDED, refunded_at__isnull=True)
        .exclude(charge_id="")
        .order_by("decided_at", "id")
        .values_list("pk", "charge_id")[:limit]
    )
    for checkout_id, charge_id in waiting:
        tasks.card_charge_refund.delay(checkout_id, charge_id)
    return len(waiting)
