"""POST /api/v1/auth/register and …/register/verify: every refusal of SPEC 4 and 13."""

import pytest

from absher.accounts.models import OtpChallenge, User
from absher.accounts.tests.support import (
    PASSWORD,
    SIGNUP_E164,
    last_code,
    make_person,
    register,
    register_body,
)
from absher.identity.rules import hijri_from_gregorian, id_number_with_check_digit
from absher.notifications.models import OutboxSms

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
VERIFY = "/api/v1/auth/register/verify"
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _nothing_sent_or_created() -> None:
    assert OutboxSms.objects.count() == 0
    assert OtpChallenge.objects.count() == 0
    assert User.objects.count() == 0


def test_register_answers_201_with_a_challenge_and_texts_a_code_to_the_mobile(api, person):
    response = api.post(REGISTER, register_body(person))

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"challenge_id", "expires_at", "sent_to"}
    assert body["sent_to"] == "+9665•••••233"
    assert OtpChallenge.objects.get(public_id=body["challenge_id"]).purpose == "register"
    assert len(last_code(SIGNUP_E164)) == 6
    assert User.objects.count() == 0


def test_register_verify_creates_a_registered_account(api, person):
    account = register(api, person)

    assert account["status"] == "registered"
    assert account["id_number"] == person.id_number
    assert account["id_type"] == "citizen"
    assert account["activation_method"] is None
    user = User.objects.get(username="saad.q")
    assert user.person == person
    assert user.mobile == SIGNUP_E164
    assert user.check_password(PASSWORD)


def test_hijri_date_of_birth_in_arabic_indic_digits_is_accepted(api, person):
    hijri = hijri_from_gregorian(person.date_of_birth).translate(ARABIC_DIGITS)
    id_number = person.id_number.translate(ARABIC_DIGITS)

    response = api.post(
        REGISTER,
        register_body(person, id_number=id_number, date_of_birth=hijri, calendar="hijri"),
    )

    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("id_number", "date_of_birth", "code"),
    [
        ("123", "1990-05-17", "invalid_id_number"),
        ("1000000000", "1990-05-17", "invalid_id_number"),  # wrong check digit
        ("3000000004", "1990-05-17", "invalid_id_number"),  # neither citizen nor resident
        ("1000000000", "1990-02-30", "invalid_id_number"),  # the ID is judged first
        (id_number_with_check_digit("199999999"), "1990-02-30", "invalid_date"),
        (id_number_with_check_digit("199999999"), "17/05/1990x", "invalid_date"),
    ],
)
def test_malformed_id_or_impossible_date_is_refused_for_that_reason(
    api, person, id_number, date_of_birth, code
):
    response = api.post(
        REGISTER, register_body(person, id_number=id_number, date_of_birth=date_of_birth)
    )

    assert response.status_code == 422
    assert response.json()["code"] == code
    _nothing_sent_or_created()


