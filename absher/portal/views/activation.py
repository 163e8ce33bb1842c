"""Activating e-services for the account (تفعيل الخدمات الإلكترونية). The page explains the four
ways of the source; two are done here: national ID + date of birth + a code sent to the mobile
registered in the registry (S2a), and a one-time activation code received by SMS (S2c). The bank
(S2b) and an Absher office (S2d) activate from their side."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from absher.accounts.constants import OtpPurpose
from absher.accounts.services.activation import (
    activation_code_redeem,
    activation_national_id_start,
    activation_national_id_verify,
)
from absher.core.errors import ApplicationError
from absher.portal.access import PersonRequest, person_required
from absher.portal.forms import (
    ACTIVATION_CODE_FIELDS,
    CODE_FIELDS,
    IDENTITY_FIELDS,
    ActivationCodeForm,
    CodeForm,
    NationalIdActivationForm,
    add_refusal,
    posted,
)
from absher.portal.pending import CodeStep, pending_clear, pending_load, pending_save
from absher.portal.views.codes import code_page, code_resend

ACTIVATED_KEY = "portal_activation_done"

ACTIVATE = CodeStep(
    flow="activation",
    purpose=OtpPurpose.ACTIVATE,
    title=gettext_lazy("Activate e-services: enter the verification code"),
    submit_label=gettext_lazy("Activate e-services"),
    restart_url="portal:activation",
    restart_label=gettext_lazy("Back to the ways to activate"),
)


def _activation_page(
    request: PersonRequest,
    *,
    national_id_form: NationalIdActivationForm | None = None,
    code_form: ActivationCodeForm | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "account": request.account,
        "national_id_form": national_id_form or NationalIdActivationForm(),
        "code_form": code_form or ActivationCodeForm(),
    }
    return render(request, "portal/activation/index.html", context)


@person_required(activated=False)
@require_GET
def activation(request: PersonRequest) -> HttpResponse:
    return _activation_page(request)


@person_required(activated=False)
@require_http_methods(["GET", "POST"])
def activation_national_id(request: PersonRequest) -> HttpResponse:
    if request.method == "GET":
        # Reached again by switching the language on a refused form: back to the methods.
        return redirect("portal:activation")
    form = NationalIdActivationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            challenge = activation_national_id_start(
                user=request.account,
                id_number=data["id_number"],
                date_of_birth=data["date_of_birth"],
                calendar=data["calendar"],
            )
        except ApplicationError as error:
            add_refusal(form, error, IDENTITY_FIELDS)
        else:
            pending_save(request.session, ACTIVATE, challenge)
            return redirect("portal:activation_verify")
    return _activation_page(request, national_id_form=form)


@person_required(activated=False)
@require_http_methods(["GET", "POST"])
def activation_verify(request: PersonRequest) -> HttpResponse:
    pending = pending_load(request.session, ACTIVATE)
    if pending is None:
        return redirect("portal:activation")
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            activation_national_id_verify(
                user=request.account,
                challenge_id=pending.challenge_id,
                code=form.cleaned_data["code"],
            )
        except ApplicationError as error:
            add_refusal(form, error, CODE_FIELDS)
        else:
            pending_clear(request.session, ACTIVATE)
            request.session[ACTIVATED_KEY] = True
            return redirect("portal:activation_done")
    return code_page(
        request,
        ACTIVATE,
        pending,
        form,
        resend_url=reverse("portal:activation_resend"),
        context={"registry_mobile": True},
    )


@person_required(activated=False)
@require_POST
def activation_resend(request: PersonRequest) -> HttpResponse:
    return code_resend(request, ACTIVATE, verify_url=reverse("portal:activation_verify"))


@person_required(activated=False)
@require_http_methods(["GET", "POST"])
def activation_code(request: PersonRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("portal:activation")
    form = ActivationCodeForm(request.POST)
    if form.is_valid():
        try:
            activation_code_redeem(user=request.account, code=form.cleaned_data["code"])
        except ApplicationError as error:
            add_refusal(form, error, ACTIVATION_CODE_FIELDS)
        else:
            request.session[ACTIVATED_KEY] = True
            return redirect("portal:activation_done")
    return _activation_page(request, code_form=form)


@person_required(activated=False)
@require_GET
def activation_done(request: PersonRequest) -> HttpResponse:
    if not request.session.pop(ACTIVATED_KEY, False):
        return redirect("portal:activation")
    return render(request, "portal/activation/done.html")
