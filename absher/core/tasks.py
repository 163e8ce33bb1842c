"""Celery entry points of the shared layer: each calls one service and is safe to run twice."""

from celery import shared_task

from absher.core.idempotency import idempotency_records_purge


@shared_task(name="core.purge_idempotency_records")
def purge_idempotency_records() -> int:
    return idempotency_records_purge()
