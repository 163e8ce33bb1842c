"""Registration, sign-in, tokens and password reset (SPEC 4 and 13)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Router, Schema, Status

from absher.accounts.models import OtpChallenge
from absher.accounts.selectors import otp_delivery_status
from absher.accounts.services import login as login_services
from absher.accounts.services import otp as otp_services
from absher.accounts.services import password_reset as reset_services
from absher.accounts.services import registration as registration_services
from absher.accounts.services import tokens as token_services
from absher.api.errors import api_language
from absher.api.openapi import errors
from absher.api.security import caller, person_token
from absher.api.v1.me import MeOut, me_out
from absher.api.v1.schemas import ChallengeOut, ChallengeVerifyIn, ResultOut, challenge_out
from absher.identity.constants import Calendar

router = Router(tags=["auth"])


class RegisterIn(Schema):
    id_number: str = Field(max_length=32, examples=["1012345675"])
    date_of_birth: str = Field(max_length=32, description="ISO date, in the calendar named below.")
    calendar: Calendar = Calendar.GREGORIAN
    username: str = Field(max_length=64, examples=["saad.q"])
    password: str = Field(max_length=128, examples=["Sahara2030ok"])
    mobile: str = Field(max_length=32, examples=["0551112233"])
    email: str | None = Field(default=None, max_length=254)


class LoginIn(Schema):
    username: str = Field(
        max_length=64, description="The username or the 10-digit ID number.", examples=["saad.q"]
    )
    password: str = Field(max_length=128, examples=["Sahara2030ok"])


class TokensOut(Schema):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the scheme's name, not a secret


class RefreshIn(Schema):
    refresh_token: str = Field(max_length=256)


class PasswordResetIn(Schema):
    id_number: str = Field(max_length=32)
    date_of_birth: str = Field(max_length=32)
    calendar: Calendar = Calendar.GREGORIAN


class PasswordResetVerifyIn(ChallengeVerifyIn):
    new_password: str = Field(max_length=128)


class ResendIn(Schema):
    challenge_id: str = Field(max_length=64)


def _tokens(pair: token_services.TokenPair) -> dict:
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "expires_in": pair.expires_in,
        "token_type": "Bearer",
    }


@router.post(
    "/register",
    response={201: ChallengeOut},
    auth=None,
    openapi_extra=errors(409, 429),
    summary="Start registration",
)
def register(request: HttpRequest, payload: RegisterIn) -> Status:
    # Password-policy problems are worded when checked, so check them in the caller's language.
    with translation.override(api_language(request)):
        challenge = _registration_start(request, payload)
    return Status(201, challenge_out(challenge))


def _registration_start(request: HttpRequest, payload: RegisterIn) -> OtpChallenge:
    return registration_services.registration_start(
        id_number=payload.id_number,
        date_of_birth=payload.date_of_birth,
        calendar=payload.calendar,
        username=payload.username,
        password=payload.password,
        mobile=payload.mobile,
        email=payload.email or "",
        language=api_language(request),
    )


@router.post(
    "/register/verify",
    response={201: MeOut},
    auth=None,
    openapi_extra=errors(404, 409),
    summary="Finish registration",
)
def register_verify(request: HttpRequest, payload: ChallengeVerifyIn) -> Status:
    user = registration_services.registration_complete(
        challenge_id=payload.challenge_id, code=payload.code
    )
    return Status(201, me_out(user))


@router.post(
    "/login",
    response=ChallengeOut,
    auth=None,
    openapi_extra=errors(401, 423, 429),
    summary="Password step of sign-in",
)
def login(request: HttpRequest, payload: LoginIn) -> dict:
    challenge = login_services.login_start(
        identifier=payload.username, password=payload.password, ip=request.META.get("REMOTE_ADDR")
    )
    return challenge_out(challenge)


@router.post(
    "/login/verify",
    response=TokensOut,
    auth=None,
    openapi_extra=errors(404, 423),
    summary="Code step of sign-in",
)
def login_verify(request: HttpRequest, payload: ChallengeVerifyIn) -> dict:
    user = login_services.login_complete(challenge_id=payload.challenge_id, code=payload.code)
    return _tokens(token_services.tokens_issue(user=user))


@router.post(
    "/otp/resend",
    response=ChallengeOut,
    auth=None,
    openapi_extra=errors(404, 429),
    summary="Send the code again",
)
def otp_resend(request: HttpRequest, payload: ResendIn) -> dict:
    challenge = otp_services.otp_resend(
        challenge_id=payload.challenge_id, purpose=None, language=api_language(request)
    )
    return challenge_out(challenge)


class DeliveryOut(Schema):
    delivery_status: str = Field(
        description="queued, sent, or failed (the SMS gateway did not take the code after its "
        "retries: offer POST /auth/otp/resend); unknown for a password reset, whose answers do "
        "not tell whether the ID has an account, and for a challenge that is no longer pending."
    )


@router.get(
    "/otp/{challenge_id}/delivery",
    response=DeliveryOut,
    auth=None,
    summary="Whether the code's SMS went out",
)
def otp_delivery(request: HttpRequest, challenge_id: str) -> dict:
    return {"delivery_status": otp_delivery_status(challenge_id=challenge_id)}


@router.post(
    "/refresh",
    response=TokensOut,
    auth=None,
    openapi_extra=errors(401),
    summary="Rotate the refresh token",
)
def refresh(request: HttpRequest, payload: RefreshIn) -> dict:
    return _tokens(token_services.tokens_refresh(refresh_token=payload.refresh_token))


@router.post(
    "/logout",
    response=ResultOut,
    auth=None,
    openapi_extra=errors(401),
    summary="Revoke a refresh token",
)
def logout(request: HttpRequest, payload: RefreshIn) -> dict:
    token_services.tokens_revoke(refresh_token=payload.refresh_token)
    return {"result": "signed_out"}


@router.post(
    "/logout-everywhere", response=ResultOut, auth=person_token, summary="End every session"
)
def logout_everywhere(request: HttpRequest) -> dict:
    login_services.logout_everywhere(user=caller(request))
    return {"result": "signed_out_everywhere"}


@router.post(
    "/password-reset",
    response=ChallengeOut,
    auth=None,
    openapi_extra=errors(429),
    summary="Start password reset",
)
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> dict:
    challenge = reset_services.password_reset_start(
        id_number=payload.id_number,
        date_of_birth=payload.date_of_birth,
        calendar=payload.calendar,
        language=api_language(request),
    )
    return challenge_out(challenge)


@router.post(
    "/password-reset/verify",
    response=ResultOut,
    auth=None,
    openapi_extra=errors(404),
    summary="Set the new password",
)
def password_reset_verify(request: HttpRequest, payload: PasswordResetVerifyIn) -> dict:
    with translation.override(api_language(request)):
        reset_services.password_reset_complete(
            challenge_id=payload.challenge_id, code=payload.code, new_password=payload.new_password
        )
    return {"result": "password_changed"}
