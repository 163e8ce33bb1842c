"""Creating an account on the portal: details → code sent to the typed mobile → registered."""

import re

import pytest

from absher.accounts.constants import AccountStatus, OtpStatus
from absher.accounts.models import OtpChallenge, User
from absher.identity.tests.factories import PersonFactory
from absher.notifications.models import OutboxSms
from absher.portal.tests.conftest import (
    BORN_HIJRI,
    PASSWORD,
    SIGNUP_E164,
    SIGNUP_MOBILE,
    field_errors,
    h1,
    last_code,
    later,
    make_account,
    other_code,
    status_messages,
    summary_errors,
)

REGISTER = "/register/"
VERIFY = "/register/verify/"
RESEND = "/register/resend/"
DONE = "/register/done/"


def details(person, **overrides):
    data = {
        "id_number": person.id_number,
        "date_of_birth": BORN_HIJRI,
        "calendar": "hijri",
        "username": "saad.q",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "mobile": SIGNUP_MOBILE,
        "email": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_register_page_is_an_arabic_form_with_labels_hints_and_autocomplete(browser):
    response = browser.get(REGISTER)

    assert response.status_code == 200
    html = response.text
    assert '<html lang="ar" dir="rtl">' in html
    assert h1(html) == "إنشاء حساب في أبشر"
    assert '<label class="field__label" for="id_id_number">رقم الهوية</label>' in html
    assert (
        '<input type="text" name="id_number" inputmode="numeric" dir="ltr" spellcheck="false"'
        ' autocomplete="off" maxlength="20" required aria-describedby="id_id_number_helptext"'
        ' id="id_id_number">'
    ) in html
    assert (
        '<input type="text" name="date_of_birth" autocomplete="bday" dir="ltr" maxlength="20"'
        ' required aria-describedby="id_date_of_birth_helptext" id="id_date_of_birth">'
    ) in html
    assert '<legend class="field__label">تقويم تاريخ الميلاد</legend>' in html
    assert (
        '<input type="radio" name="calendar" value="hijri" id="id_calendar_0" required checked>'
        '<label class="choice__label" for="id_calendar_0">هجري</label>'
    ) in html
    assert '<label class="choice__label" for="id_calendar_1">ميلادي</label>' in html
    assert (
        '<p class="field__hint" id="id_password_helptext">ألّا تقل عن 8 خانات، وأن تتضمن حروفًا'
        " لاتينية كبيرة وصغيرة وأرقامًا، وألّا تحتوي على رقم هويتك أو اسم المستخدم، وألّا تكون"
        " من كلمات المرور الشائعة.</p>"
    ) in html
    assert 'name="password" autocomplete="new-password"' in html
    assert 'name="mobile" inputmode="tel" autocomplete="tel"' in html
    assert 'name="email" autocomplete="email"' in html
    assert "style=" not in html
    assert re.findall(r"<script\b", html) == []


@pytest.mark.django_db
def test_register_with_a_hijri_date_in_arabic_indic_digits_then_the_code(browser, person):
    response = browser.post(REGISTER, details(person, date_of_birth="١٤١٠/٠٣/١٥"))

    assert response.status_code == 302
    assert response.url == VERIFY
    assert User.objects.count() == 0
    page = browser.get(VERIFY)
    assert h1(page.text) == "تأكيد رقم الجوال"
    assert (
        'أرسلنا رمزًا من 6 أرقام إلى الرقم <bdi dir="ltr">+9665•••••233</bdi>.\n'
        '  وهو صالح حتى الساعة <span class="nowrap">1:08 م</span> بتوقيت الرياض.'
    ) in page.text
    assert (
        '<input type="text" name="code" inputmode="numeric" dir="ltr" spellcheck="false"'
        ' autocomplete="one-time-code" maxlength="12" required'
        ' aria-describedby="id_code_helptext" id="id_code">'
    ) in page.text

    done = browser.post(VERIFY, {"code": last_code(SIGNUP_E164)})

    assert done.status_code == 302
    assert done.url == DONE
    account = User.objects.get()
    assert (account.username, account.person_id, account.mobile) == (
        "saad.q",
        person.pk,
        SIGNUP_E164,
    )
    assert account.status == AccountStatus.REGISTERED
    page = browser.get(DONE)
    assert h1(page.text) == "تم تسجيل حسابك"
    assert 'تم إنشاء حساب أبشر <bdi dir="ltr">saad.q</bdi>.' in page.text
    assert "حسابك مسجّل لكنه غير مفعّل بعد." in page.text
    assert '<a class="button" href="/login/">تسجيل الدخول</a>' in page.text


@pytest.mark.django_db
def test_register_in_english_with_a_gregorian_date(english_browser, person):
    response = english_browser.post(
        REGISTER, details(person, date_of_birth="1989-10-14", calendar="gregorian")
    )

    assert response.url == VERIFY
    page = english_browser.get(VERIFY)
    assert '<html lang="en" dir="ltr">' in page.text
    assert 'We sent a 6-digit code to <bdi dir="ltr">+9665•••••233</bdi>.' in page.text
    assert 'It is valid until <span class="nowrap">1:08 p.m.</span>, Riyadh time.' in page.text
    english_browser.post(VERIFY, {"code": last_code(SIGNUP_E164)})
    done = english_browser.get(DONE)
    assert h1(done.text) == "Your account is registered"


@pytest.mark.django_db
def test_a_date_of_birth_that_does_not_match_the_registry_is_refused(english_browser, person):
    response = english_browser.post(REGISTER, details(person, date_of_birth="1410/03/16"))

    assert response.status_code == 200
    assert summary_errors(response.text) == [
        "The ID number and date of birth do not match our records."
    ]
    assert OutboxSms.objects.count() == 0
    assert OtpChallenge.objects.count() == 0


@pytest.mark.django_db
def test_a_malformed_id_number_is_shown_on_its_field(english_browser, person):
    response = english_browser.post(REGISTER, details(person, id_number="12345"))

    assert field_errors(response.text, "id_number") == ["An ID number has exactly 10 digits."]
    assert 'aria-describedby="id_id_number_helptext id_id_number_error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert '<li><a href="#id_id_number">An ID number has exactly 10 digits.</a></li>' in (
        response.text
    )
    assert OtpChallenge.objects.count() == 0


