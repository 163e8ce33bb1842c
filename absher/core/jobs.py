"""Handing work to Celery when, and only if, the current transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any) -> None:
    """Queues `task(*args)` after the commit. A broker that is down is logged, never raised into
    the request: the row the task works on is an outbox that a periodic sweep hands out again."""

    def enqueue() -> None:
        task.delay(*args)

    # Django names the callable in its log line when the broker refuses it.
    enqueue.__qualname__ = f"enqueue[{getattr(task, 'name', task)}]"
    transaction.on_commit(enqueue, robust=True)
