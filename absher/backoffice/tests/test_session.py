"""Staff sign-in: password, then the code sent by SMS; refusals shown on the form; sign-out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from absher.accounts.constants import OtpPurpose, OtpStatus
from absher.accounts.models import OtpChallenge
from absher.accounts.services import otp
from absher.backoffice.tests.conftest import (
    OFFICER_MOBILE,
    STAFF_PASSWORD,
    last_code,
    make_account,
    signed_in,
)
from absher.backoffice.views.session import CHALLENGE_KEY
from absher.core import clock
from absher.notifications.models import OutboxSms

LOGIN = "/backoffice/login/"
VERIFY = "/backoffice/login/verify/"
RESEND = "/backoffice/login/resend/"


def english() -> Client:
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST as the browser does, running the on-commit work (SMS delivery) of the request."""

    def send(client: Client, path: str, data: dict | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data or {})

    return send


def test_officer_signs_in_with_password_then_code(officer, post):
    client = english()

    response = post(client, LOGIN, {"username": "Officer.Olaya", "password": STAFF_PASSWORD})

    assert response.status_code == 302
    assert response.url == VERIFY
    assert OutboxSms.objects.get().to == OFFICER_MOBILE
    page = client.get(VERIFY)
    assert page.status_code == 200
    assert 'We sent a 6-digit code to <span dir="ltr">+9665•••••001</span>.' in page.text
    response = post(client, VERIFY, {"code": last_code(OFFICER_MOBILE)})
    assert response.status_code == 302
    assert response.url == "/backoffice/"
    home = client.get("/backoffice/")
    assert home.status_code == 200
    assert "Activate e-services in person" in home.text
    assert CHALLENGE_KEY not in client.session
    challenge = OtpChallenge.objects.get()
    assert (challenge.purpose, challenge.status) == (OtpPurpose.STAFF_LOGIN, OtpStatus.VERIFIED)


def test_wrong_code_is_refused_and_does_not_sign_in(officer, post):
    client = english()
    post(client, LOGIN, {"username": "officer.olaya", "password": STAFF_PASSWORD})
    right = last_code(OFFICER_MOBILE)
    wrong = "000000" if right != "000000" else "111111"

    response = post(client, VERIFY, {"code": wrong})

    assert response.status_code == 200
    assert "The verification code is not correct." in response.text
    assert 'aria-describedby="id_code_helptext id_code_error"' in response.text
    assert client.get("/backoffice/").url == "/backoffice/login/?next=/backoffice/"
    assert OtpChallenge.objects.get().attempts == 1


def test_wrong_password_is_refused_without_sending_a_code(officer, post):
    client = english()

    response = post(client, LOGIN, {"username": "officer.olaya", "password": "Wrong2030pass"})

    assert response.status_code == 200
    assert "The username or ID number, or the password, is not correct." in response.text
    assert OutboxSms.objects.count() == 0
    assert CHALLENGE_KEY not in client.session


def test_repeated_wrong_passwords_lock_the_account(officer, post, settings):
    client = english()
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        post(client, LOGIN, {"username": "officer.olaya", "password": "Wrong2030pass"})

    locked = post(client, LOGIN, {"username": "officer.olaya", "password": "Wrong2030pass"})
    still_locked = post(client, LOGIN, {"username": "officer.olaya", "password": STAFF_PASSWORD})

    for response in (locked, still_locked):
        assert (
            "The account is locked after repeated wrong passwords. Try again later or reset your "
            "password."
        ) in response.text
    assert OutboxSms.objects.count() == 0


def test_a_citizen_account_cannot_sign_in_to_the_back_office(person, post):
    make_account(person, username="noura.citizen")
    client = english()

    response = post(client, LOGIN, {"username": "noura.citizen", "password": "Sahara2030ok"})

    assert response.status_code == 200
    assert "The username or ID number, or the password, is not correct." in response.text
    assert OutboxSms.objects.count() == 0
    assert OtpChallenge.objects.count() == 0


def test_a_deactivated_staff_member_cannot_sign_in(officer, post):
    officer.user.is_active = False
    officer.user.save(update_fields=["is_active"])
    client = english()

    response = post(client, LOGIN, {"username": "officer.olaya", "password": STAFF_PASSWORD})

    assert response.status_code == 200
    assert "The username or ID number, or the password, is not correct." in response.text
    assert OutboxSms.objects.count() == 0


