"""Staff sign-in: username + password, then the code sent to the staff member's mobile. Between the
two steps the session holds only the pending challenge's id (and where to go afterwards)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from absher.accounts.constants import OtpPurpose
from absher.accounts.selectors import challenge_peek, staff_member_of
from absher.accounts.services.login import login_complete, login_start
from absher.accounts.services.otp import otp_resend
from absher.accounts.sessions import session_start
from absher.backoffice.forms import CodeForm, LoginForm, add_refusal, posted
from absher.core.errors import ApplicationError
from absher.identity.rules import mobile_masked

CHALLENGE_KEY = "backoffice_login_challenge"
NEXT_KEY = "backoffice_login_next"


def _next_url(request: HttpRequest, candidate: str) -> str:
    """Only back-office addresses on this site; anything else goes to the back-office home."""
    home = reverse("backoffice:home")
    if candidate.startswith(home) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return home


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and staff_member_of(user=request.user) is not None:
        return redirect("backoffice:home")
    form = LoginForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            challenge = login_start(
                identifier=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=request.META.get("REMOTE_ADDR"),
                staff=True,
            )
        except ApplicationError as error:
            add_refusal(form, error)
        else:
            request.session[CHALLENGE_KEY] = str(challenge.public_id)
            request.session[NEXT_KEY] = _next_url(request, request.GET.get("next", ""))
            return redirect("backoffice:login_verify")
    return render(request, "backoffice/login.html", {"form": form})


def _pending_challenge_id(request: HttpRequest) -> str:
    return str(request.session.get(CHALLENGE_KEY, ""))


@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    challenge_id = _pending_challenge_id(request)
    challenge = challenge_peek(challenge_id=challenge_id) if challenge_id else None
    if challenge is None or challenge.purpose != OtpPurpose.STAFF_LOGIN:
        return redirect("backoffice:login")
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = login_complete(
                challenge_id=challenge_id, code=form.cleaned_data["code"], staff=True
            )
        except ApplicationError as error:
            add_refusal(form, error, {"otp_invalid": "code", "otp_expired": "code"})
        else:
            destination = _next_url(request, str(request.session.get(NEXT_KEY, "")))
            session_start(request, user)
            request.session.pop(CHALLENGE_KEY, None)
            request.session.pop(NEXT_KEY, None)
            return redirect(destination)
    return render(
        request,
        "backoffice/login_verify.html",
        {"form": form, "masked_mobile": mobile_masked(challenge.mobile)},
    )


@require_POST
def login_resend(request: HttpRequest) -> HttpResponse:
    challenge_id = _pending_challenge_id(request)
    if not challenge_id:
        return redirect("backoffice:login")
    try:
        otp_resend(challenge_id=challenge_id, purpose=OtpPurpose.STAFF_LOGIN)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("A new code was sent. The previous code no longer works."))
    return redirect("backoffice:login_verify")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("You have signed out of the back office."))
    return redirect("backoffice:login")
