"""The current sponsor's steps, in the source's order: Passports → Transfer services → a
verification code → the worker → the new sponsor's ID number and date of birth → the review of
both parties and the fee, with every condition checked → OK → a code → "transferred successfully;
the new sponsor must accept within 15 days". And the cancellation of a request before the new
sponsor accepts it.

Between steps the browser's session keeps only what the services handed back: the pending code
(`pending`), the transfer session's token, and what the review shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from absher.accounts.constants import OtpPurpose
from absher.core.errors import ApplicationError
from absher.identity.models import Person
from absher.portal.access import PersonRequest, person_required
from absher.portal.forms import CODE_FIELDS, IDENTITY_FIELDS, CodeForm, add_refusal, posted
from absher.portal.pending import CodeStep, pending_clear, pending_load, pending_save
from absher.portal.views.codes import code_page, code_resend
from absher.portal.views.transfers.common import (
    CURRENT,
    ENDS_THE_FLOW,
    back_to_service,
    date_from,
    own_transfer,
    own_transfer_as,
    party,
    refusal_failures,
    transfer_service_get,
    transfer_view,
    worker_party,
)
from absher.portal.views.transfers.forms import NewSponsorForm, WorkerChoiceForm
from absher.transfers import selectors, services

# The transfer session (the source's step 5): its token and until when it serves.
SESSION_KEY = "portal_transfer_session"
# The request just made, for its one "transferred successfully" page.
SENT_KEY = "portal_transfer_sent"

START = CodeStep(
    flow="transfer_start",
    purpose=OtpPurpose.TRANSFER_START,
    title=_("Transfer services: enter the verification code"),
    submit_label=_("Continue"),
    restart_url="portal:transfers",
    restart_label=_("Back to the transfer of worker services"),
)
CONFIRM = CodeStep(
    flow="transfer_confirm",
    purpose=OtpPurpose.TRANSFER_CONFIRM,
    title=_("Confirm the transfer: enter the verification code"),
    submit_label=_("Confirm the transfer"),
    restart_url="portal:transfers",
    restart_label=_("Back to the transfer of worker services"),
)

START_FIRST = _("Your transfer session has ended. Start again and enter the new verification code.")
CHOOSE_WORKER_FIRST = _("Choose the worker whose services you want to transfer.")
NOT_YOUR_WORKER = _("This worker is not one of the workers you sponsor. Choose one from your list.")
CANCELLED = _("The transfer request was cancelled. The new sponsor and the worker were told.")


def _transfer_session(request: PersonRequest) -> dict[str, str] | None:
    saved = request.session.get(SESSION_KEY)
    return saved if isinstance(saved, dict) and saved.get("token") else None


def _session_ended(request: PersonRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.error(request, str(START_FIRST))
    return redirect("portal:transfers")


def _code_context() -> dict[str, Any]:
    return {"service": transfer_service_get()}


@person_required
@require_POST
def start(request: PersonRequest) -> HttpResponse:
    """Transfer services: a code is sent to the account's mobile."""
    try:
        challenge = services.transfer_session_start(user=request.account)
    except ApplicationError as error:
        return back_to_service(request, error)
    request.session.pop(SESSION_KEY, None)
    pending_clear(request.session, CONFIRM)
    pending_save(request.session, START, challenge)
    return redirect("portal:transfer_start_verify")


@person_required
@require_http_methods(["GET", "POST"])
def start_verify(request: PersonRequest) -> HttpResponse:
    pending = pending_load(request.session, START)
    if pending is None:
        return redirect("portal:transfers")
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            session = services.transfer_session_verify(
                user=request.account,
                challenge_id=pending.challenge_id,
                code=form.cleaned_data["code"],
            )
        except ApplicationError as error:
            if error.code in ENDS_THE_FLOW:
                pending_clear(request.session, START)
                return back_to_service(request, error)
            add_refusal(form, error, CODE_FIELDS)
        else:
            pending_clear(request.session, START)
            request.session[SESSION_KEY] = {
                "token": str(session.token),
                "expires_at": session.expires_at.isoformat(),
            }
            return redirect("portal:transfer_worker")
    return code_page(
        request,
        START,
        pending,
        form,
        resend_url=reverse("portal:transfer_start_resend"),
        context=_code_context(),
    )


