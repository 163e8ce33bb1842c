"""The catalogue as the caller sees it, and per-service activation."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from absher.accounts.selectors import services_for_viewer
from absher.accounts.services import activation as activation_services
from absher.api.openapi import errors
from absher.api.security import activated_token, caller
from absher.api.v1.schemas import ChallengeOut, ChallengeVerifyIn, challenge_out

router = Router(tags=["services"])


class ViewerServiceOut(Schema):
    code: str
    department: str
    name_ar: str
    name_en: str
    fee_halalas: int
    fee_depends_on_case: bool
    requires_activation: bool
    eligible: bool
    activated: bool
    status: str = Field(description="available, needs_activation, suspended or not_eligible")
    suspended: bool
    suspension: dict | None


class ViewerServiceList(Schema):
    items: list[ViewerServiceOut]


class ServiceActivationOut(Schema):
    service_code: str
    activated: bool


@router.get("", response=ViewerServiceList, auth=activated_token, summary="My e-services")
def services_list(request: HttpRequest) -> dict:
    return {"items": services_for_viewer(user=caller(request))}


@router.post(
    "/{code}/activate",
    response=ChallengeOut,
    auth=activated_token,
    openapi_extra=errors(404, 409, 429),
    summary="Activate a service",
)
def service_activate(request: HttpRequest, code: str) -> dict:
    challenge = activation_services.service_activation_start(
        user=caller(request), service_code=code
    )
    return challenge_out(challenge)


@router.post(
    "/{code}/activate/verify",
    response=ServiceActivationOut,
    auth=activated_token,
    openapi_extra=errors(404, 409),
    summary="Enter the service activation code",
)
def service_activate_verify(request: HttpRequest, code: str, payload: ChallengeVerifyIn) -> dict:
    activation = activation_services.service_activation_verify(
        user=caller(request),
        service_code=code,
        challenge_id=payload.challenge_id,
        code=payload.code,
    )
    return {"service_code": activation.service.code, "activated": True}
