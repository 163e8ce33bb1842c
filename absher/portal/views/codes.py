"""The "enter the verification code" page every flow shares, and its "send the code again"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from absher.accounts.selectors import otp_delivery_status
from absher.accounts.services.otp import otp_resend
from absher.core.errors import ApplicationError
from absher.portal.pending import CodeStep, PendingCode, pending_load, pending_renewed


def code_page(
    request: HttpRequest,
    step: CodeStep,
    pending: PendingCode,
    form: forms.Form,
    *,
    resend_url: str,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    return render(
        request,
        "portal/code.html",
        {
            "step": step,
            "pending": pending,
            "form": form,
            "resend_url": resend_url,
            "delivery_failed": otp_delivery_status(challenge_id=pending.challenge_id) == "failed",
            **(context or {}),
        },
    )


def code_resend(request: HttpRequest, step: CodeStep, *, verify_url: str) -> HttpResponse:
    """Sends a fresh code for the pending challenge (after the cool-down); back to the code page."""
    pending = pending_load(request.session, step)
    if pending is None:
        return redirect(step.restart_url)
    try:
        challenge = otp_resend(
            challenge_id=pending.challenge_id,
            purpose=step.purpose,
            language=translation.get_language() or "ar",
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        pending_renewed(request.session, step, challenge)
        messages.success(request, _("A new code was sent. The previous code no longer works."))
    return redirect(verify_url)
