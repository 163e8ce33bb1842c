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


# --- transfer without the sponsor's consent (نقل الكفالة بدون موافقة الكفيل, SPEC 9) --------------


class CaseStatus(models.TextChoices):
    """A case filed by the prospective new sponsor with the documents of the checklist."""

    SUBMITTED = "submitted", pgettext_lazy("case status", "Submitted, waiting for review")
    UNDER_REVIEW = "under_review", pgettext_lazy("case status", "Under review by an officer")
    MORE_DOCUMENTS_REQUESTED = (
        "more_documents_requested",
        pgettext_lazy("case status", "More documents requested"),
    )
    APPROVED = "approved", pgettext_lazy("case status", "Approved")
    REJECTED = "rejected", pgettext_lazy("case status", "Rejected")


C = CaseStatus
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    C.SUBMITTED: frozenset({C.UNDER_REVIEW}),
    C.UNDER_REVIEW: frozenset({C.APPROVED, C.REJECTED, C.MORE_DOCUMENTS_REQUESTED}),
    C.MORE_DOCUMENTS_REQUESTED: frozenset({C.SUBMITTED}),
    C.APPROVED: frozenset(),
    C.REJECTED: frozenset(),
}
CASE_FINAL_STATUSES = frozenset(s for s, nexts in CASE_TRANSITIONS.items() if not nexts)
# A filer has at most one open case per worker (a partial unique constraint).
CASE_OPEN_STATUSES = frozenset(s for s in CASE_TRANSITIONS if s not in CASE_FINAL_STATUSES)
# The officers' queue: cases waiting for an officer, not for the filer.
CASE_QUEUE_STATUSES = frozenset({C.SUBMITTED, C.UNDER_REVIEW})


class CaseStep(models.TextChoices):
    """What a line of a case's history records."""

    FILED = "filed", pgettext_lazy("case step", "Case filed with the documents")
    REVIEW_STARTED = "review_started", pgettext_lazy("case step", "Review started by an officer")
    DOCUMENTS_REQUESTED = (
        "documents_requested",
        pgettext_lazy("case step", "More documents requested by the officer"),
    )
    RESUBMITTED = (
        "resubmitted",
        pgettext_lazy("case step", "Documents added and case submitted again"),
    )
    APPROVAL_REFUSED = (
        "approval_refused",
        pgettext_lazy("case step", "Approval not possible: a condition is not met"),
    )
    APPROVED = "approved", pgettext_lazy("case step", "Approved: the transfer awaits the fee")
    REJECTED = "rejected", pgettext_lazy("case step", "Rejected by the officer")


class CaseRole(models.TextChoices):
    FILER = "filer", _("New sponsor (filer)")
    OFFICER = "officer", _("Officer")


class DocumentKind(models.TextChoices):
    """The checklist of the source (مستندات نقل الكفالة بدون موافقة الكفيل): each a required slot
    of a case; `additional` is what an officer asks for beyond it."""

    SPONSORSHIP_FORM = (
        "sponsorship_form",
        _("Sponsorship form bearing the sponsor's signature"),
    )
    TRANSFER_LETTER = "transfer_letter", _("New transfer letter")
    OLD_PASSPORTS = "old_passports", _("Copies of the resident's old passports")
    CHAMBER_OF_COMMERCE = (
        "chamber_of_commerce",
        _("Chamber of commerce document kept with the letter"),
    )
    SPONSOR_PLEDGE = (
        "sponsor_pledge",
        _("Signed pledge of the new sponsor towards the resident"),
    )
    COMMERCIAL_REGISTRATION = (
        "commercial_registration",
        _("Copy of the commercial registration or municipal licence"),
    )
    RESIDENT_PHOTO = (
        "resident_photo",
        _("Personal photo of the resident with the transfer pledge form"),
    )
    ADDITIONAL = "additional", _("Additional document asked for by the officer")


# The seven slots every case must fill, in the order of the source's checklist.
REQUIRED_DOCUMENTS: tuple[str, ...] = tuple(
    kind for kind in DocumentKind.values if kind != DocumentKind.ADDITIONAL
)
# How many additional documents a case may hold in all.
ADDITIONAL_DOCUMENTS_MAX = 10
CASE_NOTE_MAX_LENGTH = 1000
CASE_REFERENCE_PREFIX = "TWC"


class DocumentType(models.TextChoices):
    """What a document is, by its content: the content type it is stored and served with."""

    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"


DOCUMENT_EXTENSIONS = {DocumentType.PDF: "pdf", DocumentType.JPEG: "jpg", DocumentType.PNG: "png"}


def case_document_max_bytes() -> int:
    return int(settings.CASE_DOCUMENT_MAX_BYTES)
