"""Endpoints that partner systems call with signed requests (SPEC 13)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from absher.accounts.constants import PartnerKind
from absher.accounts.services import activation as activation_services
from absher.api.security import PartnerSignature, caller

router = Router(tags=["integrations"])

bank_signature = PartnerSignature(PartnerKind.BANK)


class BankActivationIn(Schema):
    id_number: str = Field(max_length=32)
    bank_customer_reference: str = Field(max_length=64)


class BankActivatedOut(Schema):
    result: Literal["activated"]


class BankCodeIssuedOut(Schema):
    result: Literal["code_issued"]
    activation_code: str = Field(
        description="One-time code to show the customer in online banking; it is not kept."
    )


@router.post(
    "/banks/activations",
    response={200: BankActivatedOut, 201: BankCodeIssuedOut},
    auth=bank_signature,
    summary="A bank activates e-services for its customer (S2b)",
)
def bank_activation(request: HttpRequest, payload: BankActivationIn) -> Status:
    outcome = activation_services.activation_by_bank(
        partner=caller(request),
        id_number=payload.id_number,
        bank_customer_reference=payload.bank_customer_reference,
    )
    if outcome.result == "activated":
        return Status(200, {"result": "activated"})
    return Status(201, {"result": "code_issued", "activation_code": outcome.activation_code})
