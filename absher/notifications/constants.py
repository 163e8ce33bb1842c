"""Statuses and fixed values of messages (الرسائل) and SMS."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SmsStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("SMS status", "Queued")
    SENT = "sent", pgettext_lazy("SMS status", "Sent")
    FAILED = "failed", pgettext_lazy("SMS status", "Failed")


# Allowed status changes; anything else is a bug.
SMS_TRANSITIONS: dict[str, frozenset[str]] = {
    SmsStatus.QUEUED: frozenset({SmsStatus.SENT, SmsStatus.FAILED}),
    SmsStatus.SENT: frozenset(),
    SmsStatus.FAILED: frozenset(),
}
SMS_FINAL_STATUSES = frozenset(
    status for status, successors in SMS_TRANSITIONS.items() if not successors
)


class SmsLanguage(models.TextChoices):
    ARABIC = "ar", _("Arabic")
    ENGLISH = "en", _("English")


# What a sensitive SMS body (one-time codes) becomes once delivery is over; stored, never shown.
REDACTED_BODY = "[redacted]"
LAST_ERROR_MAX_LENGTH = 200
# The development outbox lists at most this many messages per number.
OUTBOX_LIST_LIMIT = 100