@pytest.mark.django_db
def test_a_weak_password_lists_every_broken_rule_on_the_password_field(english_browser, person):
    response = english_browser.post(
        REGISTER, details(person, password="password1", password_again="password1")
    )

    assert response.status_code == 200
    assert field_errors(response.text, "password") == [
        "The password does not meet the password policy.",
        "The password must contain upper-case letters, lower-case letters and digits.",
        "This password is too common.",
    ]
    assert OutboxSms.objects.count() == 0


@pytest.mark.django_db
def test_the_password_typed_twice_must_match(english_browser, person):
    response = english_browser.post(REGISTER, details(person, password_again="Sahara2030OK"))

    assert field_errors(response.text, "password_again") == [
        "The two passwords are not the same. Type the same password twice."
    ]
    assert OtpChallenge.objects.count() == 0


@pytest.mark.django_db
def test_an_id_that_already_has_an_account_is_refused_before_any_code(english_browser, person):
    make_account(person)

    response = english_browser.post(REGISTER, details(person, username="another.name"))

    assert summary_errors(response.text) == [
        "An account already exists for this ID number. Sign in or reset your password."
    ]
    assert OutboxSms.objects.count() == 0


@pytest.mark.django_db
def test_a_taken_username_is_shown_on_its_field(english_browser, person):
    make_account(PersonFactory(resident=True), username="Saad.Q")

    response = english_browser.post(REGISTER, details(person))

    assert field_errors(response.text, "username") == [
        "This username is taken. Choose another one."
    ]


@pytest.mark.django_db
def test_a_wrong_code_creates_no_account_and_says_how_many_tries_are_left(english_browser, person):
    english_browser.post(REGISTER, details(person))

    response = english_browser.post(VERIFY, {"code": other_code(last_code(SIGNUP_E164))})

    assert response.status_code == 200
    assert field_errors(response.text, "code") == [
        "The verification code is not correct.",
        "You can try 2 more times.",
    ]
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_send_again_waits_for_the_cool_down_then_replaces_the_code(
    english_browser, person, moved_clock
):
    english_browser.post(REGISTER, details(person))

    too_soon = english_browser.post(RESEND)

    assert too_soon.url == VERIFY
    assert status_messages(english_browser.get(VERIFY).text) == [
        "Please wait before requesting the code again."
    ]
    assert OutboxSms.objects.filter(to=SIGNUP_E164).count() == 1

    moved_clock(later(61))
    english_browser.post(RESEND)

    page = english_browser.get(VERIFY)
    assert status_messages(page.text) == ["A new code was sent. The previous code no longer works."]
    assert 'It is valid until <span class="nowrap">1:09 p.m.</span>, Riyadh time.' in page.text
    assert OutboxSms.objects.filter(to=SIGNUP_E164).count() == 2
    english_browser.post(VERIFY, {"code": last_code(SIGNUP_E164)})
    assert User.objects.get().username == "saad.q"
    assert OtpChallenge.objects.get().status == OtpStatus.VERIFIED


@pytest.mark.django_db
def test_the_code_page_without_a_pending_registration_goes_back_to_the_form(browser):
    assert browser.get(VERIFY).url == REGISTER
    assert browser.get(DONE).url == REGISTER
    assert browser.post(RESEND).url == REGISTER


@pytest.mark.django_db
def test_refusals_are_worded_in_arabic_on_the_arabic_page(browser, person):
    mismatch = browser.post(REGISTER, details(person, date_of_birth="1410/03/16"))
    browser.post(REGISTER, details(person))
    wrong_code = browser.post(VERIFY, {"code": other_code(last_code(SIGNUP_E164))})

    assert summary_errors(mismatch.text) == ["رقم الهوية وتاريخ الميلاد لا يطابقان سجلاتنا."]
    assert field_errors(wrong_code.text, "code") == [
        "رمز التحقق غير صحيح.",
        "المحاولات المتبقية: 2.",
    ]
