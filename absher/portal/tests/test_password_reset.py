"""A forgotten password: ID + date of birth, the code sent to the account's mobile, then a new
password."""

import pytest

from absher.accounts.constants import OtpStatus
from absher.accounts.models import OtpChallenge, User
from absher.notifications.models import OutboxSms
from absher.portal.tests.conftest import (
    PASSWORD,
    SIGNUP_E164,
    field_errors,
    h1,
    last_code,
    status_messages,
    summary_errors,
)

START = "/password-reset/"
VERIFY = "/password-reset/verify/"
NEW_PASSWORD = "Nakheel2031ok"


def identity(person, **overrides):
    data = {"id_number": person.id_number, "date_of_birth": "1989/10/14", "calendar": "gregorian"}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_reset_the_password_with_id_date_of_birth_and_the_code(browser, registered, person):
    started = browser.post(START, identity(person))

    assert started.url == VERIFY
    page = browser.get(VERIFY)
    assert h1(page.text) == "اختيار كلمة مرور جديدة"
    # The page says where the code went without the number: the answer is the same whether or not
    # the ID and date of birth match an account (see test_no_enumeration in accounts).
    assert "إذا كان رقم الهوية وتاريخ الميلاد مطابقَين لحساب في أبشر" in page.text
    assert "•••" not in page.text
    assert 'name="new_password" autocomplete="new-password"' in page.text

    done = browser.post(
        VERIFY,
        {
            "code": last_code(SIGNUP_E164),
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )

    assert done.url == "/login/"
    assert status_messages(browser.get("/login/").text) == [
        "تم تغيير كلمة المرور وإنهاء جميع جلساتك. سجّل الدخول بكلمة المرور الجديدة."
    ]
    account = User.objects.get()
    assert account.check_password(NEW_PASSWORD)
    assert not account.check_password(PASSWORD)
    signed_in = browser.post("/login/", {"identifier": "saad.q", "password": NEW_PASSWORD})
    assert signed_in.url == "/login/verify/"


@pytest.mark.django_db
def test_an_identity_that_does_not_match_sends_no_code(english_browser, registered, person):
    response = english_browser.post(START, identity(person, date_of_birth="1989/10/15"))

    assert response.url == VERIFY
    page = english_browser.get(VERIFY)
    assert summary_errors(page.text) == []
    assert (
        "If the ID number and date of birth match an account, we sent a 6-digit code"
    ) in page.text
    assert OutboxSms.objects.count() == 0


@pytest.mark.django_db
def test_a_weak_new_password_is_refused_and_the_code_still_works(
    english_browser, registered, person
):
    english_browser.post(START, identity(person))
    code = last_code(SIGNUP_E164)

    weak = english_browser.post(
        VERIFY, {"code": code, "new_password": "saad.q2030A", "new_password_again": "saad.q2030A"}
    )

    assert field_errors(weak.text, "new_password") == [
        "The password does not meet the password policy.",
        "The password must not contain your username.",
    ]
    assert OtpChallenge.objects.get().status == OtpStatus.PENDING
    assert User.objects.get().check_password(PASSWORD)

    done = english_browser.post(
        VERIFY, {"code": code, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    )
    assert done.url == "/login/"


@pytest.mark.django_db
def test_the_new_password_typed_twice_must_match(english_browser, registered, person):
    english_browser.post(START, identity(person))

    response = english_browser.post(
        VERIFY,
        {
            "code": last_code(SIGNUP_E164),
            "new_password": NEW_PASSWORD,
            "new_password_again": "Nakheel2031OK",
        },
    )

    assert field_errors(response.text, "new_password_again") == [
        "The two passwords are not the same. Type the same password twice."
    ]
    assert User.objects.get().check_password(PASSWORD)
