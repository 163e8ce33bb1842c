from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from absher.core import clock
from absher.core.errors import NotFound
from absher.identity.models import Person
from absher.payments.constants import BillStatus, NotificationResult, PaymentChannel
from absher.payments.models import BankNotification, Bill, Payment


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


def reconciliation_for(*, day: dt.date) -> list[ReconciliationLine]:
    """Per channel, for one UTC day: what banks notified against what was applied, with every
    mismatch listed (a rejected notification, or a payment without its notification)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=1)
    sadad = ReconciliationLine(channel=PaymentChannel.SADAD)
    notifications = BankNotification.objects.filter(received_at__gte=start, received_at__lt=end)
    for row in notifications.values("result", "reason").annotate(n=Count("id")):
        sadad.received += row["n"]
        if row["result"] == NotificationResult.APPLIED:
            sadad.applied += row["n"]
        elif row["result"] == NotificationResult.DUPLICATE:
            sadad.duplicate += row["n"]
        else:
            sadad.rejected += row["n"]
            sadad.rejections[row["reason"]] = sadad.rejections.get(row["reason"], 0) + row["n"]
    for rejected in notifications.filter(result=NotificationResult.REJECTED).order_by(
        "received_at"
    ):
        sadad.mismatches.append(
            f"{rejected.received_at.isoformat()} {rejected.partner_code} "
            f"{rejected.sadad_number} {rejected.bank_reference}: {rejected.reason}"
        )
    lines = {PaymentChannel.SADAD: sadad, PaymentChannel.CARD: ReconciliationLine(channel="card")}
    payments = Payment.objects.filter(created_at__gte=start, created_at__lt=end).select_related(
        "bill"
    )
    applied_bills = set(
        notifications.filter(result=NotificationResult.APPLIED).values_list("bill_id", flat=True)
    )
    for payment in payments:
        line = lines[PaymentChannel(payment.channel)]
        line.payments += 1
        line.amount_applied_halalas += payment.amount_halalas
        if payment.channel == PaymentChannel.SADAD and payment.bill_id not in applied_bills:
            line.mismatches.append(
                f"payment {payment.pk} of bill {payment.bill.sadad_number} has no applied "
                "notification"
            )
    return list(lines.values())
