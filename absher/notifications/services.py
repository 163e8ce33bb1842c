"""Writing messages and sending SMS (الرسائل والرسائل النصية).

An SMS leaves the transaction that asked for it only after that transaction commits
(`transaction.on_commit`), as the id of a queued row handed to the `deliver_sms` task; the task
calls `sms_deliver`, which is safe to run any number of times for the same row."""

from __future__ import annotations

import datetime as dt
import enum
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from absher.core import clock, metrics
from absher.core.errors import Conflict, InvalidInput
from absher.core.faults import fault_point
from absher.core.jobs import enqueue_on_commit
from absher.identity.rules import mobile_masked, mobile_parse
from absher.notifications import tasks
from absher.notifications.constants import (
    LAST_ERROR_MAX_LENGTH,
    REDACTED_BODY,
    SMS_FINAL_STATUSES,
    SMS_TRANSITIONS,
    SmsLanguage,
    SmsStatus,
)
from absher.notifications.gateways.base import PermanentGatewayError, TransientGatewayError
from absher.notifications.gateways.registry import gateway_name, get_gateway
from absher.notifications.models import Message, SmsMessage
from absher.notifications.selectors import message_get_for_actor

if TYPE_CHECKING:
    from absher.identity.models import Person

logger = logging.getLogger(__name__)


class DeliveryOutcome(enum.StrEnum):
    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"
    SKIPPED = "skipped"


def sms_send(
    *, to: str, text: str, person: Person | None = None, is_sensitive: bool = False
) -> SmsMessage:
    """Queue an SMS to `to` (any Saudi mobile form; stored as E.164). Mark one-time codes
    `is_sensitive`: their text is redacted once delivery is over and never logged. Delivery starts
    after the surrounding transaction commits; the returned row is as queued."""
    number = mobile_parse(to)
    if not text:
        raise ValueError("an SMS needs a text")
    with transaction.atomic():
        sms = SmsMessage.objects.create(
            to=number,
            person=person,
            body=text,
            is_sensitive=is_sensitive,
            status=SmsStatus.QUEUED,
            gateway=gateway_name(),
        )
        # robust: a broker that is down must not undo the caller's committed work; the row stays
        # queued and visible.
        enqueue_on_commit(tasks.deliver_sms, sms.pk)
    logger.info(
        "sms.queued",
        extra={"sms_id": sms.pk, "to": mobile_masked(number), "is_sensitive": is_sensitive},
    )
    return sms


