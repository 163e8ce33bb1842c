"""Jobs leave with the commit: a job published while a transaction is still open is reported
(config/celery.py), since the worker could run it before, or without, the rows it works on. And a
job runs under the request id of the request that queued it."""

from __future__ import annotations

import logging

import pytest
from celery import shared_task, signals
from django.db import connection, transaction

import config.celery


def _publish() -> None:
    signals.before_task_publish.send(sender="notifications.deliver_sms", body=(), headers={})


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "absher.jobs" and record.levelno == logging.WARNING
    ]


@pytest.mark.django_db(transaction=True)
def test_a_job_published_inside_a_transaction_is_reported(caplog):
    connection.ensure_connection()
    with caplog.at_level(logging.WARNING, logger="absher.jobs"), transaction.atomic():
        _publish()

    assert _warnings(caplog) == ["job published inside an open transaction; use enqueue_on_commit"]


@pytest.mark.django_db(transaction=True)
def test_a_job_published_after_the_commit_is_not(caplog):
    connection.ensure_connection()
    with caplog.at_level(logging.WARNING, logger="absher.jobs"):
        with transaction.atomic():
            transaction.on_commit(_publish)
        _publish()

    assert _warnings(caplog) == []


# --- the request id travels with the job ---------------------------------------------------------


def test_a_job_carries_the_id_of_the_request_that_queued_it():
    from absher.core import context

    headers: dict[str, str] = {}
    token = context.bind(context.RequestContext(request_id="req-0123456789abcdef"))
    try:
        signals.before_task_publish.send(sender="x", body=(), headers=headers)
    finally:
        context.reset(token)

    assert headers == {config.celery.REQUEST_ID_HEADER: "req-0123456789abcdef"}


@shared_task(name="tests.core.seen_request_id")
def _seen_request_id() -> str:
    from absher.core import context

    return context.current().request_id


def test_a_job_runs_under_the_id_of_the_request_that_queued_it():
    from absher.core import context

    ran = _seen_request_id.apply(headers={config.celery.REQUEST_ID_HEADER: "req-feedfacecafe"})

    # `.result`, not `.get()`: Celery refuses get() once any test has run a worker in-process.
    assert ran.successful()
    assert ran.result == "req-feedfacecafe"
    assert context.current().request_id == ""
