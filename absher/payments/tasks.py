"""Celery entry points: each takes ids, calls one service and is safe to run twice."""

from celery import Task, shared_task

from absher.payments import cards, services
from absher.payments.providers.base import GatewayUnavailable


@shared_task(
    name="payments.fulfil_bill",
    bind=True,
    max_retries=8,
    acks_late=True,
    reject_on_worker_lost=True,
)
def fulfil_bill(self: Task, fulfilment_id: int) -> str:
    outcome = services.fulfilment_process(fulfilment_id=fulfilment_id)
    if outcome == "retry" and not self.request.is_eager:
        raise self.retry(countdown=min(3600, 30 * 2**self.request.retries))
    return outcome


@shared_task(name="payments.redispatch_fulfilments")
def redispatch_fulfilments() -> int:
    return services.fulfilments_redispatch()


@shared_task(name="payments.expire_bills")
def expire_bills() -> int:
    return services.bills_expire_due()


@shared_task(
    name="payments.card_charge_refund",
    bind=True,
    max_retries=10,
    acks_late=True,
    reject_on_worker_lost=True,
)
def card_charge_refund(self: Task, checkout_id: int, charge_id: str) -> str:
    try:
        return cards.card_charge_refund(checkout_id=checkout_id, charge_id=charge_id)
    except GatewayUnavailable:
        if self.request.is_eager:
            return "retry_later"
        raise self.retry(countdown=min(3600, 60 * 2**self.request.retries)) from None


@shared_task(name="payments.redispatch_card_refunds")
def redispatch_card_refunds() -> int:
    return cards.card_refunds_redispatch()
