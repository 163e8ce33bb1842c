"""A person's inbox (الرسائل), every SMS the platform sends, and the development outbox."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from absher.core import clock
from absher.core.models import BaseModel
from absher.notifications.constants import LAST_ERROR_MAX_LENGTH, SmsStatus


class Message(BaseModel):
    """One message in a person's inbox, in both languages; shown in the reader's language."""

    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="messages",
    )
    kind = models.CharField(_("kind"), max_length=64)
    title_ar = models.CharField(_("title (Arabic)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_ar = models.TextField(_("text (Arabic)"))
    body_en = models.TextField(_("text (English)"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The platform clock rather than auto_now_add's wall clock: the time people see moves with
    # the clock that tests and demos move.
    created_at = models.DateTimeField(_("time"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "-created_at"], name="notif_inbox_newest")]

    def __str__(self) -> str:
        return f"message {self.pk} ({self.kind})"

    @property
    def title(self) -> str:
        return self.title_en if translation.get_language() == "en" else self.title_ar

    @property
    def body(self) -> str:
        return self.body_en if translation.get_language() == "en" else self.body_ar

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class SmsMessage(BaseModel):
    """One SMS and its delivery. A sensitive body (a one-time code) is replaced by a redacted text
    once delivery is over, so codes do not rest in the database."""

    to = models.CharField(_("to"), max_length=16)
    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sms_messages",
    )
    body = models.TextField(_("text"))
    is_sensitive = models.BooleanField(_("sensitive"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    gateway = models.CharField(_("SMS gateway"), max_length=32, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=128, blank=True)
    last_error = models.CharField(_("last error"), max_length=LAST_ERROR_MAX_LENGTH, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status=SmsStatus.QUEUED),
                name="notif_sms_queued",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SmsStatus.values), name="notif_sms_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"sms {self.pk} ({self.status})"


class OutboxSms(BaseModel):
    """What the development outbox gateway "delivered": the phone of every test number. Never
    used in production, so it keeps the text, codes included, for developers and tests."""

    to = models.CharField(_("to"), max_length=16)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("sent at"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("outbox SMS")
        verbose_name_plural = _("outbox SMS")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["to", "-created_at"], name="notif_outbox_by_number")]

    def __str__(self) -> str:
        return f"outbox sms {self.pk}"
