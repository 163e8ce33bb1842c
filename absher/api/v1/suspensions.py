"""Suspensions of services: a person's own view, and authorities' signed placing and lifting."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from absher.accounts.constants import PartnerKind
from absher.api.openapi import errors
from absher.api.security import PartnerSignature, activated_token, caller
from absher.suspensions import selectors, services
from absher.suspensions.constants import REFERENCE_MAX_LENGTH, TEXT_MAX_LENGTH
from absher.suspensions.models import Suspension

me_router = Router(tags=["suspensions"])
authority_router = Router(tags=["integrations"])

authority_signature = PartnerSignature(PartnerKind.AUTHORITY)


class AuthorityOut(Schema):
    code: str
    name_ar: str
    name_en: str


class SuspensionOut(Schema):
    id: int
    authority: AuthorityOut
    reference: str
    reason_ar: str
    reason_en: str
    lift_procedure_ar: str
    lift_procedure_en: str
    scope: str
    status: str
    since: dt.datetime
    lifted_at: dt.datetime | None


class SuspensionList(Schema):
    items: list[SuspensionOut]


class SuspensionIn(Schema):
    id_number: str = Field(max_length=32)
    reference: str = Field(max_length=REFERENCE_MAX_LENGTH)
    reason_ar: str = Field(max_length=TEXT_MAX_LENGTH)
    reason_en: str = Field(max_length=TEXT_MAX_LENGTH)
    lift_procedure_ar: str = Field(max_length=TEXT_MAX_LENGTH)
    lift_procedure_en: str = Field(max_length=TEXT_MAX_LENGTH)
    scope: str = Field(max_length=80, description="all, department:<code> or service:<code>")


class AuthoritySuspensionOut(SuspensionOut):
    id_number: str


def suspension_out(suspension: Suspension) -> dict:
    return {
        "id": suspension.pk,
        "authority": suspension.authority,
        "reference": suspension.reference,
        "reason_ar": suspension.reason_ar,
        "reason_en": suspension.reason_en,
        "lift_procedure_ar": suspension.lift_procedure_ar,
        "lift_procedure_en": suspension.lift_procedure_en,
        "scope": suspension.scope,
        "status": suspension.status,
        "since": suspension.placed_at,
        "lifted_at": suspension.lifted_at,
    }


def _authority_out(suspension: Suspension) -> dict:
    return {**suspension_out(suspension), "id_number": suspension.person.id_number}


@me_router.get(
    "/suspensions", response=SuspensionList, auth=activated_token, summary="My suspensions"
)
def my_suspensions(request: HttpRequest) -> dict:
    # The id is enough: the person's row itself is not read.
    suspensions = selectors.suspensions_active_for(person=caller(request).person_id)
    return {"items": [suspension_out(s) for s in suspensions]}


@authority_router.post(
    "/authorities/suspensions",
    response={200: AuthoritySuspensionOut, 201: AuthoritySuspensionOut},
    auth=authority_signature,
    openapi_extra=errors(404, 409, 429),
    summary="An authority suspends a person's services (idempotent by reference)",
)
def authority_place(request: HttpRequest, payload: SuspensionIn) -> Status:
    partner = caller(request)
    placement = services.suspension_place(
        authority=services.authority_of_partner(partner=partner),
        id_number=payload.id_number,
        reference=payload.reference,
        reason_ar=payload.reason_ar,
        reason_en=payload.reason_en,
        lift_procedure_ar=payload.lift_procedure_ar,
        lift_procedure_en=payload.lift_procedure_en,
        scope=payload.scope,
        actor_type="partner",
        actor_id=partner.code,
    )
    return Status(201 if placement.created else 200, _authority_out(placement.suspension))


@authority_router.delete(
    "/authorities/suspensions/{reference}",
    response=AuthoritySuspensionOut,
    auth=authority_signature,
    openapi_extra=errors(404, 409),
    summary="An authority lifts one of its own suspensions",
)
def authority_lift(request: HttpRequest, reference: str) -> dict:
    partner = caller(request)
    suspension = services.suspension_lift(
        authority=services.authority_of_partner(partner=partner),
        reference=reference,
        actor_type="partner",
        actor_id=partner.code,
    )
    return _authority_out(suspension)
