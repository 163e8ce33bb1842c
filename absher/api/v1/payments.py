"""Bills: the person's own, and the SADAD integration used by banks (inquiry and payment
notifications, signed as SPEC 13 says)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from ninja import Field, Router, Schema
from pydantic import StrictInt

from absher.accounts.constants import PartnerKind
from absher.api.idempotency import IdempotencyKey, idempotent
from absher.api.openapi import errors
from absher.api.security import (
    PartnerSignature,
    RecordedPartnerSignature,
    activated_token,
    caller,
)
from absher.identity.rules import id_number_parse
from absher.payments import cards, selectors, services
from absher.payments.constants import SADAD_BATCH_MAX_ITEMS
from absher.payments.models import Bill

me_router = Router(tags=["payments"])
bills_router = Router(tags=["payments"])
sadad_router = Router(tags=["integrations"])
card_gateway_router = Router(tags=["integrations"])

bank_signature = PartnerSignature(PartnerKind.BANK)


def _record_refused_notification(claimed_partner: str, raw_body: bytes, reason: str) -> None:
    services.bank_notification_refused(
        claimed_partner=claimed_partner, raw_body=raw_body, reason=reason
    )


notification_signature = RecordedPartnerSignature(
    PartnerKind.BANK, on_refused=_record_refused_notification
)


def _record_refused_webhook(claimed_partner: str, raw_body: bytes, reason: str) -> None:
    cards.card_webhook_refused(claimed_partner=claimed_partner, raw_body=raw_body, reason=reason)


webhook_signature = RecordedPartnerSignature(
    PartnerKind.CARD_GATEWAY, on_refused=_record_refused_webhook
)


class BillOut(Schema):
    sadad_number: str
    biller_code: str
    amount_halalas: int
    status: str
    service_code: str
    service_name_ar: str
    service_name_en: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    paid_at: dt.datetime | None
    paid_channel: str


class BillList(Schema):
    items: list[BillOut]


def bill_out(bill: Bill) -> dict:
    return {
        "sadad_number": bill.sadad_number,
        "biller_code": bill.biller_code,
        "amount_halalas": bill.amount_halalas,
        "status": bill.status,
        "service_code": bill.service.code,
        "service_name_ar": bill.service.name_ar,
        "service_name_en": bill.service.name_en,
        "issued_at": bill.issued_at,
        "expires_at": bill.expires_at,
        "paid_at": bill.paid_at,
        "paid_channel": bill.paid_channel,
    }


@me_router.get("/bills", response=BillList, auth=activated_token, summary="My bills")
def my_bills(request: HttpRequest) -> dict:
    bills = selectors.bills_of(person=caller(request).person)[:200]
    return {"items": [bill_out(bill) for bill in bills]}


@bills_router.get(
    "/{sadad_number}",
    response=BillOut,
    auth=activated_token,
    openapi_extra=errors(404),
    summary="One of my bills",
)
def bill_detail(request: HttpRequest, sadad_number: str) -> dict:
    bill = selectors.bill_get_for_actor(person=caller(request).person, sadad_number=sadad_number)
    return bill_out(bill)


class CardPaymentOut(Schema):
    redirect_url: str = Field(
        description="The gateway's hosted payment page; the person's browser goes there to pay."
    )
    checkout_reference: str
    expires_at: dt.datetime


@bills_router.post(
    "/{sadad_number}/card-payment",
    response=CardPaymentOut,
    auth=activated_token,
    openapi_extra=errors(404, 409),
    summary="Pay one of my bills by card: where to send the browser",
    description=(
        "Answers the same open checkout while it has time left (two tabs, a retry), so the bill is "
        "charged at most once. The gateway sends the browser back to the portal's bill page. "
        "An optional Idempotency-Key header makes a retry return the first answer (ADR 0006)."
    ),
)
def card_payment(
    request: HttpRequest, sadad_number: str, idempotency_key: IdempotencyKey = None
) -> dict:
    def work() -> dict:
        return_url = request.build_absolute_uri(
            reverse("portal:bill_card_return", kwargs={"sadad_number": sadad_number})
        )
        started = cards.card_checkout_start(
            person=caller(request).person,
            sadad_number=sadad_number,
            return_url=return_url,
            language=get_language() or "ar",
        )
        return {
            "redirect_url": started.redirect_url,
            "checkout_reference": started.checkout.reference,
            "expires_at": started.checkout.expires_at,
        }

    return idempotent(
        request,
        key=idempotency_key,
        owner=f"user:{caller(request).pk}",
        operation="card_payment_create",
        schema=CardPaymentOut,
        work=work,
    )


class InquiryIn(Schema):
    id_number: str = Field(max_length=32)
    service_code: str | None = Field(default=None, max_length=60)


class InquiryBillOut(Schema):
    sadad_number: str
    biller_code: str
    amount: int = Field(description="Halalas.")
    service: str
    expires_at: dt.datetime


class InquiryOut(Schema):
    items: list[InquiryBillOut]


@sadad_router.post(
    "/sadad/inquiry",
    response=InquiryOut,
    auth=bank_signature,
    summary="A bank asks what an ID owes (optionally for one service)",
)
def sadad_inquiry(request: HttpRequest, payload: InquiryIn) -> dict:
    bills = services.bills_inquire_for_bank(
        partner_code=caller(request).code,
        id_number=id_number_parse(payload.id_number).value,
        service_code=payload.service_code or "",
    )
    return {
        "items": [
            {
                "sadad_number": bill.sadad_number,
                "biller_code": bill.biller_code,
                "amount": bill.amount_halalas,
                "service": bill.service.code,
                "expires_at": bill.expires_at,
            }
            for bill in bills
        ]
    }


class SadadPaymentIn(Schema):
    sadad_number: str = Field(max_length=32)
    amount: StrictInt = Field(description="Halalas, a whole number.")
    bank_code: str = Field(max_length=16)
    bank_reference: str = Field(max_length=64)
    paid_at: dt.datetime


class SadadPaymentOut(Schema):
    result: str
    sadad_number: str
    amount: int
    bill_status: str


def _bank_payment(item: SadadPaymentIn) -> services.BankPayment:
    paid_at = item.paid_at
    if paid_at.tzinfo is None:
        paid_at = paid_at.replace(tzinfo=dt.UTC)
    return services.BankPayment(
        sadad_number=item.sadad_number.strip(),
        amount_halalas=item.amount,
        bank_code=item.bank_code,
        bank_reference=item.bank_reference,
        paid_at=paid_at,
    )


@sadad_router.post(
    "/sadad/payments",
    response=SadadPaymentOut,
    auth=notification_signature,
    summary="A bank's payment notification: applied exactly once",
)
def sadad_payment(request: HttpRequest, payload: SadadPaymentIn) -> dict:
    outcome = services.bill_pay_from_bank(
        partner_code=caller(request).code, payment=_bank_payment(payload)
    )
    return {
        "result": outcome.result,
        "sadad_number": outcome.bill.sadad_number,
        "amount": outcome.payment.amount_halalas,
        "bill_status": outcome.bill.status,
    }


class SadadBatchIn(Schema):
    items: list[SadadPaymentIn] = Field(
        min_length=1,
        max_length=SADAD_BATCH_MAX_ITEMS,
        description=f"1 to {SADAD_BATCH_MAX_ITEMS} notifications, each as for /sadad/payments.",
    )


class SadadBatchRefusalOut(Schema):
    code: str
    message: str


class SadadBatchItemOut(Schema):
    index: int = Field(description="The notification's position in the batch, from 0.")
    result: str = Field(description="applied, duplicate or rejected")
    sadad_number: str
    amount: int | None = Field(description="Halalas; the payment's for applied and duplicate.")
    bill_status: str | None = None
    error: SadadBatchRefusalOut | None = Field(
        default=None,
        description="Why it was rejected: the code and message it would have had alone.",
    )


class SadadBatchOut(Schema):
    applied: int
    duplicate: int
    rejected: int
    items: list[SadadBatchItemOut]


@sadad_router.post(
    "/sadad/payments/batch",
    response=SadadBatchOut,
    auth=notification_signature,
    summary="A bank's batch of payment notifications: each applied exactly once, on its own",
)
def sadad_payment_batch(request: HttpRequest, payload: SadadBatchIn) -> dict:
    outcomes = services.bills_pay_from_bank_batch(
        partner_code=caller(request).code,
        payments=[_bank_payment(item) for item in payload.items],
    )
    items: list[dict] = []
    for item in outcomes:
        if isinstance(item.outcome, services.PaymentRefused):
            items.append(
                {
                    "index": item.index,
                    "result": "rejected",
                    "sadad_number": item.payment.sadad_number,
                    "amount": None,
                    "error": {"code": item.outcome.code, "message": str(item.outcome.message)},
                }
            )
        else:
            items.append(
                {
                    "index": item.index,
                    "result": item.outcome.result,
                    "sadad_number": item.outcome.bill.sadad_number,
                    "amount": item.outcome.payment.amount_halalas,
                    "bill_status": item.outcome.bill.status,
                }
            )
    counts = {"applied": 0, "duplicate": 0, "rejected": 0}
    for entry in items:
        counts[entry["result"]] += 1
    return {**counts, "items": items}


class CardWebhookIn(Schema):
    reference: str = Field(max_length=40)
    status: str = Field(max_length=20, description="paid, declined, 3ds_failed, timeout, cancelled")
    charge_id: str = Field(default="", max_length=64)
    amount: StrictInt = Field(description="Halalas, a whole number.")
    occurred_at: dt.datetime | None = None


class CardWebhookOut(Schema):
    result: str
    reference: str
    checkout_status: str
    bill_status: str


@card_gateway_router.post(
    "/card-gateway/webhook",
    response=CardWebhookOut,
    auth=webhook_signature,
    summary="The card gateway's signed payment result: applied exactly once",
)
def card_gateway_webhook(request: HttpRequest, payload: CardWebhookIn) -> dict:
    applied = cards.card_webhook_apply(
        partner_code=caller(request).code,
        reference=payload.reference,
        outcome=payload.status,
        charge_id=payload.charge_id,
        amount_halalas=payload.amount,
    )
    return {
        "result": applied.result,
        "reference": applied.checkout.reference,
        "checkout_status": applied.checkout.status,
        "bill_status": applied.checkout.bill.status,
    }