def test_impossible_hijri_date_is_invalid_date_not_a_mismatch(api, person):
    response = api.post(
        REGISTER, register_body(person, date_of_birth="1445-13-01", calendar="hijri")
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_date"


def test_unknown_id_and_wrong_date_of_birth_get_the_same_answer(api, person):
    unknown = api.post(
        REGISTER, register_body(person, id_number=id_number_with_check_digit("188888888"))
    )
    wrong_birthday = api.post(REGISTER, register_body(person, date_of_birth="1990-05-18"))

    assert unknown.status_code == wrong_birthday.status_code == 422
    assert unknown.json() == wrong_birthday.json()
    assert unknown.json()["code"] == "identity_mismatch"
    assert unknown.json()["details"] == {}
    _nothing_sent_or_created()


def test_an_id_with_an_account_is_refused_before_any_code_is_sent(api, person):
    register(api, person)
    texts_before = OutboxSms.objects.count()
    challenges_before = OtpChallenge.objects.count()

    response = api.post(REGISTER, register_body(person, username="someone.else"))

    assert response.status_code == 409
    assert response.json()["code"] == "account_exists"
    assert OutboxSms.objects.count() == texts_before
    assert OtpChallenge.objects.count() == challenges_before


def test_a_taken_username_is_refused_whatever_its_case(api, person):
    register(api, person)
    other = make_person()

    response = api.post(REGISTER, register_body(other, username="SAAD.Q"))

    assert response.status_code == 409
    assert response.json()["code"] == "username_taken"
    assert not OtpChallenge.objects.filter(id_number=other.id_number).exists()


@pytest.mark.parametrize("username", ["ab", "1234567", "سعد", "saad q", "_saad"])
def test_a_malformed_username_is_refused(api, person, username):
    response = api.post(REGISTER, register_body(person, username=username))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_username"
    _nothing_sent_or_created()


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Ab1cdef", "password_too_short"),
        ("sahara2030ok", "password_character_classes"),
        ("SAHARA2030OK", "password_character_classes"),
        ("SaharaDesertOk", "password_character_classes"),
        ("Password1", "password_too_common"),
        ("Saad.Q2030xy", "password_contains_username"),
    ],
)
def test_each_password_rule_is_enforced(api, person, password, rule):
    response = api.post(REGISTER, register_body(person, password=password))

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "weak_password"
    assert body["details"]["rules"] == [rule]
    assert len(body["details"]["problems"]) == 1
    _nothing_sent_or_created()


@pytest.mark.parametrize("digits", ["western", "arabic_indic"])
def test_a_password_containing_the_id_number_is_refused(api, person, digits):
    id_number = person.id_number
    if digits == "arabic_indic":
        id_number = id_number.translate(ARABIC_DIGITS)

    response = api.post(REGISTER, register_body(person, password=f"Xy{id_number}"))

    assert response.status_code == 422
    assert response.json()["details"]["rules"] == ["password_contains_id"]
    assert response.json()["details"]["problems"] == [
        "The password must not contain your ID number."
    ]


def test_a_password_breaking_several_rules_lists_every_problem_in_the_callers_language(api, person):
    response = api.post(
        REGISTER, register_body(person, password="saad.q"), headers={"Accept-Language": "ar"}
    )

    details = response.json()["details"]
    assert set(details["rules"]) == {
        "password_too_short",
        "password_character_classes",
        "password_contains_username",
    }
    assert "يجب ألا تحتوي كلمة المرور على اسم المستخدم." in details["problems"]


@pytest.mark.parametrize("mobile", ["0412345678", "12345", "+14155552671", "05-FLOWERS"])
def test_a_number_that_is_not_a_saudi_mobile_is_refused(api, person, mobile):
    response = api.post(REGISTER, register_body(person, mobile=mobile))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_mobile"
    _nothing_sent_or_created()


def test_a_malformed_email_is_refused(api, person):
    response = api.post(REGISTER, register_body(person, email="not-an-email"))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_email"


def test_missing_fields_are_a_validation_error_not_a_500(api):
    response = api.post(REGISTER, {"id_number": "1"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_refusals_speak_arabic_by_default_and_english_when_asked(api, person):
    body = register_body(person, date_of_birth="1990-05-18")

    arabic = api.post(REGISTER, body, headers={"Accept-Language": ""})
    english = api.post(REGISTER, body, headers={"Accept-Language": "en"})

    assert arabic.json()["message"] == "رقم الهوية وتاريخ الميلاد لا يطابقان سجلاتنا."
    assert english.json()["message"] == "The ID number and date of birth do not match our records."


def test_the_code_is_texted_in_the_language_of_the_request(api, person):
    api.post(REGISTER, register_body(person), headers={"Accept-Language": "ar"})

    text = OutboxSms.objects.get(to=SIGNUP_E164).body
    assert text.startswith("أبشر: رمز التحقق")
    assert "إنشاء حسابك في أبشر" in text
    assert PASSWORD not in text
