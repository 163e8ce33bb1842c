"""Reading messages and the development outbox."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from absher.core.errors import NotFound
from absher.notifications.constants import OUTBOX_LIST_LIMIT
from absher.notifications.models import Message, OutboxSms, SmsMessage

if TYPE_CHECKING:
    from absher.identity.models import Person


def messages_for(*, person: Person) -> QuerySet[Message]:
    """`person`'s inbox, newest first."""
    return Message.objects.filter(person=person).order_by("-created_at", "-id")


def messages_unread_count(*, person: Person) -> int:
    return Message.objects.filter(person=person, read_at__isnull=True).count()


def message_get_for_actor(*, person: Person, message_id: int) -> Message:
    """The one way an interface fetches a message for a person. Another person's message and a
    missing one get the same answer, so message ids cannot be probed."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        raise NotFound("message_not_found", _("This message does not exist."))
    if message.person_id != person.pk:
        raise NotFound("message_not_found", _("This message does not exist."))
    return message


def outbox_for(*, to: str) -> QuerySet[OutboxSms]:
    """What the outbox gateway delivered to `to` (E.164), newest first."""
    return OutboxSms.objects.filter(to=to).order_by("-created_at", "-id")[:OUTBOX_LIST_LIMIT]


def sms_latest_status(*, to: str, since: dt.datetime, is_sensitive: bool) -> str:
    """The delivery status (queued, sent, failed) of the newest SMS to `to` queued at or after
    `since`; empty when there is none."""
    status = (
        SmsMessage.objects.filter(to=to, is_sensitive=is_sensitive, created_at__gte=since)
        .order_by("-created_at", "-id")
        .values_list("status", flat=True)
        .first()
    )
    return status or ""
