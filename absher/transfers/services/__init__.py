"""Transfer of worker services (نقل خدمات عامل, SPEC 8, 9): the writes. The current sponsor's
steps (`sponsor`), the worker's and the new sponsor's answers (`acceptance`), the transfer approved
without the sponsor's consent (`without_consent`), the move of the worker once the fee bill is paid
(`completion`), the periodic sweeps (`sweeps`), and the cases filed for a transfer without the
sponsor's consent, reviewed by officers (`cases`).

Every status change locks the request's row, follows TRANSFER_TRANSITIONS, and writes a timeline
row and an audit event in the same transaction (`common.transition`). Deadlines are read from the
clock by the services themselves, so a request past its window is refused as expired whether or
not the sweep has run. Interfaces import the functions from here."""

from absher.transfers.services.acceptance import (
    transfer_accept,
    transfer_accept_start,
    transfer_reject,
    transfer_worker_consent,
)
from absher.transfers.services.cases import (
    case_approve,
    case_documents_add,
    case_file,
    case_lock,
    case_reject,
    case_request_documents,
    case_review_start,
)
from absher.transfers.services.common import Gone, transfer_lock
from absher.transfers.services.completion import transfer_complete_paid
from absher.transfers.services.sponsor import (
    TransferPreview,
    transfer_cancel,
    transfer_create,
    transfer_preview,
    transfer_session_start,
    transfer_session_verify,
)
from absher.transfers.services.sweeps import transfer_reminders_send, transfers_expire_due
from absher.transfers.services.without_consent import transfer_create_approved_without_consent

__all__ = [
    "Gone",
    "TransferPreview",
    "case_approve",
    "case_documents_add",
    "case_file",
    "case_lock",
    "case_reject",
    "case_request_documents",
    "case_review_start",
    "transfer_accept",
    "transfer_accept_start",
    "transfer_cancel",
    "transfer_complete_paid",
    "transfer_create",
    "transfer_create_approved_without_consent",
    "transfer_lock",
    "transfer_preview",
    "transfer_reject",
    "transfer_reminders_send",
    "transfer_session_start",
    "transfer_session_verify",
    "transfer_worker_consent",
    "transfers_expire_due",
]
