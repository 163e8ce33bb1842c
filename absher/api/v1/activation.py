"""Activating e-services for the account (S2a and S2c)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from absher.accounts.services import activation as activation_services
from absher.api.openapi import errors
from absher.api.security import caller, person_token
from absher.api.v1.me import MeOut, me_out
from absher.api.v1.schemas import ChallengeOut, ChallengeVerifyIn, challenge_out
from absher.identity.constants import Calendar

router = Router(tags=["activation"])


class NationalIdIn(Schema):
    id_number: str = Field(max_length=32)
    date_of_birth: str = Field(max_length=32)
    calendar: Calendar = Calendar.GREGORIAN


class ActivationCodeIn(Schema):
    code: str = Field(max_length=32)


@router.post(
    "/national-id",
    response=ChallengeOut,
    auth=person_token,
    openapi_extra=errors(404, 409, 429),
    summary="Activate by national ID: sends a code to the registry's mobile",
)
def national_id(request: HttpRequest, payload: NationalIdIn) -> dict:
    challenge = activation_services.activation_national_id_start(
        user=caller(request),
        id_number=payload.id_number,
        date_of_birth=payload.date_of_birth,
        calendar=payload.calendar,
    )
    return challenge_out(challenge)


@router.post(
    "/verify",
    response=MeOut,
    auth=person_token,
    openapi_extra=errors(404, 409),
    summary="Enter the activation code",
)
def verify(request: HttpRequest, payload: ChallengeVerifyIn) -> dict:
    user = activation_services.activation_national_id_verify(
        user=caller(request), challenge_id=payload.challenge_id, code=payload.code
    )
    return me_out(user)


@router.post(
    "/code",
    response=MeOut,
    auth=person_token,
    openapi_extra=errors(404, 409),
    summary="Activate with a one-time activation code",
)
def activation_code(request: HttpRequest, payload: ActivationCodeIn) -> dict:
    user = activation_services.activation_code_redeem(user=caller(request), code=payload.code)
    return me_out(user)
