"""Who is calling the API: a person with a bearer access token, or a partner system with a signed
request. Each check is one class; operations pick the one they need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security.base import AuthBase

from absher.accounts.constants import AccountStatus
from absher.accounts.models import Partner, User
from absher.accounts.services.activation import account_not_activated
from absher.accounts.services.partners import (
    SignatureRefused,
    SignedRequest,
    partner_verify_request,
)
from absher.accounts.services.tokens import access_token_authenticate


class PersonToken(HttpBearer):
    """A person's access token; registered accounts may pass (profile, messages, activation)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = access_token_authenticate(token=token)
        if user is None or user.person_id is None:
            return None
        return user


class ActivatedPersonToken(PersonToken):
    """A person's access token whose account has e-services activated."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = super().authenticate(request, token)
        if user is not None and user.status != AccountStatus.ACTIVE:
            raise account_not_activated()
        return user


class PartnerSignature(AuthBase):
    """A signed integration request from a partner of one of `kinds`."""

    openapi_type = "apiKey"

    def __init__(self, *kinds: str) -> None:
        self.kinds = kinds
        self.openapi_name = "X-Signature"
        self.openapi_in = "header"
        super().__init__()

    def __call__(self, request: HttpRequest) -> Partner:
        signed = SignedRequest(
            partner=request.headers.get("X-Partner", ""),
            timestamp=request.headers.get("X-Timestamp", ""),
            nonce=request.headers.get("X-Nonce", ""),
            signature=request.headers.get("X-Signature", ""),
            method=request.method or "",
            path=request.get_full_path(),
            body=request.body,
        )
        return partner_verify_request(request=signed, kinds=self.kinds)


class RecordedPartnerSignature(PartnerSignature):
    """A partner signature whose refusals are also recorded by `on_refused` (the SADAD channel
    keeps every notification it received, signed or not, for reconciliation)."""

    def __init__(self, *kinds: str, on_refused: Callable[[str, bytes, str], None]) -> None:
        self.on_refused = on_refused
        super().__init__(*kinds)

    def __call__(self, request: HttpRequest) -> Partner:
        try:
            return super().__call__(request)
        except SignatureRefused as refusal:
            # A replay repeats a request already received and recorded: not recorded again.
            if refusal.code != "replayed_request":
                self.on_refused(request.headers.get("X-Partner", ""), request.body, refusal.code)
            raise


def caller(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


person_token = PersonToken()
activated_token = ActivatedPersonToken()
