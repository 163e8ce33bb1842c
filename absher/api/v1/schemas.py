"""Shapes shared by several routers."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from absher.accounts.models import OtpChallenge
from absher.accounts.services.otp import otp_recipient_masked


class ChallengeOut(Schema):
    challenge_id: str = Field(description="Names the verification code sent by SMS.")
    expires_at: dt.datetime
    sent_to: str = Field(
        description="The mobile number the code went to, masked; empty for a password reset, "
        "whose answer does not tell whether the ID has an account."
    )


class ChallengeVerifyIn(Schema):
    challenge_id: str = Field(max_length=64, examples=["6f1c2b9e-4d3a-4f7b-9a51-0c8e2d7b1f44"])
    code: str = Field(max_length=12, examples=["482913"])


class ResultOut(Schema):
    result: str


def challenge_out(challenge: OtpChallenge) -> dict:
    return {
        "challenge_id": str(challenge.public_id),
        "expires_at": challenge.expires_at,
        "sent_to": otp_recipient_masked(challenge),
    }