@person_required
@require_POST
def start_resend(request: PersonRequest) -> HttpResponse:
    return code_resend(request, START, verify_url=reverse("portal:transfer_start_verify"))


def _session_until(live: dict[str, str]) -> dt.datetime:
    return dt.datetime.fromisoformat(live["expires_at"])


@person_required
@require_GET
def choose_worker(request: PersonRequest) -> HttpResponse:
    """The sponsor's own workers, from the registry; choosing one leads to the new sponsor's
    details. The choice travels in the address: nothing is changed yet."""
    live = _transfer_session(request)
    if live is None:
        return _session_ended(request)
    workers = list(selectors.workers_of_sponsor(sponsor=request.person))
    form = WorkerChoiceForm(request.GET if "chosen" in request.GET else None, workers=workers)
    if form.is_bound and form.is_valid():
        address = reverse("portal:transfer_new_sponsor")
        return redirect(f"{address}?worker={form.cleaned_data['worker']}")
    return render(
        request,
        "portal/transfers/worker.html",
        {
            "form": form,
            "workers": [{"pk": worker.pk, **worker_party(worker)} for worker in workers],
            "chosen": form["worker"].value() if form.is_bound else None,
            "session_until": _session_until(live),
        },
    )


def _chosen_worker(request: PersonRequest) -> Person | None:
    try:
        worker_id = int(request.GET.get("worker", ""))
    except ValueError:
        return None
    return selectors.workers_of_sponsor(sponsor=request.person).filter(pk=worker_id).first()


