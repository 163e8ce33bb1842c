"""Security headers and cookies as production serves them.

The production profile (`config/settings/production.py`) is loaded as a deployment would load it,
from its own environment, and its security settings are laid over the test profile's; then the
portal, the back office and the API are asked over HTTPS. The sign-in goes through the whole
password-and-code journey with CSRF checks on, so the `__Host-` cookie names are proven to work."""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Iterator
from http.cookies import Morsel
from typing import Any

import pytest
from django.conf import global_settings
from django.test import Client, override_settings

from absher.accounts.constants import AccountStatus
from absher.accounts.models import User
from absher.notifications.models import SmsMessage
from absher.suspensions.tests.helpers import account
from absher.transfers.tests.helpers import citizen

pytestmark = pytest.mark.django_db

HOST = "absher.example.sa"
PASSWORD = "Sahara2030ok"
SECURITY_SETTINGS = (
    "DEBUG",
    "MIDDLEWARE",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_DOMAIN",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "CSRF_COOKIE_PATH",
    "CSRF_COOKIE_DOMAIN",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SAMESITE",
)


def load_production_settings() -> dict[str, Any]:
    """The production module's settings, as a fresh process with a deployment's environment
    would compute them. The modules already imported (the test profile's) are put back after."""
    names = ("config.settings.base", "config.settings.production")
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    package = importlib.import_module("config.settings")
    saved_attributes = {
        name: getattr(package, name) for name in ("base",) if hasattr(package, name)
    }
    environment = {
        "SECRET_KEY": "a-production-secret-that-is-long-enough-for-the-checks-0123456789",
        "ALLOWED_HOSTS": HOST,
    }
    previous = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        module = importlib.import_module("config.settings.production")
        # What the module leaves unset is Django's default, as in a running deployment.
        values = {name: getattr(global_settings, name) for name in dir(global_settings)}
        values.update({name: getattr(module, name) for name in dir(module) if name.isupper()})
        return {name: value for name, value in values.items() if name.isupper()}
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
        for name, value in saved_attributes.items():
            setattr(package, name, value)


PRODUCTION = load_production_settings()


@pytest.fixture
def production() -> Iterator[None]:
    with override_settings(
        ALLOWED_HOSTS=[HOST, "testserver"],
        **{name: PRODUCTION[name] for name in SECURITY_SETTINGS},
    ):
        yield


def https_client(**options: Any) -> Client:
    # A browser sends the page it is on (Referrer-Policy: same-origin); Django checks it on HTTPS.
    return Client(HTTP_HOST=HOST, HTTP_REFERER=f"https://{HOST}/login/", **options)


def csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = (part.strip() for part in header.split(";") if part.strip())
    return {d.split(" ", 1)[0]: (d.split(" ", 1)[1] if " " in d else "") for d in directives}


def test_the_production_profile_is_safe_by_default():
    assert PRODUCTION["DEBUG"] is False
    assert PRODUCTION["DEV_ENDPOINTS"] is False
    assert PRODUCTION["SANDBOX_GATEWAY_ENABLED"] is False
    assert "sandbox_gateway" not in PRODUCTION["INSTALLED_APPS"]
    assert PRODUCTION["SECURE_SSL_REDIRECT"] is True
    assert PRODUCTION["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert PRODUCTION["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert PRODUCTION["CSRF_COOKIE_NAME"].startswith("__Host-")
    # The __Host- prefix is refused by browsers unless Secure, Path=/ and no Domain.
    for prefix in ("SESSION", "CSRF"):
        assert PRODUCTION[f"{prefix}_COOKIE_SECURE"] is True
        assert PRODUCTION[f"{prefix}_COOKIE_PATH"] == "/"
        assert PRODUCTION[f"{prefix}_COOKIE_DOMAIN"] is None


@pytest.mark.parametrize(
    "path", ["/", "/login/", "/backoffice/login/", "/api/v1/departments", "/receipts/unknown/"]
)
def test_every_answer_carries_the_security_headers(production, path):
    response = https_client().get(path, secure=True)

    assert response.status_code in (200, 404)
    policy = csp(response)
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert "'unsafe-inline'" not in policy.get("script-src", "")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_plain_http_is_sent_to_https(production):
    response = https_client().get("/login/")

    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/login/"


def test_probes_answer_over_plain_http(production):
    # Health probes come from inside the network, straight to the app server.
    assert https_client().get("/healthz").status_code == 200


def _cookie(client: Client, name: str) -> Morsel:
    assert name in client.cookies, sorted(client.cookies)
    return client.cookies[name]


def _csrf_token(client: Client) -> str:
    return _cookie(client, PRODUCTION["CSRF_COOKIE_NAME"]).value


def test_sign_in_works_with_secure_host_only_cookies(
    production, django_capture_on_commit_callbacks
):
    person = citizen()
    user = account(person, username="munira.s", status=AccountStatus.ACTIVE)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    client = https_client(enforce_csrf_checks=True)

    page = client.get("/login/", secure=True)
    csrf = _cookie(client, "__Host-absher_csrftoken")
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/login/",
            {"identifier": "munira.s", "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
            secure=True,
        )
    body = SmsMessage.objects.filter(to=person.mobile).order_by("-id").first()
    code = re.search(r"\b(\d{6})\b", _outbox_text(person.mobile, body)).group(1)
    verified = client.post(
        "/login/verify/",
        {"code": code, "csrfmiddlewaretoken": _csrf_token(client)},
        secure=True,
    )
    dashboard = client.get("/me/", secure=True)

    assert page.status_code == 200
    assert started.status_code == 302
    assert verified.status_code == 302
    assert dashboard.status_code == 200
    assert int(client.session["_auth_user_id"]) == User.objects.get(username="munira.s").pk
    session = _cookie(client, "__Host-absher_session")
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert session["path"] == "/"
    assert session["domain"] == ""
    assert "absher_session" not in client.cookies
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"
    assert csrf["path"] == "/"
    assert csrf["domain"] == ""


def test_a_form_without_the_csrf_token_is_refused(production):
    client = https_client(enforce_csrf_checks=True)
    client.get("/login/", secure=True)

    response = client.post("/login/", {"identifier": "x", "password": "y"}, secure=True)

    assert response.status_code == 403


def test_the_language_cookie_is_secure(production):
    client = https_client()

    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True)

    language = _cookie(client, "absher_language")
    assert language["secure"] is True
    assert language["samesite"] == "Lax"


def _outbox_text(mobile: str, sms: SmsMessage | None) -> str:
    """The code's text: still in the queued SMS, or (once delivered, which redacts the queued
    copy) in the development outbox."""
    from absher.notifications.models import OutboxSms

    outbox = OutboxSms.objects.filter(to=mobile).order_by("-id").first()
    if outbox is not None:
        return outbox.body
    assert sms is not None
    return sms.body
