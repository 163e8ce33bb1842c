"""Creating an account (إنشاء حساب), signing in and out, and a forgotten password: each a form,
then the code sent by SMS."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from absher.accounts.constants import OtpPurpose
from absher.accounts.services.login import login_complete, login_start
from absher.accounts.services.password_reset import (
    RESET_CODE_SENT_NOTE,
    password_reset_complete,
    password_reset_start,
)
from absher.accounts.services.registration import registration_complete, registration_start
from absher.accounts.sessions import session_start
from absher.core.errors import ApplicationError
from absher.portal.forms import (
    CODE_FIELDS,
    IDENTITY_FIELDS,
    PASSWORD_RESET_FIELDS,
    REGISTRATION_FIELDS,
    CodeForm,
    LoginForm,
    PasswordResetCompleteForm,
    PasswordResetStartForm,
    RegisterForm,
    add_refusal,
    posted,
)
from absher.portal.pending import CodeStep, pending_clear, pending_load, pending_save
from absher.portal.views.codes import code_page, code_resend

REGISTERED_KEY = "portal_registered_username"
NEXT_KEY = "portal_login_next"

REGISTER = CodeStep(
    flow="register",
    purpose=OtpPurpose.REGISTER,
    title=gettext_lazy("Confirm your mobile number"),
    submit_label=gettext_lazy("Create the account"),
    restart_url="portal:register",
    restart_label=gettext_lazy("Start again with your details"),
)
LOGIN = CodeStep(
    flow="login",
    purpose=OtpPurpose.LOGIN,
    title=gettext_lazy("Enter the verification code"),
    submit_label=gettext_lazy("Sign in"),
    restart_url="portal:login",
    restart_label=gettext_lazy("Start again with your username and password"),
)
PASSWORD_RESET = CodeStep(
    flow="password_reset",
    purpose=OtpPurpose.PASSWORD_RESET,
    title=gettext_lazy("Choose a new password"),
    submit_label=gettext_lazy("Change the password"),
    restart_url="portal:password_reset",
    restart_label=gettext_lazy("Start again with your ID number and date of birth"),
)


def _language() -> str:
    return translation.get_language() or "ar"


def _status_for(refusal: ApplicationError | None) -> int:
    """A page whose step could not run because a backing service is down (503
    `service_unavailable`: sign-in and codes stop while their limits cannot be counted) says so in
    its status as well as on the form."""
    if refusal is not None and refusal.http_status == 503:
        return 503
    return 200


def _signed_in_person(request: HttpRequest) -> bool:
    return request.user.is_authenticated and getattr(request.user, "person_id", None) is not None


# Registration


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if _signed_in_person(request):
        return redirect("portal:dashboard")
    form = RegisterForm(posted(request))
    refusal: ApplicationError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            challenge = registration_start(
                id_number=data["id_number"],
                date_of_birth=data["date_of_birth"],
                calendar=data["calendar"],
                username=data["username"],
                password=data["password"],
                mobile=data["mobile"],
                email=data["email"],
                language=_language(),
            )
        except ApplicationError as error:
            refusal = error
            add_refusal(form, error, REGISTRATION_FIELDS)
        else:
            pending_save(request.session, REGISTER, challenge)
            return redirect("portal:register_verify")
    return render(
        request, "portal/accounts/register.html", {"form": form}, status=_status_for(refusal)
    )


@require_http_methods(["GET", "POST"])
def register_verify(request: HttpRequest) -> HttpResponse:
    pending = pending_load(request.session, REGISTER)
    if pending is None:
        return redirect("portal:register")
    form = CodeForm(posted(request))
    refusal: ApplicationError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            user = registration_complete(
                challenge_id=pending.challenge_id, code=form.cleaned_data["code"]
            )
        except ApplicationError as error:
            refusal = error
            add_refusal(form, error, CODE_FIELDS)
        else:
            pending_clear(request.session, REGISTER)
            request.session[REGISTERED_KEY] = user.username
            return redirect("portal:register_done")
    page = code_page(request, REGISTER, pending, form, resend_url=reverse("portal:register_resend"))
    page.status_code = _status_for(refusal)
    return page


@require_POST
def register_resend(request: HttpRequest) -> HttpResponse:
    return code_resend(request, REGISTER, verify_url=reverse("portal:register_verify"))


@require_GET
def register_done(request: HttpRequest) -> HttpResponse:
    username = request.session.get(REGISTERED_KEY)
    if username is None:
        return redirect("portal:register")
    return render(request, "portal/accounts/register_done.html", {"username": username})


# Sign in and out


def _next_url(request: HttpRequest, candidate: str) -> str:
    """Only addresses on this site; anything else goes to the person's dashboard."""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("portal:dashboard")


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if _signed_in_person(request):
        return redirect(_next_url(request, request.GET.get("next", "")))
    form = LoginForm(posted(request))
    refusal: ApplicationError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            challenge = login_start(
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                ip=request.META.get("REMOTE_ADDR"),
            )
        except ApplicationError as error:
            refusal = error
            add_refusal(form, error)
        else:
            pending_save(request.session, LOGIN, challenge)
            request.session[NEXT_KEY] = _next_url(request, request.GET.get("next", ""))
            return redirect("portal:login_verify")
    return render(
        request, "portal/accounts/login.html", {"form": form}, status=_status_for(refusal)
    )


