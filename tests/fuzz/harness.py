"""What the API fuzzer needs to get past authentication, and the check that an authenticated
caller never reaches another person's data.

Bearer operations get a fresh access token of the fuzzing person for every generated case (an
operation such as "sign out everywhere" ends every earlier token). Signed integration operations get
`X-Signature: SIGNATURE_PLACEHOLDER`; `SigningApp`, between the fuzzer and Django, replaces it by
the real HMAC of the exact bytes sent (the partner of the operation's kind, the platform's clock, a
fresh nonce). A request whose credentials the fuzzer removed or replaced (the `ignored_auth` check
sends both) reaches Django as it was generated, unsigned or wrongly signed."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.db import close_old_connections
from schemathesis.core.failures import Failure

from absher.accounts.models import Partner, User
from absher.accounts.services.partners import signature_compute
from absher.accounts.services.tokens import tokens_issue
from absher.core import clock

SIGNATURE_PLACEHOLDER = "sign-with-partner-secret"
BANK = "fuzz-bank"
AUTHORITY = "fuzz-authority"


def partner_for(path: str) -> str:
    """The partner that calls this integration path (the card gateway is the configured one)."""
    if path.startswith("/api/v1/integrations/authorities/"):
        return AUTHORITY
    if path.startswith("/api/v1/integrations/card-gateway/"):
        return settings.CARD_GATEWAY_PARTNER
    return BANK


class SigningApp:
    """A WSGI middleware that signs, as the partner would, requests that ask for it, and
    finishes every request as a WSGI server would."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.nonces = itertools.count(1)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        if environ.get("HTTP_X_SIGNATURE") == SIGNATURE_PLACEHOLDER:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            # The path as Django will read it; on a copy, since a request rewrites PATH_INFO.
            path = WSGIRequest(dict(environ)).get_full_path()
            code = partner_for(environ.get("PATH_INFO", ""))
            try:
                secret = Partner.objects.get(code=code).secret
            finally:
                close_old_connections()
            timestamp = str(int(clock.now().timestamp()))
            nonce = f"fuzz-nonce-{next(self.nonces):012d}"
            environ["HTTP_X_PARTNER"] = code
            environ["HTTP_X_TIMESTAMP"] = timestamp
            environ["HTTP_X_NONCE"] = nonce
            environ["HTTP_X_SIGNATURE"] = signature_compute(
                secret=secret,
                timestamp=timestamp,
                nonce=nonce,
                method=environ.get("REQUEST_METHOD", ""),
                path=path,
                body=body,
            )
        # Read and close the response as a WSGI server does: closing it ends the request
        # (request_finished), which closes the request's database connection.
        response = self.app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()


@dataclass
class Identity:
    """The fuzzing person, and what belongs to someone else and must never reach them."""

    username: str = ""
    foreign_markers: list[str] = field(default_factory=list)


IDENTITY = Identity()


def _is_signed(operation: Any) -> bool:
    return operation.path.startswith("/api/v1/integrations/")


@schemathesis.auth(refresh_interval=None)
class FuzzingCredentials:
    """A real access token for person operations; the signing placeholder for partner ones."""

    def get(self, case: Any, context: Any) -> str:
        if _is_signed(context.operation):
            return SIGNATURE_PLACEHOLDER
        try:
            user = User.objects.get(username=IDENTITY.username)
            return tokens_issue(user=user).access_token
        finally:
            # Minted outside any request, so no request_finished closes this connection; left
            # open in the fuzzer's thread, it would keep the test database from being dropped.
            close_old_connections()

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = case.headers or {}
        if _is_signed(context.operation):
            case.headers["X-Signature"] = data
        else:
            case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.check
def no_foreign_data(ctx: Any, response: Any, case: Any) -> bool | None:
    """An authenticated person's responses never carry another person's identifiers."""
    text = response.text or ""
    for marker in IDENTITY.foreign_markers:
        if marker and marker in text:
            raise Failure(
                operation=case.operation.label,
                title="Another person's data in the response",
                message=f"The response contains `{marker}`, which belongs to someone else",
            )
    return None


# Socket-level options that the in-process WSGI transport cannot take; schemathesis drops them
# for requests it sends within a session but passes them on with the probes of `ignored_auth`
# (a request without credentials, then one with invalid credentials), which werkzeug refuses.
_SOCKET_OPTIONS = ("max_redirects", "verify", "cert", "proxies")


def wsgi_send_without_socket_options(original: Callable[..., Any]) -> Callable[..., Any]:
    def send(self: Any, case: Any, *, session: Any = None, **kwargs: Any) -> Any:
        if session is None:
            for name in _SOCKET_OPTIONS:
                kwargs.pop(name, None)
        return original(self, case, session=session, **kwargs)

    return send
