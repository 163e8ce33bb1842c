"""One error family for the whole platform. Services raise these; interfaces map them: the API to
the SPEC error body (`code`, `message`, `details`), the portal to a form error or a message."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class ApplicationError(Exception):
    """A refusal the person or integrator can act on. `code` is stable snake_case; `message` is a
    lazy translation rendered in the caller's language; `extra` carries machine-readable details."""

    http_status = 400

    def __init__(
        self,
        code: str,
        message: str | Promise,
        extra: dict[str, Any] | None = None,
        *,
        http_status: int | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.extra = extra or {}
        if http_status is not None:
            self.http_status = http_status

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidInput(ApplicationError):
    http_status = 422


class NotFound(ApplicationError):
    http_status = 404


class Forbidden(ApplicationError):
    http_status = 403


class Conflict(ApplicationError):
    http_status = 409