@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    pending = pending_load(request.session, LOGIN)
    if pending is None:
        return redirect("portal:login")
    form = CodeForm(posted(request))
    refusal: ApplicationError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            user = login_complete(challenge_id=pending.challenge_id, code=form.cleaned_data["code"])
        except ApplicationError as error:
            refusal = error
            add_refusal(form, error, CODE_FIELDS)
        else:
            destination = _next_url(request, str(request.session.get(NEXT_KEY, "")))
            session_start(request, user)
            pending_clear(request.session, LOGIN)
            request.session.pop(NEXT_KEY, None)
            return redirect(destination)
    page = code_page(request, LOGIN, pending, form, resend_url=reverse("portal:login_resend"))
    page.status_code = _status_for(refusal)
    return page


@require_POST
def login_resend(request: HttpRequest) -> HttpResponse:
    return code_resend(request, LOGIN, verify_url=reverse("portal:login_verify"))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("You have signed out of Absher."))
    return redirect("portal:home")


# Forgotten password


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetStartForm(posted(request))
    refusal: ApplicationError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            challenge = password_reset_start(
                id_number=data["id_number"],
                date_of_birth=data["date_of_birth"],
                calendar=data["calendar"],
                language=_language(),
            )
        except ApplicationError as error:
            refusal = error
            add_refusal(form, error, IDENTITY_FIELDS)
        else:
            pending_save(request.session, PASSWORD_RESET, challenge)
            return redirect("portal:password_reset_verify")
    return render(
        request,
        "portal/accounts/password_reset.html",
        {"form": form},
        status=_status_for(refusal),
    )


@require_http_methods(["GET", "POST"])
def password_reset_verify(request: HttpRequest) -> HttpResponse:
    pending = pending_load(request.session, PASSWORD_RESET)
    if pending is None:
        return redirect("portal:password_reset")
    form = PasswordResetCompleteForm(posted(request))
    refusal: ApplicationError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_complete(
                challenge_id=pending.challenge_id,
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password"],
            )
        except ApplicationError as error:
            refusal = error
            add_refusal(form, error, PASSWORD_RESET_FIELDS)
        else:
            pending_clear(request.session, PASSWORD_RESET)
            messages.success(
                request,
                _(
                    "Your password was changed and you were signed out everywhere. Sign in "
                    "with the new password."
                ),
            )
            return redirect("portal:login")
    page = code_page(
        request,
        PASSWORD_RESET,
        pending,
        form,
        resend_url=reverse("portal:password_reset_resend"),
        context={"recipient_note": RESET_CODE_SENT_NOTE},
    )
    page.status_code = _status_for(refusal)
    return page


@require_POST
def password_reset_resend(request: HttpRequest) -> HttpResponse:
    return code_resend(request, PASSWORD_RESET, verify_url=reverse("portal:password_reset_verify"))
