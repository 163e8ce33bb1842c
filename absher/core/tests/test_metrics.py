"""GET /metrics (Prometheus): requests by route and status with latencies, job outcomes, codes
issued / verified / failed and SMS sent / failed, behind a bearer token; several processes add up
through prodlike's multiprocess directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from celery import shared_task
from prometheus_client import REGISTRY

from absher.accounts.tests.support import last_code, other_code, register_body
from absher.core import metrics
from absher.notifications.gateways import registry
from absher.notifications.gateways.base import PermanentGatewayError, SmsGateway
from absher.notifications.services import sms_send

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "metrics-token-for-tests-0123456789"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def scrape_token(settings: Any) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


# --- HTTP -----------------------------------------------------------------------------------------


def test_a_request_is_counted_under_its_route_and_status_and_timed(client):
    labels = {"route": "healthz", "method": "GET"}
    before = sample("absher_http_requests_total", status="200", **labels)
    timed_before = sample("absher_http_request_duration_seconds_count", **labels)

    assert client.get("/healthz").status_code == 200

    assert sample("absher_http_requests_total", status="200", **labels) == before + 1
    assert sample("absher_http_request_duration_seconds_count", **labels) == timed_before + 1


def test_an_api_route_is_labelled_by_its_pattern_not_its_path(client):
    route = "api/v1/transfers/<transfer_id>"
    before = sample("absher_http_requests_total", route=route, method="GET", status="401")

    assert client.get("/api/v1/transfers/12345").status_code == 401
    assert client.get("/api/v1/transfers/67890").status_code == 401

    assert sample("absher_http_requests_total", route=route, method="GET", status="401") == (
        before + 2
    )


def test_an_unknown_address_is_counted_as_unmatched(client):
    labels = {"route": metrics.UNMATCHED_ROUTE, "method": "GET", "status": "404"}
    before = sample("absher_http_requests_total", **labels)

    assert client.get("/api/v1/no-such-thing-here").status_code == 404

    assert sample("absher_http_requests_total", **labels) == before + 1


def test_an_unusual_method_is_counted_as_other(client):
    before = sample("absher_http_requests_total", route="healthz", method="other", status="405")

    assert client.generic("BREW", "/healthz").status_code == 405

    assert sample("absher_http_requests_total", route="healthz", method="other", status="405") == (
        before + 1
    )


# --- the endpoint ---------------------------------------------------------------------------------


def test_metrics_answer_the_bearer_of_the_token(client, scrape_token):
    client.get("/healthz")

    response = client.get("/metrics", headers={"Authorization": f"Bearer {scrape_token}"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "no-cache" in response["Cache-Control"]
    text = response.content.decode()
    assert 'absher_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert "absher_http_request_duration_seconds_bucket" in text


@pytest.mark.parametrize("authorization", ["", "Bearer wrong-token", f"Basic {TOKEN}", TOKEN])
def test_metrics_refuse_anyone_else(client, scrape_token, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    response = client.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"absher_" not in response.content


def test_without_a_token_configured_there_is_no_metrics_endpoint(client, settings):
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", headers={"Authorization": "Bearer "})

    assert response.status_code == 404
    assert b"absher_" not in response.content


# --- verification codes and SMS -------------------------------------------------------------------


def test_codes_issued_verified_and_failed_are_counted(api, person):
    purpose = "register"
    before = {
        outcome: sample("absher_otp_total", purpose=purpose, outcome=outcome)
        for outcome in ("issued", "verified", "failed")
    }
    sent_before = sample("absher_sms_total", gateway="outbox", outcome="sent")

    started = api.post("/api/v1/auth/register", register_body(person))
    assert started.status_code == 201, started.json()
    challenge_id = started.json()["challenge_id"]
    code = last_code("+966" + register_body(person)["mobile"].lstrip("0"))
    wrong = api.post(
        "/api/v1/auth/register/verify", {"challenge_id": challenge_id, "code": other_code(code)}
    )
    right = api.post("/api/v1/auth/register/verify", {"challenge_id": challenge_id, "code": code})

    assert (wrong.status_code, right.status_code) == (422, 201)
    assert sample("absher_otp_total", purpose=purpose, outcome="issued") == before["issued"] + 1
    assert sample("absher_otp_total", purpose=purpose, outcome="failed") == before["failed"] + 1
    assert sample("absher_otp_total", purpose=purpose, outcome="verified") == before["verified"] + 1
    assert sample("absher_sms_total", gateway="outbox", outcome="sent") == sent_before + 1


class RefusingGateway(SmsGateway):
    name = "refusing"

    def send(
        self, *, to: str, text: str, is_sensitive: bool = False, idempotency_key: str = ""
    ) -> str:
        raise PermanentGatewayError("http 400")


@pytest.mark.django_db
def test_an_sms_given_up_on_is_counted_as_failed(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(registry.GATEWAYS, RefusingGateway.name, RefusingGateway)
    settings.SMS_GATEWAY = RefusingGateway.name
    before = sample("absher_sms_total", gateway="refusing", outcome="failed")
    sent_before = sample("absher_sms_total", gateway="refusing", outcome="sent")

    with django_capture_on_commit_callbacks(execute=True):
        sms_send(to="0551234567", text="Absher test")

    assert sample("absher_sms_total", gateway="refusing", outcome="failed") == before + 1
    assert sample("absher_sms_total", gateway="refusing", outcome="sent") == sent_before


# --- background jobs ------------------------------------------------------------------------------


@shared_task(name="tests.core.metrics_ok")
def _succeeding() -> str:
    return "done"


@shared_task(name="tests.core.metrics_boom")
def _failing() -> None:
    raise RuntimeError("boom")


def test_job_outcomes_are_counted_by_task():
    ok_before = sample(
        "absher_celery_tasks_total", task="tests.core.metrics_ok", outcome="succeeded"
    )
    boom_before = sample(
        "absher_celery_tasks_total", task="tests.core.metrics_boom", outcome="failed"
    )

    _succeeding.delay()
    # As a worker runs it: the failure is recorded, not raised into the caller.
    assert _failing.apply(throw=False).failed()

    assert sample(
        "absher_celery_tasks_total", task="tests.core.metrics_ok", outcome="succeeded"
    ) == (ok_before + 1)
    assert sample(
        "absher_celery_tasks_total", task="tests.core.metrics_boom", outcome="failed"
    ) == (boom_before + 1)


# --- several processes ----------------------------------------------------------------------------


def _python(code: str, directory: Path) -> str:
    environment = {**os.environ, metrics.MULTIPROCESS_DIR_VARIABLE: str(directory)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_in_multiprocess_mode_a_scrape_adds_up_every_process(tmp_path):
    count = "from absher.core import metrics; metrics.otp_issued(purpose='login')"
    _python(count, tmp_path)
    _python(count, tmp_path)

    scraped = _python(
        "import sys; from absher.core import metrics; sys.stdout.write(metrics.render().decode())",
        tmp_path,
    )

    assert 'absher_otp_total{outcome="issued",purpose="login"} 2.0' in scraped
