"""Statuses, transitions and fixed values of the transfer of worker services (نقل خدمات عامل).
Windows and fees are settings (`TRANSFER_*` in config/settings/base.py); these helpers read them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TransferStatus(models.TextChoices):
    PENDING_ACCEPTANCE = (
        "pending_acceptance",
        pgettext_lazy("transfer status", "Waiting for the new sponsor's acceptance"),
    )
    AWAITING_PAYMENT = (
        "awaiting_payment",
        pgettext_lazy("transfer status", "Accepted, waiting for the fee payment"),
    )
    COMPLETED = "completed", pgettext_lazy("transfer status", "Completed")
    REJECTED = "rejected", pgettext_lazy("transfer status", "Rejected")
    CANCELLED = "cancelled", pgettext_lazy("transfer status", "Cancelled")
    EXPIRED = "expired", pgettext_lazy("transfer status", "Expired")
    FAILED_CONDITIONS = (
        "failed_conditions",
        pgettext_lazy("transfer status", "Stopped: a condition is no longer met"),
    )


S = TransferStatus
TRANSFER_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_ACCEPTANCE: frozenset({S.AWAITING_PAYMENT, S.REJECTED, S.CANCELLED, S.EXPIRED}),
    S.AWAITING_PAYMENT: frozenset({S.COMPLETED, S.EXPIRED, S.FAILED_CONDITIONS}),
    S.COMPLETED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
    S.FAILED_CONDITIONS: frozenset(),
}
TRANSFER_FINAL_STATUSES = frozenset(s for s, nexts in TRANSFER_TRANSITIONS.items() if not nexts)
# A worker has at most one request in these statuses (a partial unique constraint).
TRANSFER_OPEN_STATUSES = frozenset({S.PENDING_ACCEPTANCE, S.AWAITING_PAYMENT})
# A request starts in one of these: the current sponsor's waits for the new sponsor; one approved
# by an officer without the sponsor's consent (filed by the new sponsor) waits for the fee.
TRANSFER_INITIAL_STATUSES = frozenset({S.PENDING_ACCEPTANCE, S.AWAITING_PAYMENT})


class TransferStep(models.TextChoices):
    """What a line of the timeline records: a status change or another step of the request."""

    CREATED = "created", pgettext_lazy("transfer step", "Request made by the current sponsor")
    APPROVED_WITHOUT_CONSENT = (
        "approved_without_consent",
        pgettext_lazy("transfer step", "Approved by an officer without the sponsor's consent"),
    )
    WORKER_CONSENTED = "worker_consented", pgettext_lazy("transfer step", "The worker consented")
    WORKER_DECLINED = "worker_declined", pgettext_lazy("transfer step", "The worker declined")
    ACCEPTED = "accepted", pgettext_lazy("transfer step", "Accepted by the new sponsor")
    REJECTED = "rejected", pgettext_lazy("transfer step", "Rejected by the new sponsor")
    CANCELLED = "cancelled", pgettext_lazy("transfer step", "Cancelled by the current sponsor")
    EXPIRED = "expired", pgettext_lazy("transfer step", "Expired")
    REMINDER_SENT = (
        "reminder_sent",
        pgettext_lazy("transfer step", "Reminder sent to the new sponsor"),
    )
    COMPLETED = "completed", pgettext_lazy("transfer step", "Fee paid and services transferred")
    FAILED_CONDITIONS = (
        "failed_conditions",
        pgettext_lazy("transfer step", "Stopped after payment: a condition is no longer met"),
    )


class PartyRole(models.TextChoices):
    """Who did a step, as every party's timeline shows it."""

    CURRENT_SPONSOR = "current_sponsor", _("Current sponsor")
    NEW_SPONSOR = "new_sponsor", _("New sponsor")
    WORKER = "worker", _("Worker")
    OFFICER = "officer", _("Officer")
    SYSTEM = "system", _("System")


class Direction(models.TextChoices):
    OUTGOING = "outgoing", _("Requests I made")
    INCOMING = "incoming", _("Requests made to me")
    WORKER = "worker", _("Requests about me as a worker")


# Why a request ended without completing (close_reason).
CLOSE_ACCEPTANCE_WINDOW = "acceptance_window_passed"
CLOSE_BILL_LAPSED = "bill_expired_unpaid"
CLOSE_WORKER_DECLINED = "worker_declined"

BILL_PURPOSE = "worker_services_transfer"
WITHOUT_CONSENT_SERVICE_CODE = "transfer_without_consent"
REMINDER_HOURS = (48, 24)
NOTE_MAX_LENGTH = 500


def acceptance_window() -> dt.timedelta:
    return dt.timedelta(days=settings.TRANSFER_ACCEPTANCE_DAYS)


def session_lifetime() -> dt.timedelta:
    return dt.timedelta(seconds=settings.TRANSFER_SESSION_SECONDS)


def bill_lifetime() -> dt.timedelta:
    return dt.timedelta(days=settings.TRANSFER_BILL_LIFETIME_DAYS)


def fee_for(*, transfer_count: int) -> int:
    """The fee in halalas by how many times the worker was transferred before: the schedule's
    first amount for the first transfer, the next for the second, the last for every later one."""
    schedule = list(settings.TRANSFER_FEES_HALALAS)
    return int(schedule[min(max(transfer_count, 0), len(schedule) - 1)])
