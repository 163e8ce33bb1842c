from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from absher.core import clock
from absher.core.errors import NotFound
from absher.identity.models import Person
from absher.payments.constants import (
    BillStatus,
    CheckoutStatus,
    NotificationResult,
    PaymentChannel,
)
from absher.payments.models import BankNotification, Bill, CardCheckout, CardNotification, Payment


def bills_of(*, person: Person) -> QuerySet[Bill]:
    return Bill.objects.filter(payer=person).select_related("service").order_by("-issued_at", "-id")


def bill_get_for_actor(*, person: Person, sadad_number: str) -> Bill:
    """The one way an interface fetches a bill for a person: another person's bill and a missing
    one get the same 404, so bill numbers cannot be probed."""
    bill = (
        Bill.objects.select_related("service", "service__department", "payer")
        .filter(sadad_number=sadad_number)
        .first()
    )
    if bill is None:
        raise NotFound("bill_not_found", _("No bill has this SADAD number."))
    if bill.payer_id != person.pk:
        raise NotFound("bill_not_found", _("No bill has this SADAD number."))
    return bill


def bills_payable_for(*, id_number: str, service_code: str = "") -> QuerySet[Bill]:
    """What an ID owes now (the banks' inquiry): unpaid and not past expiry."""
    queryset = Bill.objects.filter(
        payer__id_number=id_number, status=BillStatus.UNPAID, expires_at__gt=clock.now()
    ).select_related("service")
    if service_code:
        queryset = queryset.filter(service__code=service_code)
    return queryset.order_by("issued_at", "id")


def bill_has_lapsed(*, sadad_number: str) -> bool:
    """Whether the bill can never be paid now: expired or cancelled, by status or, before the
    sweep has run, by the clock. A paid bill has not lapsed."""
    bill = Bill.objects.filter(sadad_number=sadad_number).only("status", "expires_at").first()
    if bill is None:
        return True
    if bill.status in (BillStatus.EXPIRED, BillStatus.CANCELLED):
        return True
    return bill.status == BillStatus.UNPAID and bill.expires_at <= clock.now()


@dataclass
class ReconciliationLine:
    channel: str
    received: int = 0
    applied: int = 0
    duplicate: int = 0
    rejected: int = 0
    payments: int = 0
    amount_applied_halalas: int = 0
    rejections: dict[str, int] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)


def _tally(line: ReconciliationLine, rows: QuerySet) -> None:
    for row in rows.values("result", "reason").annotate(n=Count("id")):
        line.received += row["n"]
        if row["result"] == NotificationResult.APPLIED:
            line.applied += row["n"]
        elif row["result"] == NotificationResult.DUPLICATE:
            line.duplicate += row["n"]
        else:
            line.rejected += row["n"]
            line.rejections[row["reason"]] = line.rejections.get(row["reason"], 0) + row["n"]


def reconciliation_for(*, day: dt.date) -> list[ReconciliationLine]:
    """Per channel, for one UTC day: what banks and the card gateway reported against what was
    applied, with every mismatch listed (a rejected report, a payment without its applied report,
    a card charge still waiting to be handed back)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=1)
    sadad = ReconciliationLine(channel=PaymentChannel.SADAD)
    card = ReconciliationLine(channel=PaymentChannel.CARD)
    notifications = BankNotification.objects.filter(received_at__gte=start, received_at__lt=end)
    card_reports = CardNotification.objects.filter(received_at__gte=start, received_at__lt=end)
    _tally(sadad, notifications)
    _tally(card, card_reports)
    for rejected in notifications.filter(result=NotificationResult.REJECTED).order_by(
        "received_at", "id"
    ):
        sadad.mismatches.append(
            f"{rejected.received_at.isoformat()} {rejected.partner_code} "
            f"{rejected.sadad_number} {rejected.bank_reference}: {rejected.reason}"
        )
    for report in card_reports.filter(result=NotificationResult.REJECTED).order_by(
        "received_at", "id"
    ):
        card.mismatches.append(
            f"{report.received_at.isoformat()} {report.gateway} {report.source} "
            f"{report.reference} {report.charge_id}: {report.reason}"
        )
    lines = {PaymentChannel.SADAD: sadad, PaymentChannel.CARD: card}
    payments = Payment.objects.filter(created_at__gte=start, created_at__lt=end).select_related(
        "bill"
    )
    applied_bills = set(
        notifications.filter(result=NotificationResult.APPLIED).values_list("bill_id", flat=True)
    )
    applied_checkouts = set(
        card_reports.filter(result=NotificationResult.APPLIED).values_list(
            "checkout__bill_id", flat=True
        )
    )
    for payment in payments:
        line = lines[PaymentChannel(payment.channel)]
        line.payments += 1
        line.amount_applied_halalas += payment.amount_halalas
        reported = applied_bills if payment.channel == PaymentChannel.SADAD else applied_checkouts
        if payment.bill_id not in reported:
            line.mismatches.append(
                f"payment {payment.pk} of bill {payment.bill.sadad_number} has no applied "
                "notification"
            )
    waiting = CardCheckout.objects.filter(
        status=CheckoutStatus.REFUNDED,
        refunded_at__isnull=True,
        decided_at__gte=start,
        decided_at__lt=end,
    ).select_related("bill")
    for checkout in waiting:
        card.mismatches.append(
            f"charge {checkout.charge_id} of checkout {checkout.reference} (bill "
            f"{checkout.bill.sadad_number}) is still to be handed back to the card"
        )
    return list(lines.values())
