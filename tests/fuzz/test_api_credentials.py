"""Every operation the OpenAPI document marks as needing credentials refuses a call without them.

The fuzzing run (test_api_fuzz) probes this only where a call with credentials succeeded; here every
secured operation is called directly: without credentials, with a token or signature that is not
valid, with a registered but not activated account where e-services must be activated, and signed
by a partner of another kind. The refusal is always the documented error body, before the
operation reads its input."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from absher.accounts.constants import AccountStatus, PartnerKind
from absher.accounts.services.tokens import tokens_issue
from absher.accounts.tests.support import make_partner, signed_headers
from absher.api.v1 import api
from absher.suspensions.tests.helpers import account
from absher.transfers.tests.helpers import citizen

pytestmark = pytest.mark.django_db

DOCUMENT = api.get_openapi_schema(path_prefix="/api/v1/")


def _secured() -> list[tuple[str, str, str]]:
    found = []
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            for requirement in operation.get("security", []):
                for scheme in requirement:
                    found.append((method.upper(), path, scheme))
    return sorted(found)


SECURED = _secured()
BEARER = [item for item in SECURED if item[2] in ("PersonToken", "ActivatedPersonToken")]
SIGNED = [item for item in SECURED if item[2] not in ("PersonToken", "ActivatedPersonToken")]
ACTIVATED_ONLY = [item for item in SECURED if item[2] == "ActivatedPersonToken"]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _call(method: str, path: str, headers: dict[str, str] | None = None, raw: bytes = b"{}"):
    return Client().generic(
        method,
        _url(path),
        raw,
        content_type="application/json",
        headers={"Accept-Language": "en", **(headers or {})},
    )


def _assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert set(response.json()) == {"code", "message", "details"}


# Operations anyone may call: signing up and in, and the public catalogue.
PUBLIC = {
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/register/verify"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/login/verify"),
    ("POST", "/api/v1/auth/otp/resend"),
    ("GET", "/api/v1/auth/otp/{challenge_id}/delivery"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/verify"),
    ("GET", "/api/v1/departments"),
}


def test_every_operation_but_the_public_ones_needs_credentials():
    every = {
        (method.upper(), path)
        for path, operations in DOCUMENT["paths"].items()
        for method in operations
    }
    assert every - {(method, path) for method, path, _ in SECURED} == PUBLIC
    assert all(path.startswith("/api/v1/integrations/") for _, path, _ in SIGNED)
    assert not any(path.startswith("/api/v1/integrations/") for _, path, _ in BEARER)


@pytest.mark.parametrize(("method", "path", "scheme"), SECURED)
def test_without_credentials_the_answer_is_401(method, path, scheme):
    code = "bad_signature" if "Partner" in scheme else "not_authenticated"
    _assert_refused(_call(method, path), 401, code)
    assert 401 in DOCUMENT["paths"][path][method.lower()]["responses"]


@pytest.mark.parametrize(("method", "path", "scheme"), BEARER)
def test_a_token_that_is_not_valid_is_refused(method, path, scheme):
    response = _call(method, path, {"Authorization": "Bearer not-a-real-token"})
    _assert_refused(response, 401, "not_authenticated")


@pytest.mark.parametrize(("method", "path", "scheme"), ACTIVATED_ONLY)
def test_a_registered_account_without_e_services_is_refused(method, path, scheme):
    user = account(citizen(), username="registered.only", status=AccountStatus.REGISTERED)
    token = tokens_issue(user=user).access_token
    response = _call(method, path, {"Authorization": f"Bearer {token}"})
    _assert_refused(response, 403, "account_not_activated")
    assert 403 in DOCUMENT["paths"][path][method.lower()]["responses"]


@pytest.mark.parametrize(("method", "path", "scheme"), SIGNED)
def test_a_signature_with_another_secret_is_refused(method, path, scheme):
    kind = PartnerKind.AUTHORITY if "/authorities/" in path else PartnerKind.BANK
    if "/card-gateway/" in path:
        kind = PartnerKind.CARD_GATEWAY
    partner = make_partner("signing-partner", kind=kind)
    raw = json.dumps({}).encode()
    headers = signed_headers(
        partner=partner.code, secret="not-the-secret", path=_url(path), raw=raw, method=method
    )
    _assert_refused(_call(method, path, headers, raw), 401, "bad_signature")


@pytest.mark.parametrize(("method", "path", "scheme"), SIGNED)
def test_a_partner_of_another_kind_is_refused(method, path, scheme):
    kind = PartnerKind.BANK if "/authorities/" in path else PartnerKind.AUTHORITY
    partner = make_partner("other-kind", kind=kind)
    raw = json.dumps({}).encode()
    headers = signed_headers(
        partner=partner.code, secret=partner.secret, path=_url(path), raw=raw, method=method
    )
    _assert_refused(_call(method, path, headers, raw), 401, "bad_signature")
