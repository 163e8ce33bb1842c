"""The answers to a request: the new sponsor accepts it with a verification code (the fee bill is
then issued to them) or rejects it after a confirmation; the worker consents or declines when the
worker-consent policy applies to the request."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from absher.accounts.constants import OtpPurpose
from absher.core.errors import ApplicationError
from absher.portal.access import PersonRequest, person_required
from absher.portal.forms import CODE_FIELDS, CodeForm, posted
from absher.portal.forms import add_refusal as add_form_refusal
from absher.portal.pending import CodeStep, pending_clear, pending_load, pending_save
from absher.portal.views.codes import code_page, code_resend
from absher.portal.views.transfers.common import (
    NEW,
    WORKER,
    own_transfer,
    own_transfer_as,
    transfer_view,
)
from absher.portal.views.transfers.forms import RejectForm
from absher.portal.views.transfers.pages import detail_page
from absher.transfers import services

ACCEPT = CodeStep(
    flow="transfer_accept",
    purpose=OtpPurpose.TRANSFER_ACCEPT,
    title=_("Accept the transfer: enter the verification code"),
    submit_label=_("Accept the transfer"),
    restart_url="portal:transfers_incoming",
    restart_label=_("Back to the requests made to me"),
)

ACCEPTED = _(
    "You accepted the transfer request. Pay the fee bill to complete the transfer: the worker's "
    "services move to you once it is paid."
)
REJECTED = _("You rejected the transfer request. The current sponsor and the worker were told.")
CONSENTED = _(
    "You consented to the transfer of your services. The new sponsor may now accept the request."
)
DECLINED = _("You declined the transfer of your services. The request has ended.")


@person_required
@require_http_methods(["GET", "POST"])
def accept(request: PersonRequest, transfer_id: int) -> HttpResponse:
    """Every condition is checked again before the code is sent; a refusal is shown on the
    request's page, with each failed condition."""
    transfer = own_transfer_as(request, transfer_id, NEW)
    if request.method == "GET":
        # Reached again by switching the language on a refusal: back to the request.
        return redirect("portal:transfer", transfer_id=transfer.pk)
    try:
        challenge = services.transfer_accept_start(user=request.account, transfer_id=transfer.pk)
    except ApplicationError as error:
        return detail_page(request, transfer, refusal=error)
    pending_save(request.session, ACCEPT, challenge, transfer_id=transfer.pk)
    return redirect("portal:transfer_accept_verify", transfer_id=transfer.pk)


@person_required
@require_http_methods(["GET", "POST"])
def accept_verify(request: PersonRequest, transfer_id: int) -> HttpResponse:
    transfer = own_transfer_as(request, transfer_id, NEW)
    pending = pending_load(request.session, ACCEPT)
    if pending is None or pending.extra.get("transfer_id") != transfer.pk:
        return redirect("portal:transfer", transfer_id=transfer.pk)
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_accept(
                user=request.account,
                transfer_id=transfer.pk,
                challenge_id=pending.challenge_id,
                code=form.cleaned_data["code"],
            )
        except ApplicationError as error:
            if error.code not in CODE_FIELDS:
                # The request changed, or a condition broke, while the code was on its way.
                pending_clear(request.session, ACCEPT)
                return detail_page(request, own_transfer(request, transfer.pk), refusal=error)
            add_form_refusal(form, error, CODE_FIELDS)
        else:
            pending_clear(request.session, ACCEPT)
            messages.success(request, str(ACCEPTED))
            return redirect("portal:transfer", transfer_id=transfer.pk)
    return code_page(
        request,
        ACCEPT,
        pending,
        form,
        resend_url=reverse("portal:transfer_accept_resend", kwargs={"transfer_id": transfer.pk}),
        context={"service": transfer.service},
    )


@person_required
@require_POST
def accept_resend(request: PersonRequest, transfer_id: int) -> HttpResponse:
    transfer = own_transfer_as(request, transfer_id, NEW)
    return code_resend(
        request,
        ACCEPT,
        verify_url=reverse("portal:transfer_accept_verify", kwargs={"transfer_id": transfer.pk}),
    )


@person_required
@require_http_methods(["GET", "POST"])
def reject(request: PersonRequest, transfer_id: int) -> HttpResponse:
    """The new sponsor confirms the rejection, with an optional reason every party sees."""
    transfer = own_transfer_as(request, transfer_id, NEW)
    seen = transfer_view(transfer, viewer=request.person)
    form = RejectForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_reject(
                user=request.account,
                transfer_id=transfer.pk,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            return detail_page(request, transfer, refusal=error)
        messages.success(request, str(REJECTED))
        return redirect("portal:transfer", transfer_id=transfer.pk)
    if request.method == "GET" and not seen["can_reject"]:
        return redirect("portal:transfer", transfer_id=transfer.pk)
    return render(request, "portal/transfers/reject.html", {**seen, "form": form})


@person_required
@require_http_methods(["GET", "POST"])
def worker_consent(request: PersonRequest, transfer_id: int) -> HttpResponse:
    """The worker's own answer, when the request needs it: consent, or decline (which ends it)."""
    transfer = own_transfer_as(request, transfer_id, WORKER)
    if request.method == "GET":
        return redirect("portal:transfer", transfer_id=transfer.pk)
    answer = request.POST.get("answer")
    if answer not in ("consent", "decline"):
        return redirect("portal:transfer", transfer_id=transfer.pk)
    consents = answer == "consent"
    try:
        services.transfer_worker_consent(
            user=request.account, transfer_id=transfer.pk, consent=consents
        )
    except ApplicationError as error:
        return detail_page(request, transfer, refusal=error)
    messages.success(request, str(CONSENTED if consents else DECLINED))
    return redirect("portal:transfer", transfer_id=transfer.pk)
