"""Receipts of paid bills (JSON, or PDF with `?format=pdf`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from ninja import Field, Router, Schema

from absher.api.errors import api_language
from absher.api.openapi import error_responses
from absher.api.security import activated_token, caller
from absher.payments.receipts import (
    Receipt,
    paid_on_gregorian,
    paid_on_hijri,
    receipt_get_for_actor,
    receipt_pdf,
)

router = Router(tags=["payments"])


class ReceiptOut(Schema):
    receipt_number: str = Field(description="The receipt's public code (its QR code opens it).")
    sadad_number: str
    biller_code: str
    service_code: str
    service_name_ar: str
    service_name_en: str
    payer_name_ar: str
    payer_name_en: str
    payer_id_number_masked: str = Field(description="The payer's ID, all but 4 digits hidden.")
    amount_halalas: int
    amount_sar: str = Field(description='The amount in riyals with two decimals ("300.00").')
    paid_at: dt.datetime
    paid_on_gregorian: str = Field(description="Date of payment in Riyadh, in the language asked.")
    paid_on_hijri: str = Field(description="Umm al-Qura date of payment, in the language asked.")
    channel: str = Field(description="`sadad` (bank or ATM) or `card`.")
    channel_name: str
    status: str = Field(description="`paid`, or `refunded` when the payment was returned.")
    refunded_at: dt.datetime | None
    verification_url: str


def verification_url(request: HttpRequest, receipt: Receipt) -> str:
    """The absolute address of the receipt's public verification page (what its QR code holds)."""
    return request.build_absolute_uri(reverse("portal:receipt_verify", args=[receipt.code]))


def receipt_out(request: HttpRequest, receipt: Receipt, language: str) -> dict:
    return {
        "receipt_number": receipt.code,
        "sadad_number": receipt.sadad_number,
        "biller_code": receipt.biller_code,
        "service_code": receipt.service_code,
        "service_name_ar": receipt.service_name_ar,
        "service_name_en": receipt.service_name_en,
        "payer_name_ar": receipt.payer_name_ar,
        "payer_name_en": receipt.payer_name_en,
        "payer_id_number_masked": receipt.payer_id_masked,
        "amount_halalas": receipt.amount_halalas,
        "amount_sar": receipt.amount,
        "paid_at": receipt.paid_at,
        "paid_on_gregorian": paid_on_gregorian(receipt.paid_at, language),
        "paid_on_hijri": paid_on_hijri(receipt.paid_at, language),
        "channel": receipt.channel,
        "channel_name": receipt.channel_label,
        "status": "refunded" if receipt.is_refunded else "paid",
        "refunded_at": receipt.refunded_at,
        "verification_url": verification_url(request, receipt),
    }


@router.get(
    "/{sadad_number}/receipt",
    response=ReceiptOut,
    auth=activated_token,
    summary="The receipt of one of my paid bills (JSON, or PDF with ?format=pdf)",
    description=(
        "Once the bill is paid. `?format=pdf` answers the receipt as a PDF attachment in the "
        "language of `Accept-Language` (Arabic by default). Another person's bill answers 404 "
        "`bill_not_found`; an unpaid one 409 `bill_not_paid`."
    ),
    openapi_extra={
        "responses": {
            "200": {
                "description": "The receipt",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ReceiptOut"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                },
            },
            **error_responses(404, 409),
        }
    },
)
def bill_receipt(
    request: HttpRequest, sadad_number: str, format: Literal["json", "pdf"] = "json"
) -> HttpResponse | dict:
    receipt = receipt_get_for_actor(person=caller(request).person, sadad_number=sadad_number)
    language = api_language(request)
    if format == "pdf":
        document = receipt_pdf(
            receipt=receipt, language=language, verify_url=verification_url(request, receipt)
        )
        response = HttpResponse(document, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="receipt-{receipt.sadad_number}.pdf"'
        )
        response["Cache-Control"] = "private, no-store"
        return response
    with translation.override(language):
        return receipt_out(request, receipt, language)
