import json

import pytest
from django.test import Client
from ninja import NinjaAPI, Schema
from ninja.testing import TestClient

from absher.api.errors import install_error_handlers
from absher.core.errors import Conflict

pytestmark = pytest.mark.django_db


class _Body(Schema):
    name: str
    count: int


def _probe_api() -> NinjaAPI:
    """A throwaway API with the platform's error handlers, to exercise every error path."""
    api = NinjaAPI(urls_namespace="error-probe")
    install_error_handlers(api)

    @api.post("/echo")
    def echo(request, payload: _Body) -> dict:
        return {"name": payload.name}

    @api.post("/conflict")
    def conflict(request) -> dict:
        raise Conflict("thing_exists", "It exists", {"id": 7})

    @api.get("/boom")
    def boom(request) -> dict:
        raise RuntimeError("kaput")

    return api


def test_unknown_api_url_answers_the_error_body_in_arabic_by_default():
    response = Client().get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "not_found"
    assert body["details"] == {}
    assert body["message"] == "العنوان المطلوب غير موجود."


def test_unknown_api_url_answers_in_english_when_asked():
    response = Client().get("/api/v1/no-such-thing", headers={"Accept-Language": "en"})

    assert response.json() == {
        "code": "not_found",
        "message": "The requested address does not exist.",
        "details": {},
    }


def test_wrong_method_answers_the_error_body_and_keeps_allow():
    response = Client().delete("/api/v1/departments", headers={"Accept-Language": "en"})

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_bad_json_is_a_400_with_the_error_body():
    client = TestClient(_probe_api())

    response = client.post(
        "/echo",
        data=b"{not json",
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_request",
        "message": "The request could not be read. Send valid JSON.",
        "details": {},
    }


def test_missing_and_malformed_fields_are_a_422_naming_each_field():
    client = TestClient(_probe_api())

    response = client.post("/echo", json={"count": "many"}, headers={"Accept-Language": "en"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert sorted(field["field"] for field in body["details"]["fields"]) == ["count", "name"]


def test_application_error_keeps_its_code_status_and_details():
    client = TestClient(_probe_api())

    response = client.post("/conflict")

    assert response.status_code == 409
    assert response.json() == {"code": "thing_exists", "message": "It exists", "details": {"id": 7}}


def test_unexpected_exception_is_a_500_without_internals():
    client = TestClient(_probe_api())

    response = client.get("/boom", headers={"Accept-Language": "en"})

    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "kaput" not in json.dumps(response.json())


def test_openapi_document_is_served():
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["info"]["version"] == "1"
    assert "/api/v1/departments" in document["paths"]


def test_departments_list_the_catalogue():
    response = Client().get("/api/v1/departments")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [d["code"] for d in items] == [
        "passports",
        "civil_affairs",
        "traffic",
        "general_services",
    ]
    passports = items[0]
    transfer = next(s for s in passports["services"] if s["code"] == "worker_services_transfer")
    assert transfer["name_ar"] == "نقل خدمات عامل"
    assert transfer["requires_activation"] is True
    assert transfer["fee_depends_on_case"] is True


def test_request_id_is_echoed_or_generated():
    given = Client().get("/healthz", headers={"X-Request-ID": "abc12345-req"})
    generated = Client().get("/healthz")

    assert given["X-Request-ID"] == "abc12345-req"
    assert len(generated["X-Request-ID"]) == 32
