import json

import pytest
from django.test import override_settings

from absher.core import health


def test_healthz_answers_ok_without_touching_dependencies(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_refuses_other_methods(client):
    response = client.post("/healthz")

    assert response.status_code == 405


@pytest.mark.django_db
def test_readyz_checks_database_cache_and_broker(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "in-process"},
    }


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_readyz_reaches_the_broker_when_jobs_run_on_workers(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert json.loads(response.content)["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_readyz_reports_a_failing_dependency_as_unavailable(client, monkeypatch):
    def cache_down() -> str:
        raise ConnectionError("cache down")

    monkeypatch.setattr(health, "_check_cache", cache_down)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "unavailable", "broker": "in-process"},
    }
