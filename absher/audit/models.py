"""The audit log: an append-only, hash-chained record of every state change and every staff
look-up of personal data. Rows are written only by `absher.audit.services`; nothing updates or
deletes them."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, NoReturn

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from absher.audit.constants import (
    ACTION_MAX_LENGTH,
    CHAIN_HEAD_ID,
    GENESIS_HASH,
    IDENTIFIER_MAX_LENGTH,
    ActorType,
)
from absher.audit.hashing import HASHED_FIELDS, entry_hash


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or remove an audit entry through the ORM. A programming
    error, never a refusal to show to a person."""


def _refuse(operation: str) -> NoReturn:
    raise AppendOnlyError(f"the audit log is append-only: {operation} is not allowed")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Reads as usual; every bulk write path is closed. Entries are added one at a time by
    `audit_record`, which is the only code that knows how to extend the chain."""

    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("update")

    def delete(self) -> NoReturn:
        _refuse("delete")

    def bulk_update(
        self, objs: Iterable[AuditEvent], fields: Any, batch_size: int | None = None
    ) -> NoReturn:
        _refuse("bulk_update")

    def bulk_create(
        self,
        objs: Iterable[AuditEvent],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> NoReturn:
        _refuse("bulk_create")


class AuditEvent(models.Model):
    """One entry of the chain. `hash` is the SHA-256 of the canonical JSON of every other column
    (see `absher.audit.hashing`), `prev_hash` the hash of the entry before it, so changing,
    removing or reordering any entry is visible to `audit_chain_verify`."""

    sequence = models.PositiveBigIntegerField(pgettext_lazy("audit", "sequence"), unique=True)
    occurred_at = models.DateTimeField(pgettext_lazy("audit", "time"))
    actor_type = models.CharField(
        pgettext_lazy("audit", "actor type"), max_length=16, choices=ActorType.choices
    )
    actor_id = models.CharField(
        pgettext_lazy("audit", "actor"), max_length=IDENTIFIER_MAX_LENGTH, blank=True
    )
    action = models.CharField(pgettext_lazy("audit", "action"), max_length=ACTION_MAX_LENGTH)
    subject_type = models.CharField(
        pgettext_lazy("audit", "subject type"), max_length=IDENTIFIER_MAX_LENGTH, blank=True
    )
    subject_id = models.CharField(
        pgettext_lazy("audit", "subject"), max_length=IDENTIFIER_MAX_LENGTH, blank=True
    )
    person = models.ForeignKey(
        "identity.Person",
        verbose_name=pgettext_lazy("audit", "person concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Text rather than an inet column: what is hashed must read back byte for byte.
    ip = models.CharField(pgettext_lazy("audit", "IP address"), max_length=45, blank=True)
    request_id = models.CharField(
        pgettext_lazy("audit", "request id"), max_length=IDENTIFIER_MAX_LENGTH, blank=True
    )
    is_access = models.BooleanField(
        pgettext_lazy("audit", "look-up of personal data"), default=False
    )
    data = models.JSONField(pgettext_lazy("audit", "details"), default=dict, blank=True)
    prev_hash = models.CharField(pgettext_lazy("audit", "previous hash"), max_length=64)
    hash = models.CharField(pgettext_lazy("audit", "hash"), max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["sequence"]
        indexes = [
            # "Who looked at my data" and a person's history, newest first.
            models.Index(fields=["person", "occurred_at"], name="audit_person_occurred"),
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sequence__gte=1), name="audit_sequence_positive"),
            models.CheckConstraint(
                condition=Q(actor_type__in=ActorType.values), name="audit_actor_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse("changing a saved entry")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("delete")

    def hashed_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in HASHED_FIELDS}

    def compute_hash(self) -> str:
        return entry_hash(self.hashed_fields())


class AuditChainHead(models.Model):
    """The newest entry of the chain, in exactly one row. Appending locks this row, which puts the
    chain's writers in a queue (see `absher.audit.services`), and the verifier compares it with the
    newest entry it finds, so losing entries from the end of the chain is detected too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=CHAIN_HEAD_ID)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")
        constraints = [
            models.CheckConstraint(condition=Q(id=CHAIN_HEAD_ID), name="audit_single_chain_head")
        ]

    def __str__(self) -> str:
        return f"head #{self.last_sequence}"