@person_required
@require_http_methods(["GET", "POST"])
def new_sponsor(request: PersonRequest) -> HttpResponse:
    """The new sponsor's ID number and date of birth. The service then checks every condition
    before it sends the code that confirms the transfer: a refusal lists each failed one."""
    live = _transfer_session(request)
    if live is None:
        return _session_ended(request)
    worker = _chosen_worker(request)
    if worker is None:
        chosen = "worker" in request.GET
        messages.error(request, str(NOT_YOUR_WORKER if chosen else CHOOSE_WORKER_FIRST))
        return redirect("portal:transfer_worker")
    form = NewSponsorForm(posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reviewed = services.transfer_preview(
                user=request.account,
                transfer_session=live["token"],
                worker_id=worker.pk,
                new_sponsor_id_number=data["id_number"],
                new_sponsor_date_of_birth=data["date_of_birth"],
                calendar=data["calendar"],
            )
        except ApplicationError as error:
            if error.code == "transfer_session_expired":
                return _session_ended(request)
            if error.code in ENDS_THE_FLOW:
                return back_to_service(request, error)
            if error.code == "worker_not_found":
                messages.error(request, str(error.message))
                return redirect("portal:transfer_worker")
            if error.code == "transfer_conditions_failed":
                return _refused_review(
                    request, worker_party(worker), data["id_number"], error, worker_id=worker.pk
                )
            add_refusal(form, error, IDENTITY_FIELDS)
            status = error.http_status if error.code == "too_many_attempts" else status
        else:
            pending_save(
                request.session,
                CONFIRM,
                reviewed.challenge,
                worker_id=reviewed.worker.pk,
                worker=_stored(worker_party(reviewed.worker)),
                new_sponsor=party(reviewed.new_sponsor, shown=True),
                fee_halalas=reviewed.fee_halalas,
            )
            return redirect("portal:transfer_review")
    return render(
        request,
        "portal/transfers/new_sponsor.html",
        {"form": form, "worker": worker_party(worker), "session_until": _session_until(live)},
        status=status,
    )


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """The values as the session keeps them (JSON): dates as ISO strings."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _refused_review(
    request: PersonRequest,
    worker: dict[str, Any],
    id_number: str,
    error: ApplicationError,
    *,
    worker_id: int,
) -> HttpResponse:
    """The review with every failed condition and what to do about each; nothing is made."""
    return render(
        request,
        "portal/transfers/review.html",
        {
            "refusal": error,
            "failures": refusal_failures(error),
            "worker": worker,
            "current_sponsor": party(request.person, shown=True),
            "new_sponsor": {"id_number": id_number.strip()},
            "change_url": f"{reverse('portal:transfer_new_sponsor')}?worker={worker_id}",
        },
    )


@person_required
@require_GET
def review(request: PersonRequest) -> HttpResponse:
    """Both parties and the fee, every condition met; OK leads to the code already sent."""
    pending = pending_load(request.session, CONFIRM)
    if pending is None:
        return redirect("portal:transfers")
    worker = {**pending.extra["worker"]}
    worker["iqama_expiry"] = date_from(worker.get("iqama_expiry"))
    return render(
        request,
        "portal/transfers/review.html",
        {
            "pending": pending,
            "worker": worker,
            "current_sponsor": party(request.person, shown=True),
            "new_sponsor": pending.extra["new_sponsor"],
            "fee_halalas": pending.extra["fee_halalas"],
            "change_url": (
                f"{reverse('portal:transfer_new_sponsor')}?worker={pending.extra['worker_id']}"
            ),
        },
    )


@person_required
@require_http_methods(["GET", "POST"])
def confirm(request: PersonRequest) -> HttpResponse:
    pending = pending_load(request.session, CONFIRM)
    if pending is None:
        return redirect("portal:transfers")
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.transfer_create(
                user=request.account,
                challenge_id=pending.challenge_id,
                code=form.cleaned_data["code"],
            )
        except ApplicationError as error:
            if error.code == "transfer_session_expired":
                pending_clear(request.session, CONFIRM)
                return _session_ended(request)
            if error.code in ENDS_THE_FLOW:
                pending_clear(request.session, CONFIRM)
                return back_to_service(request, error)
            if error.code == "transfer_conditions_failed":
                # A condition broke between the review and the code: nothing was made.
                pending_clear(request.session, CONFIRM)
                worker = {**pending.extra["worker"]}
                worker["iqama_expiry"] = date_from(worker.get("iqama_expiry"))
                return _refused_review(
                    request,
                    worker,
                    pending.extra["new_sponsor"]["id_number"],
                    error,
                    worker_id=pending.extra["worker_id"],
                )
            add_refusal(form, error, CODE_FIELDS)
        else:
            pending_clear(request.session, CONFIRM)
            request.session.pop(SESSION_KEY, None)
            request.session[SENT_KEY] = transfer.pk
            return redirect("portal:transfer_sent", transfer_id=transfer.pk)
    return code_page(
        request,
        CONFIRM,
        pending,
        form,
        resend_url=reverse("portal:transfer_confirm_resend"),
        context=_code_context(),
    )


@person_required
@require_POST
def confirm_resend(request: PersonRequest) -> HttpResponse:
    return code_resend(request, CONFIRM, verify_url=reverse("portal:transfer_confirm"))


@person_required
@require_GET
def sent(request: PersonRequest, transfer_id: int) -> HttpResponse:
    """Once, right after the code: the services were transferred; the new sponsor must accept
    within the window."""
    transfer = own_transfer(request, transfer_id)
    if request.session.get(SENT_KEY) != transfer.pk:
        return redirect("portal:transfer", transfer_id=transfer.pk)
    request.session.pop(SENT_KEY)
    return render(
        request,
        "portal/transfers/sent.html",
        {
            **transfer_view(transfer, viewer=request.person),
            "days": settings.TRANSFER_ACCEPTANCE_DAYS,
        },
    )


@person_required
@require_http_methods(["GET", "POST"])
def cancel(request: PersonRequest, transfer_id: int) -> HttpResponse:
    """The current sponsor withdraws the request, after a confirmation, before it is accepted."""
    transfer = own_transfer_as(request, transfer_id, CURRENT)
    seen = transfer_view(transfer, viewer=request.person)
    if request.method == "POST":
        try:
            services.transfer_cancel(user=request.account, transfer_id=transfer.pk)
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, str(CANCELLED))
        return redirect("portal:transfer", transfer_id=transfer.pk)
    if not seen["can_cancel"]:
        return redirect("portal:transfer", transfer_id=transfer.pk)
    return render(request, "portal/transfers/cancel.html", seen)
