"""The OpenAPI document lists every refusal an operation answers, with the one error body.

A client generated from the document (and the API fuzzing run in tests/fuzz) must find there every
status code it can receive: the API layer's own refusals on every operation they apply to, and what
each operation's service refuses on that operation."""

from __future__ import annotations

import pytest
from django.test import Client

from absher.accounts.services.tokens import tokens_issue
from absher.transfers.tests.helpers import citizen, user_of

DOCUMENT_URL = "/api/v1/openapi.json"
ERROR_REF = "#/components/schemas/Error"


@pytest.fixture
def document(db) -> dict:
    return Client().get(DOCUMENT_URL).json()


def _operations(document: dict):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def _error_statuses(operation: dict) -> set[int]:
    statuses = set()
    for status, response in operation["responses"].items():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("$ref") == ERROR_REF:
            statuses.add(int(status))
    return statuses


def test_the_error_body_is_a_component_of_the_document(document):
    error = document["components"]["schemas"]["Error"]

    assert set(error["required"]) == {"code", "message", "details"}
    assert error["properties"]["details"]["type"] == "object"


def test_every_operation_documents_the_refusals_of_the_api_layer(document):
    for label, operation in _operations(document):
        expected = {503}
        schemes = {name for requirement in operation.get("security", []) for name in requirement}
        if schemes:
            expected.add(401)
        if "ActivatedPersonToken" in schemes:
            expected.add(403)
        if operation.get("parameters") or operation.get("requestBody"):
            expected.add(422)
        if operation.get("requestBody"):
            expected.add(400)

        assert expected <= _error_statuses(operation), label


@pytest.mark.parametrize(
    ("label", "statuses"),
    [
        ("POST /api/v1/auth/login", {401, 423, 429}),
        ("POST /api/v1/auth/login/verify", {404}),
        ("POST /api/v1/auth/refresh", {401}),
        ("POST /api/v1/auth/logout", {401}),
        ("POST /api/v1/auth/otp/resend", {404, 429}),
        ("POST /api/v1/activation/code", {404, 409}),
        ("GET /api/v1/bills/{sadad_number}", {404}),
        ("GET /api/v1/bills/{sadad_number}/receipt", {404, 409}),
        ("GET /api/v1/cases/{case_id}/documents/{document_id}", {404}),
        ("POST /api/v1/requests", {404, 409}),
        ("POST /api/v1/services/{code}/activate", {404, 409, 429}),
        ("GET /api/v1/transfers/{transfer_id}", {404}),
        ("POST /api/v1/transfers/preview", {404, 409, 410}),
        ("POST /api/v1/transfers/verify-start", {429}),
        ("DELETE /api/v1/integrations/authorities/suspensions/{reference}", {404, 409}),
    ],
)
def test_operations_document_what_their_service_refuses(document, label, statuses):
    operation = dict(_operations(document))[label]

    assert statuses <= _error_statuses(operation)


def test_a_documented_refusal_answers_the_documented_body(document):
    token = tokens_issue(user=user_of(citizen())).access_token

    response = Client().get(
        "/api/v1/transfers/999999", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 404
    assert 404 in _error_statuses(
        dict(_operations(document))["GET /api/v1/transfers/{transfer_id}"]
    )
    assert set(response.json()) == set(document["components"]["schemas"]["Error"]["required"])
