"""Celery entry points: each calls one service and is safe to run twice at once."""

from celery import shared_task

from absher.transfers import services


@shared_task(name="transfers.expire_due")
def expire_due() -> int:
    return services.transfers_expire_due()


@shared_task(name="transfers.send_reminders")
def send_reminders() -> int:
    return services.transfer_reminders_send()