def sms_redispatch_stale(*, limit: int = 500) -> int:
    """Hands the delivery task again every SMS still queued and never tried a while after it was
    queued: its hand-off to the broker was lost (the process died between the commit and the
    enqueue, or the broker was down). Running it twice is harmless: `sms_deliver` locks the row
    and sends a queued SMS once, with the same idempotency key."""
    cutoff = clock.now() - dt.timedelta(seconds=int(settings.SMS_REDISPATCH_AFTER_SECONDS))
    stale = list(
        SmsMessage.objects.filter(status=SmsStatus.QUEUED, attempts=0, created_at__lte=cutoff)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for sms_id in stale:
        tasks.deliver_sms.delay(sms_id)
    if stale:
        logger.warning("sms.redispatched", extra={"count": len(stale)})
    return len(stale)


def sms_deliver(*, sms_id: int, is_final_attempt: bool) -> DeliveryOutcome:
    """One delivery attempt of a queued SMS, under a lock on its row: a row that is already sent
    or failed is left alone, so a task delivered twice sends once. The lock is held while the
    gateway answers (at most SMS_HTTP_TIMEOUT_SECONDS); it serialises attempts at one SMS only.
    A transient failure is recorded and asks for a retry unless this was the final attempt."""
    gateway = get_gateway()
    with transaction.atomic():
        sms = _sms_lock(sms_id=sms_id)
        if sms is None:
            logger.warning("sms.delivery_skipped", extra={"sms_id": sms_id, "reason": "missing"})
            return DeliveryOutcome.SKIPPED
        if sms.status in SMS_FINAL_STATUSES:
            logger.info(
                "sms.delivery_skipped", extra={"sms_id": sms_id, "reason": f"already {sms.status}"}
            )
            return DeliveryOutcome.SKIPPED
        sms.attempts += 1  # safe without F(): the row is locked until commit
        sms.gateway = gateway.name
        try:
            provider_message_id = gateway.send(
                to=sms.to,
                text=sms.body,
                is_sensitive=sms.is_sensitive,
                idempotency_key=sms_idempotency_key(sms.pk),
            )
        except TransientGatewayError as exc:
            if is_final_attempt:
                _sms_finish(sms, status=SmsStatus.FAILED, error=f"retries exhausted: {exc.reason}")
                return DeliveryOutcome.FAILED
            sms.last_error = exc.reason[:LAST_ERROR_MAX_LENGTH]
            sms.save(update_fields=["attempts", "gateway", "last_error", "updated_at"])
            _log_attempt(sms, outcome=DeliveryOutcome.RETRY, reason=exc.reason)
            return DeliveryOutcome.RETRY
        except PermanentGatewayError as exc:
            _sms_finish(sms, status=SmsStatus.FAILED, error=f"refused: {exc.reason}")
            return DeliveryOutcome.FAILED
        # The gateway has the message; a worker killed before this commit leaves the row queued,
        # and the next attempt sends it again with the same idempotency key.
        fault_point("sms.accepted_by_gateway")
        _sms_finish(sms, status=SmsStatus.SENT, provider_message_id=provider_message_id)
        return DeliveryOutcome.SENT


def sms_idempotency_key(sms_id: int) -> str:
    """One key per SMS row, the same on every attempt: a gateway that honours it delivers a
    message once however often a crashed or timed-out attempt is repeated."""
    return f"absher-sms-{sms_id}"


def _sms_lock(*, sms_id: int) -> SmsMessage | None:
    return SmsMessage.objects.select_for_update().filter(pk=sms_id).first()


def _sms_finish(
    sms: SmsMessage, *, status: SmsStatus, error: str = "", provider_message_id: str = ""
) -> None:
    """Move a locked row to a final status. Delivery is over either way, so a sensitive text has
    no more use and is redacted in the same write."""
    if status not in SMS_TRANSITIONS[sms.status]:
        raise Conflict(
            "sms_invalid_transition", _("This SMS cannot change to that status."), {"to": status}
        )
    now = clock.now()
    sms.status = status
    if status == SmsStatus.SENT:
        sms.sent_at = now
        sms.provider_message_id = provider_message_id[:128]
        sms.last_error = ""
    else:
        sms.failed_at = now
        sms.last_error = error[:LAST_ERROR_MAX_LENGTH]
    if sms.is_sensitive:
        sms.body = REDACTED_BODY
    sms.save(
        update_fields=[
            "status",
            "attempts",
            "gateway",
            "provider_message_id",
            "last_error",
            "sent_at",
            "failed_at",
            "body",
            "updated_at",
        ]
    )
    outcome = DeliveryOutcome.SENT if status == SmsStatus.SENT else DeliveryOutcome.FAILED
    (metrics.sms_sent if status == SmsStatus.SENT else metrics.sms_failed)(gateway=sms.gateway)
    _log_attempt(sms, outcome=outcome, reason=error)


def _log_attempt(sms: SmsMessage, *, outcome: DeliveryOutcome, reason: str) -> None:
    level = logging.INFO if outcome == DeliveryOutcome.SENT else logging.WARNING
    logger.log(
        level,
        f"sms.{outcome.value}",
        extra={
            "sms_id": sms.pk,
            "to": mobile_masked(sms.to),
            "attempt": sms.attempts,
            "gateway": sms.gateway,
            "reason": reason,
        },
    )


def notification_send(
    *,
    person: Person,
    kind: str,
    title_ar: str,
    title_en: str,
    body_ar: str,
    body_en: str,
    send_sms: bool = True,
    sms_language: str = SmsLanguage.ARABIC,
) -> Message:
    """Put a message in `person`'s inbox and, unless `send_sms` is false, text its body in
    `sms_language` to the person's registered mobile. A person without a usable mobile still gets
    the inbox message: the business step that notifies must not fail for want of an SMS."""
    if sms_language not in SmsLanguage.values:
        raise ValueError(f"unknown SMS language {sms_language!r}")
    with transaction.atomic():
        message = Message.objects.create(
            person=person,
            kind=kind,
            title_ar=title_ar,
            title_en=title_en,
            body_ar=body_ar,
            body_en=body_en,
        )
        if send_sms:
            text = body_ar if sms_language == SmsLanguage.ARABIC else body_en
            try:
                sms_send(to=person.mobile, text=text, person=person)
            except InvalidInput:
                logger.warning(
                    "notification.sms_skipped",
                    extra={"message_id": message.pk, "reason": "no valid mobile"},
                )
    return message


def message_mark_read(*, person: Person, message_id: int) -> Message:
    """Mark one of `person`'s own messages read; the first reading time is kept."""
    message = message_get_for_actor(person=person, message_id=message_id)
    if message.read_at is None:
        now = clock.now()
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(
            read_at=now, updated_at=now
        )
        message.refresh_from_db(fields=["read_at", "updated_at"])
    return message
