"""Celery entry points of the notifications app."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from absher.notifications import services

# The longest wait between two attempts, however many there were.
MAX_BACKOFF_SECONDS = 3600


def retry_countdown(retries: int) -> int:
    """Seconds before attempt `retries + 2`: SMS_RETRY_BACKOFF_SECONDS, doubled each time."""
    return min(int(settings.SMS_RETRY_BACKOFF_SECONDS) * 2**retries, MAX_BACKOFF_SECONDS)


@shared_task(bind=True, name="notifications.deliver_sms", max_retries=settings.SMS_MAX_RETRIES)
def deliver_sms(self: Any, sms_id: int) -> str:
    """Deliver one queued SMS. Idempotent (see `sms_deliver`); retries transient gateway errors
    with exponential backoff, then marks the SMS failed. The retry budget is read per run so that
    a changed SMS_MAX_RETRIES applies without re-registering the task."""
    max_retries = int(settings.SMS_MAX_RETRIES)
    retries = int(self.request.retries or 0)
    outcome = services.sms_deliver(sms_id=sms_id, is_final_attempt=retries >= max_retries)
    if outcome != services.DeliveryOutcome.RETRY:
        return outcome.value
    if self.request.is_eager:
        # In-process mode (the embedded default, tests): with task_eager_propagates Celery's
        # eager `retry` raises into the caller instead of running the task again, so the next
        # attempt runs here, at once, as an eager retry would.
        # disable_sync_subtasks: the result is already there (eager), nothing blocks on a worker.
        attempt = self.apply(args=(sms_id,), retries=retries + 1, throw=True)
        return str(attempt.get(disable_sync_subtasks=False))
    raise self.retry(countdown=retry_countdown(retries), max_retries=max_retries)


@shared_task(name="notifications.redispatch_sms")
def redispatch_sms() -> int:
    return services.sms_redispatch_stale()