def test_empty_sign_in_form_names_each_missing_field(db):
    response = english().post(LOGIN, {})

    assert response.status_code == 200
    assert response.text.count("This field is required.") == 4  # summary + next to each field
    assert 'aria-describedby="id_username_error"' in response.text


def test_send_the_code_again_replaces_the_first_code(officer, post, moved_clock, monkeypatch):
    codes = iter(["111111", "222222"])
    monkeypatch.setattr(otp, "_new_code", lambda: next(codes))
    client = english()
    post(client, LOGIN, {"username": "officer.olaya", "password": STAFF_PASSWORD})
    moved_clock(clock.now() + dt.timedelta(seconds=61))

    response = post(client, RESEND)

    assert response.status_code == 302
    assert response.url == VERIFY
    assert list(OutboxSms.objects.order_by("id").values_list("to", flat=True)) == [
        OFFICER_MOBILE,
        OFFICER_MOBILE,
    ]
    assert last_code(OFFICER_MOBILE) == "222222"
    page = client.get(VERIFY)
    assert "A new code was sent. The previous code no longer works." in page.text
    refused = post(client, VERIFY, {"code": "111111"})
    assert "The verification code is not correct." in refused.text
    assert post(client, VERIFY, {"code": "222222"}).url == "/backoffice/"


def test_send_the_code_again_too_soon_is_refused(officer, post):
    client = english()
    post(client, LOGIN, {"username": "officer.olaya", "password": STAFF_PASSWORD})

    response = post(client, RESEND)

    assert response.url == VERIFY
    assert "Please wait before requesting the code again." in client.get(VERIFY).text
    assert OutboxSms.objects.count() == 1


def test_code_page_without_a_pending_sign_in_goes_back_to_the_password(db):
    client = english()

    assert client.get(VERIFY).url == LOGIN
    assert client.post(VERIFY, {"code": "123456"}).url == LOGIN
    assert client.post(RESEND).url == LOGIN


def test_sign_in_returns_to_the_page_first_asked_for(administrator, post):
    client = english()
    assert client.get("/backoffice/offices/").url == "/backoffice/login/?next=/backoffice/offices/"
    page = client.get("/backoffice/login/?next=/backoffice/offices/")
    assert 'action="/backoffice/login/?next=/backoffice/offices/"' in page.text

    post(
        client,
        "/backoffice/login/?next=/backoffice/offices/",
        {
            "username": "admin.moi",
            "password": STAFF_PASSWORD,
        },
    )
    response = post(client, VERIFY, {"code": last_code(administrator.user.mobile)})

    assert response.url == "/backoffice/offices/"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "/api/v1/me"])
def test_sign_in_never_sends_staff_elsewhere(administrator, post, next_url):
    client = english()
    post(client, f"{LOGIN}?next={next_url}", {"username": "admin.moi", "password": STAFF_PASSWORD})

    response = post(client, VERIFY, {"code": last_code(administrator.user.mobile)})

    assert response.url == "/backoffice/"


def test_signed_in_staff_skip_the_sign_in_page(officer_client):
    assert officer_client.get(LOGIN).url == "/backoffice/"


def test_sign_out_ends_the_session(officer_client):
    response = officer_client.post("/backoffice/logout/")

    assert response.status_code == 302
    assert response.url == LOGIN
    assert officer_client.get("/backoffice/").url == "/backoffice/login/?next=/backoffice/"


def test_sign_out_needs_a_post(officer_client):
    assert officer_client.get("/backoffice/logout/").status_code == 405
    assert officer_client.get("/backoffice/").status_code == 200


def test_a_signed_in_citizen_gets_the_arabic_forbidden_page(person):
    citizen = signed_in(make_account(person))

    response = citizen.get("/backoffice/")

    assert response.status_code == 403
    assert '<html lang="ar" dir="rtl">' in response.text
    assert "<h1>لا يمكنك فتح هذه الصفحة</h1>" in response.text
    assert "بوابة الموظفين مخصصة للموظفين فقط، وحسابك ليس حساب موظف." in response.text
