"""Prometheus metrics (`GET /metrics`): HTTP requests by route and status with a latency histogram,
background job outcomes, verification codes issued / verified / failed, SMS sent / failed.

Services count through the functions below (`otp_issued`, `sms_sent`, ...); nothing else in the
platform imports prometheus_client. Labels are bounded: a route is the URL pattern that matched
(`api/v1/transfers/<transfer_id>`), never the path, and anything unmatched is `unmatched`.

Several processes (gunicorn or Celery workers) share their counts through files when
PROMETHEUS_MULTIPROC_DIR is set before the process starts (prometheus_client's multiprocess mode):
`/metrics` then adds up every process that wrote to that directory. Without it each process
reports its own counts (development, tests).

`/metrics` is protected by a bearer token (METRICS_TOKEN); with no token configured it does not
exist (404)."""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "unmatched"
# The text format every Prometheus version reads (generate_latest writes it).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "absher_http_requests",
    "HTTP requests answered, by URL pattern, method and status code.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "absher_http_request_duration_seconds",
    "Time from the first middleware to the response, by URL pattern and method.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
TASKS = Counter(
    "absher_celery_tasks",
    "Background job runs by task name and outcome (succeeded, failed, retried, rejected, revoked).",
    ["task", "outcome"],
)
OTP = Counter(
    "absher_otp",
    "Verification codes by purpose and outcome (issued, verified, failed).",
    ["purpose", "outcome"],
)
SMS = Counter(
    "absher_sms",
    "SMS delivery outcomes by gateway (sent, failed).",
    ["gateway", "outcome"],
)


# --- what services call ---------------------------------------------------------------------------


def otp_issued(*, purpose: str) -> None:
    """A verification code was sent (a new challenge or a re-send)."""
    OTP.labels(purpose=purpose, outcome="issued").inc()


def otp_verified(*, purpose: str) -> None:
    """A code was entered correctly."""
    OTP.labels(purpose=purpose, outcome="verified").inc()


def otp_failed(*, purpose: str) -> None:
    """A wrong code was entered (including the try that burns the challenge)."""
    OTP.labels(purpose=purpose, outcome="failed").inc()


def sms_sent(*, gateway: str) -> None:
    """The gateway accepted an SMS."""
    SMS.labels(gateway=gateway, outcome="sent").inc()


def sms_failed(*, gateway: str) -> None:
    """An SMS was given up on (refused, or out of retries)."""
    SMS.labels(gateway=gateway, outcome="failed").inc()


def task_finished(*, task: str, outcome: str) -> None:
    TASKS.labels(task=task, outcome=outcome).inc()


# --- HTTP -----------------------------------------------------------------------------------------


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", "") if match is not None else ""
    return route or UNMATCHED_ROUTE


class MetricsMiddleware:
    """Counts and times every request; the outermost middleware, so the time includes the rest."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        method = request.method if request.method in KNOWN_METHODS else "other"
        route = route_of(request)
        HTTP_REQUESTS.labels(route=route, method=method, status=str(response.status_code)).inc()
        HTTP_LATENCY.labels(route=route, method=method).observe(elapsed)
        return response


def registry() -> CollectorRegistry:
    """What a scrape reports: every process's files in multiprocess mode, else this process."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return REGISTRY


def render() -> bytes:
    return generate_latest(registry())


def _authorised(request: HttpRequest, token: str) -> bool:
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus text format, for a scraper sending `Authorization: Bearer METRICS_TOKEN`."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    if not _authorised(request, token):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(render(), content_type=CONTENT_TYPE)


def process_exited(pid: int) -> None:
    """A worker process is gone: its live gauges stop counting (gunicorn's child_exit hook)."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        multiprocess.mark_process_dead(pid)


# --- Celery ---------------------------------------------------------------------------------------


def _task_name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or sender or "unknown")


def celery_signals_connect() -> None:
    """Counts every task run by outcome, in whichever process runs it (a worker child, or the
    caller when jobs run in-process)."""
    from celery import signals

    def succeeded(sender: Any = None, **kwargs: Any) -> None:
        task_finished(task=_task_name(sender), outcome="succeeded")

    def failed(sender: Any = None, **kwargs: Any) -> None:
        task_finished(task=_task_name(sender), outcome="failed")

    def retried(sender: Any = None, **kwargs: Any) -> None:
        task_finished(task=_task_name(sender), outcome="retried")

    def rejected(sender: Any = None, message: Any = None, **kwargs: Any) -> None:
        headers = getattr(message, "headers", None) or {}
        task_finished(task=str(headers.get("task", "unknown")), outcome="rejected")

    def revoked(sender: Any = None, request: Any = None, **kwargs: Any) -> None:
        task_finished(task=_task_name(sender or getattr(request, "task", None)), outcome="revoked")

    signals.task_success.connect(succeeded, weak=False, dispatch_uid="absher-metrics-success")
    signals.task_failure.connect(failed, weak=False, dispatch_uid="absher-metrics-failure")
    signals.task_retry.connect(retried, weak=False, dispatch_uid="absher-metrics-retry")
    signals.task_rejected.connect(rejected, weak=False, dispatch_uid="absher-metrics-rejected")
    signals.task_revoked.connect(revoked, weak=False, dispatch_uid="absher-metrics-revoked")


def worker_exporter_start(port: int, address: str = "0.0.0.0") -> None:  # noqa: S104  # nosec B104  # the scraper reaches the worker over the network; opened only when CELERY_METRICS_PORT is set
    """Serves this machine's worker counts on `port` (a Celery worker has no web server of its
    own); started once, in the worker's main process, when CELERY_METRICS_PORT is set."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=address, registry=registry())
