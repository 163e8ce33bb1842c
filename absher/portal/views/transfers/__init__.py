"""Transfer of worker services (نقل خدمات عامل, SPEC 8) in the portal: the service's page, lists and
one request with its timeline (`pages`), the current sponsor's steps and cancellation (`sponsor`),
and the answers of the new sponsor and the worker (`answers`). Every page calls the same transfer
services as the API; none decides a rule itself."""

from absher.portal.views.transfers.answers import (
    accept,
    accept_resend,
    accept_verify,
    reject,
    worker_consent,
)
from absher.portal.views.transfers.pages import about_me, detail, hub, incoming, outgoing
from absher.portal.views.transfers.sponsor import (
    cancel,
    choose_worker,
    confirm,
    confirm_resend,
    new_sponsor,
    review,
    sent,
    start,
    start_resend,
    start_verify,
)

__all__ = [
    "about_me",
    "accept",
    "accept_resend",
    "accept_verify",
    "cancel",
    "choose_worker",
    "confirm",
    "confirm_resend",
    "detail",
    "hub",
    "incoming",
    "new_sponsor",
    "outgoing",
    "reject",
    "review",
    "sent",
    "start",
    "start_resend",
    "start_verify",
    "worker_consent",
]
