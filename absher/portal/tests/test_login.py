"""Signing in (password, then the code), signing out, and signing out of every device."""

import re

import pytest

from absher.accounts.models import User
from absher.notifications.models import OutboxSms
from absher.portal.tests.conftest import (
    PASSWORD,
    SIGNUP_E164,
    Browser,
    field_errors,
    h1,
    last_code,
    other_code,
    status_messages,
    summary_errors,
)

LOGIN = "/login/"
VERIFY = "/login/verify/"
WRONG_CREDENTIALS = "The username or ID number, or the password, is not correct."
LOCKED = (
    "The account is locked after repeated wrong passwords. Try again later or reset your password."
)


def sign_in(browser, identifier="saad.q", password=PASSWORD, path=LOGIN):
    started = browser.post(path, {"identifier": identifier, "password": password})
    assert started.url == VERIFY, started.text
    return browser.post(VERIFY, {"code": last_code(SIGNUP_E164)})


def signed_in_user_id(browser) -> int | None:
    session = browser.client.session
    return int(session["_auth_user_id"]) if "_auth_user_id" in session else None


@pytest.mark.django_db
def test_sign_in_page_in_arabic(browser):
    response = browser.get(LOGIN)

    assert response.status_code == 200
    assert h1(response.text) == "تسجيل الدخول إلى أبشر"
    assert '<label class="field__label" for="id_identifier">اسم المستخدم أو رقم الهوية</label>' in (
        response.text
    )
    assert 'name="identifier" dir="ltr" autocapitalize="none"' in response.text
    assert 'name="password" autocomplete="current-password"' in response.text
    assert '<a href="/password-reset/">نسيت كلمة المرور؟</a>' in response.text


@pytest.mark.django_db
def test_sign_in_with_username_then_code_goes_to_my_account(browser, registered):
    started = browser.post(LOGIN, {"identifier": "SAAD.Q", "password": PASSWORD})

    assert started.status_code == 302
    assert started.url == VERIFY
    assert signed_in_user_id(browser) is None
    page = browser.get(VERIFY)
    assert h1(page.text) == "أدخل رمز التحقق"
    assert '<bdi dir="ltr">+9665•••••233</bdi>' in page.text

    done = browser.post(VERIFY, {"code": last_code(SIGNUP_E164)})

    assert done.status_code == 302
    assert done.url == "/me/"
    assert signed_in_user_id(browser) == registered.pk
    assert browser.get("/me/").status_code == 200


@pytest.mark.django_db
def test_sign_in_with_the_id_number_in_arabic_indic_digits(browser, registered, person):
    arabic_digits = person.id_number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    done = sign_in(browser, identifier=arabic_digits)

    assert done.url == "/me/"
    assert signed_in_user_id(browser) == registered.pk


@pytest.mark.django_db
def test_a_person_page_sends_a_visitor_to_sign_in_and_back(browser, activated):
    response = browser.get("/services/")

    assert response.status_code == 302
    assert response.url == "/login/?next=/services/"
    done = sign_in(browser, path=response.url)
    assert done.url == "/services/"


@pytest.mark.django_db
def test_sign_in_never_sends_anyone_to_another_site(browser, registered):
    done = sign_in(browser, path="/login/?next=https://evil.example/me/")

    assert done.url == "/me/"


@pytest.mark.django_db
def test_a_wrong_password_is_refused_without_saying_which_part_is_wrong(
    english_browser, registered
):
    wrong_password = english_browser.post(LOGIN, {"identifier": "saad.q", "password": "Nope2030ok"})
    unknown_user = english_browser.post(LOGIN, {"identifier": "nobody", "password": PASSWORD})

    assert summary_errors(wrong_password.text) == [WRONG_CREDENTIALS]
    assert summary_errors(unknown_user.text) == [WRONG_CREDENTIALS]
    assert OutboxSms.objects.count() == 0


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(english_browser, registered):
    for _ in range(4):
        response = english_browser.post(LOGIN, {"identifier": "saad.q", "password": "Nope2030ok"})
        assert summary_errors(response.text) == [WRONG_CREDENTIALS]

    fifth = english_browser.post(LOGIN, {"identifier": "saad.q", "password": "Nope2030ok"})
    right = english_browser.post(LOGIN, {"identifier": "saad.q", "password": PASSWORD})

    assert summary_errors(fifth.text) == [LOCKED]
    assert summary_errors(right.text) == [LOCKED]
    assert right.status_code == 200
    assert OutboxSms.objects.count() == 0
    assert signed_in_user_id(english_browser) is None


@pytest.mark.django_db
def test_a_wrong_code_does_not_sign_in(english_browser, registered):
    english_browser.post(LOGIN, {"identifier": "saad.q", "password": PASSWORD})

    response = english_browser.post(VERIFY, {"code": other_code(last_code(SIGNUP_E164))})

    assert field_errors(response.text, "code") == [
        "The verification code is not correct.",
        "You can try 2 more times.",
    ]
    assert signed_in_user_id(english_browser) is None


@pytest.mark.django_db
def test_an_empty_code_is_refused_by_the_form(english_browser, registered):
    english_browser.post(LOGIN, {"identifier": "saad.q", "password": PASSWORD})

    response = english_browser.post(VERIFY, {"code": ""})

    assert field_errors(response.text, "code") == ["This field is required."]
    assert signed_in_user_id(english_browser) is None


@pytest.mark.django_db
def test_sign_out_is_a_post_that_ends_the_session(browser, registered):
    sign_in(browser)

    assert browser.get("/logout/").status_code == 405
    response = browser.post("/logout/")

    assert response.url == "/"
    assert signed_in_user_id(browser) is None
    assert status_messages(browser.get("/").text) == ["سجّلت الخروج من أبشر."]
    assert browser.get("/me/").url == "/login/?next=/me/"


@pytest.mark.django_db
def test_sign_out_of_all_devices_ends_every_session(
    browser, django_capture_on_commit_callbacks, registered
):
    phone = Browser(django_capture_on_commit_callbacks)
    sign_in(browser)
    sign_in(phone)
    assert phone.get("/me/").status_code == 200

    response = browser.post("/me/sign-out-everywhere/")

    assert response.url == "/login/"
    assert status_messages(browser.get("/login/").text) == [
        "تم تسجيل خروجك من أبشر على جميع الأجهزة، ومنها هذا الجهاز. سجّل الدخول من جديد."
    ]
    assert signed_in_user_id(browser) is None
    assert phone.get("/me/").url == "/login/?next=/me/"
    assert User.objects.get().session_epoch == registered.session_epoch + 1


@pytest.mark.django_db
def test_forms_refuse_a_post_without_the_csrf_token(django_capture_on_commit_callbacks, registered):
    client = Browser(django_capture_on_commit_callbacks, enforce_csrf_checks=True)
    page = client.get(LOGIN).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    forged = client.post(LOGIN, {"identifier": "saad.q", "password": PASSWORD})
    genuine = client.post(
        LOGIN, {"identifier": "saad.q", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )

    assert forged.status_code == 403
    assert genuine.status_code == 302
    assert genuine.url == VERIFY
    assert OutboxSms.objects.count() == 1
