"""Error responses in the OpenAPI document.

Every refusal the API answers is documented on the operation that answers it, with the one error
body (`{code, message, details}`). The refusals that come from the API layer itself are added to
every operation they apply to: a missing or invalid bearer token or partner signature (401), an
account whose e-services are not activated (403), parameters or a body that do not validate (422),
a body that is not JSON (400) and a backing service that does not answer (503). What an
operation's own service may refuse (an unknown object, a conflict, a throttle) is declared on the
operation with `openapi_extra=errors(...)`."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Schema
from ninja.openapi.schema import OpenAPISchema

ERROR_SCHEMA = "Error"

_DESCRIPTIONS = {
    400: "The request body is not valid JSON.",
    401: "Credentials are missing or not valid: a bearer token, or a partner's signature.",
    403: "The caller may not do this (for a person: e-services are not activated).",
    404: "Nothing of the caller's has this identifier, or the code or challenge is unknown.",
    409: "The object is not in a state that allows this.",
    410: "The request or code has expired.",
    422: "Some fields are missing or malformed, or a rule refuses the values.",
    423: "The account is locked for a while after too many failed attempts.",
    429: "Too many requests or codes; try again later.",
    503: "A service the operation needs is unavailable for a moment; try again later.",
}
_BY_SECURITY = {
    "PersonToken": (401,),
    "ActivatedPersonToken": (401, 403),
    "PartnerSignature": (401,),
    "RecordedPartnerSignature": (401,),
}


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any]


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS[status],
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}
        },
    }


def error_responses(*statuses: int) -> dict[int, Any]:
    return {status: _error_response(status) for status in statuses}


def errors(*statuses: int) -> dict[str, Any]:
    """`openapi_extra` of an operation whose service may refuse with these statuses."""
    return {"responses": error_responses(*statuses)}


def _layer_errors(operation: dict[str, Any]) -> set[int]:
    # A database or counter store that does not answer is a 503 on any operation (core.unavailable).
    statuses: set[int] = {503}
    for requirement in operation.get("security", []):
        for name in requirement:
            statuses.update(_BY_SECURITY[name])
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(422)
    if operation.get("requestBody"):
        statuses.add(400)
    return statuses


class DocumentedErrorsNinjaAPI(NinjaAPI):
    """A NinjaAPI whose document lists the API layer's own refusals on every operation."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components[ERROR_SCHEMA] = ErrorOut.model_json_schema()
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation["responses"]
                for status in sorted(_layer_errors(operation)):
                    responses.setdefault(status, _error_response(status))
        return schema
