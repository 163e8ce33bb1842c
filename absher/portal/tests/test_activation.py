"""Activating e-services for the account: the four ways explained; by national ID + date of birth
+ a code to the registry's mobile; by a one-time activation code."""

import re

import pytest

from absher.accounts.constants import AccountStatus, ActivationMethod, OtpPurpose, PartnerKind
from absher.accounts.models import OtpChallenge, Partner, User
from absher.accounts.services.activation import activation_by_bank
from absher.identity.tests.factories import PersonFactory
from absher.notifications.models import OutboxSms
from absher.portal.tests.conftest import (
    BORN_HIJRI,
    SIGNUP_E164,
    field_errors,
    h1,
    last_code,
    make_account,
    other_code,
    summary_errors,
)

ACTIVATION = "/activation/"
NATIONAL_ID = "/activation/national-id/"
VERIFY = "/activation/verify/"
CODE = "/activation/code/"
DONE = "/activation/done/"


def identity(person, **overrides):
    data = {"id_number": person.id_number, "date_of_birth": BORN_HIJRI, "calendar": "hijri"}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_page_explains_the_four_ways_to_activate(browser, registered):
    response = browser.sign_in_as(registered).get(ACTIVATION)

    assert response.status_code == 200
    assert h1(response.text) == "تفعيل الخدمات الإلكترونية"
    assert re.findall(r'<h2 class="method__title" id="[^"]+">([^<]+)</h2>', response.text) == [
        "برقم الهوية وتاريخ الميلاد",
        "عن طريق بنكك",
        "برمز تفعيل يصلك في رسالة نصية",
        "في أحد مكاتب أبشر",
    ]
    assert '<form class="form" action="/activation/national-id/" method="post" novalidate>' in (
        response.text
    )
    assert '<form class="form" action="/activation/code/" method="post" novalidate>' in (
        response.text
    )


@pytest.mark.django_db
def test_activate_with_the_national_id_and_a_code_sent_to_the_registry_mobile(
    browser, registered, person
):
    browser.sign_in_as(registered)

    started = browser.post(NATIONAL_ID, identity(person, date_of_birth="١٤١٠/٠٣/١٥"))

    assert started.url == VERIFY
    assert OutboxSms.objects.filter(to=person.mobile).count() == 1
    assert OutboxSms.objects.filter(to=SIGNUP_E164).count() == 0
    page = browser.get(VERIFY)
    assert h1(page.text) == "تفعيل الخدمات الإلكترونية: أدخل رمز التحقق"
    assert (
        "أرسلنا رمزًا من 6 أرقام إلى رقم الجوال المسجل لهويتك في السجل الوطني"
        ' <bdi dir="ltr">+9665•••••567</bdi>.'
    ) in page.text

    done = browser.post(VERIFY, {"code": last_code(person.mobile)})

    assert done.url == DONE
    account = User.objects.get()
    assert account.status == AccountStatus.ACTIVE
    assert account.activation_method == ActivationMethod.NATIONAL_ID
    page = browser.get(DONE)
    assert h1(page.text) == "تم تفعيل الخدمات الإلكترونية"
    assert '<a class="button" href="/services/">الانتقال إلى خدماتي الإلكترونية</a>' in page.text
    assert browser.get("/services/").status_code == 200


@pytest.mark.django_db
def test_a_date_of_birth_that_does_not_match_sends_no_code(english_browser, registered, person):
    english_browser.sign_in_as(registered)

    response = english_browser.post(NATIONAL_ID, identity(person, date_of_birth="1410/03/16"))

    assert response.status_code == 200
    assert summary_errors(response.text) == [
        "The ID number and date of birth do not match our records."
    ]
    assert OtpChallenge.objects.count() == 0
    assert User.objects.get().status == AccountStatus.REGISTERED


@pytest.mark.django_db
def test_another_persons_id_cannot_activate_my_account(english_browser, registered):
    someone = PersonFactory(date_of_birth=registered.person.date_of_birth)
    english_browser.sign_in_as(registered)

    response = english_browser.post(NATIONAL_ID, identity(someone))

    assert summary_errors(response.text) == [
        "The ID number and date of birth do not match our records."
    ]
    assert OutboxSms.objects.count() == 0


@pytest.mark.django_db
def test_an_impossible_hijri_date_is_shown_on_its_field(english_browser, registered, person):
    english_browser.sign_in_as(registered)

    response = english_browser.post(NATIONAL_ID, identity(person, date_of_birth="1410/13/01"))

    assert field_errors(response.text, "date_of_birth") == [
        "A Hijri month is numbered from 1 to 12."
    ]


@pytest.mark.django_db
def test_a_wrong_code_leaves_the_account_registered(english_browser, registered, person):
    english_browser.sign_in_as(registered)
    english_browser.post(NATIONAL_ID, identity(person))

    response = english_browser.post(VERIFY, {"code": other_code(last_code(person.mobile))})

    assert field_errors(response.text, "code") == [
        "The verification code is not correct.",
        "You can try 2 more times.",
    ]
    assert User.objects.get().status == AccountStatus.REGISTERED
    assert OtpChallenge.objects.get().purpose == OtpPurpose.ACTIVATE


@pytest.mark.django_db
def test_activate_with_a_one_time_code_from_the_bank(browser, person):
    bank = Partner.objects.create(
        code="demo-bank", kind=PartnerKind.BANK, name="Demo bank", secret="demo-bank-secret"
    )
    issued = activation_by_bank(
        partner=bank, id_number=person.id_number, bank_customer_reference="C1"
    )
    account = make_account(person)
    browser.sign_in_as(account)

    done = browser.post(CODE, {"code": issued.activation_code})

    assert done.url == DONE
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert account.activation_method == ActivationMethod.SMS_CODE


@pytest.mark.django_db
def test_a_wrong_activation_code_is_shown_on_its_field(english_browser, registered):
    english_browser.sign_in_as(registered)

    response = english_browser.post(CODE, {"code": "12345678"})

    assert response.status_code == 200
    assert field_errors(response.text, "code") == [
        "The activation code is not correct, was already used or has expired."
    ]
    assert User.objects.get().status == AccountStatus.REGISTERED


@pytest.mark.django_db
def test_an_activated_account_sees_how_it_was_activated_and_no_forms(browser, activated):
    response = browser.sign_in_as(activated).get(ACTIVATION)

    assert '<p class="confirmation__text">الخدمات الإلكترونية مفعّلة لحسابك.</p>' in response.text
    assert "<dd>برقم الهوية وتاريخ الميلاد ورمز مرسل إلى الجوال</dd>" in response.text
    assert '<form class="form"' not in response.text


@pytest.mark.django_db
def test_the_code_and_done_pages_need_a_started_activation(browser, registered):
    browser.sign_in_as(registered)

    assert browser.get(VERIFY).url == ACTIVATION
    assert browser.get(DONE).url == ACTIVATION
    assert browser.get(NATIONAL_ID).url == ACTIVATION
