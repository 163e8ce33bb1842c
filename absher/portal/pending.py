"""A code on its way: between the step that sends a verification code and the page where it is
typed, the session keeps the challenge's id, where the code went (masked) and until when it is
valid — never the code. One pending code per flow (registration, sign-in, …) and browser."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.utils.functional import Promise

from absher.accounts.models import OtpChallenge
from absher.identity.rules import mobile_masked

_PREFIX = "portal_pending_"


@dataclass(frozen=True)
class PendingCode:
    challenge_id: str
    masked_mobile: str
    expires_at: dt.datetime
    extra: dict[str, Any]


@dataclass(frozen=True)
class CodeStep:
    """One "enter the code" page: the session slot of its flow, its words and its addresses."""

    flow: str
    purpose: str
    title: str | Promise
    submit_label: str | Promise
    restart_url: str
    restart_label: str | Promise


def pending_save(
    session: SessionBase, step: CodeStep, challenge: OtpChallenge, **extra: Any
) -> None:
    session[_PREFIX + step.flow] = {
        "challenge_id": str(challenge.public_id),
        "masked_mobile": mobile_masked(challenge.mobile),
        "expires_at": challenge.expires_at.isoformat(),
        "extra": extra,
    }


def pending_renewed(session: SessionBase, step: CodeStep, challenge: OtpChallenge) -> None:
    """After "send again": same challenge, new code, new expiry."""
    saved = session.get(_PREFIX + step.flow)
    if saved is not None:
        session[_PREFIX + step.flow] = {**saved, "expires_at": challenge.expires_at.isoformat()}


def pending_load(session: SessionBase, step: CodeStep) -> PendingCode | None:
    saved = session.get(_PREFIX + step.flow)
    if not isinstance(saved, dict):
        return None
    return PendingCode(
        challenge_id=str(saved["challenge_id"]),
        masked_mobile=str(saved["masked_mobile"]),
        expires_at=dt.datetime.fromisoformat(saved["expires_at"]),
        extra=dict(saved.get("extra", {})),
    )


def pending_clear(session: SessionBase, step: CodeStep) -> None:
    session.pop(_PREFIX + step.flow, None)
