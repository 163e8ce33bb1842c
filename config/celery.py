"""The Celery application: `celery -A config worker` and exactly one `celery -A config beat`.

Reliability settings (acks late, reject on worker lost, prefetch 1, visibility timeout) are in
`config/settings/base.py` under CELERY_*. Jobs leave a request only after its transaction commits
(`absher.core.jobs.enqueue_on_commit`); a publish from inside an open transaction is logged here as
a warning, since the job could run before (or without) the rows it works on.

A job carries the id of the request that queued it (message header `absher_request_id`), and its
log lines and audit entries carry that id too: one id follows a click from nginx to the worker."""

import logging
import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

logger = logging.getLogger("absher.jobs")

REQUEST_ID_HEADER = "absher_request_id"

app = Celery("absher")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.before_task_publish.connect(weak=False, dispatch_uid="absher-publish-outside-transactions")
def _warn_publish_in_transaction(sender: Any = None, **kwargs: Any) -> None:
    from django.db import connections

    open_transactions = [
        alias
        for alias in connections
        if connections[alias].connection is not None and connections[alias].in_atomic_block
    ]
    if open_transactions:
        logger.warning(
            "job published inside an open transaction; use enqueue_on_commit",
            extra={"task": str(sender), "databases": open_transactions},
        )


@signals.before_task_publish.connect(weak=False, dispatch_uid="absher-carry-request-id")
def _carry_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    from absher.core import context

    request_id = context.current().request_id
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


def request_id_of(task_request: Any) -> str:
    """The queuing request's id: a header arrives as an attribute in a worker, and inside
    `headers` when the job runs in-process."""
    found = getattr(task_request, REQUEST_ID_HEADER, None)
    if not found:
        found = (getattr(task_request, "headers", None) or {}).get(REQUEST_ID_HEADER)
    return str(found or "")


_bound: dict[str, Any] = {}


@signals.task_prerun.connect(weak=False, dispatch_uid="absher-bind-request-id")
def _bind_request_id(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    from absher.core import context

    request_id = request_id_of(getattr(task, "request", None))
    if request_id:
        _bound[task_id] = context.bind(context.RequestContext(request_id=request_id))


@signals.task_postrun.connect(weak=False, dispatch_uid="absher-unbind-request-id")
def _unbind_request_id(task_id: str = "", **kwargs: Any) -> None:
    from absher.core import context

    token = _bound.pop(task_id, None)
    if token is not None:
        context.reset(token)


@signals.worker_init.connect(weak=False, dispatch_uid="absher-worker-metrics")
def _worker_metrics(**kwargs: Any) -> None:
    from django.conf import settings

    from absher.core import metrics

    if settings.CELERY_METRICS_PORT:
        metrics.worker_exporter_start(settings.CELERY_METRICS_PORT)


def _count_task_outcomes() -> None:
    from absher.core import metrics

    metrics.celery_signals_connect()


_count_task_outcomes()
