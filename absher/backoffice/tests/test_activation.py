"""Activation in person at an office (S2d): find the person, record the documents, activate."""

from __future__ import annotations

import pytest
from django.utils import translation

from absher.accounts.constants import AccountStatus, ActivationMethod, StaffRole
from absher.accounts.models import ActivationCode, OfficeActivation
from absher.audit.models import AuditEvent
from absher.audit.selectors import access_log_for
from absher.backoffice.tests.conftest import make_account, make_person
from absher.notifications.models import OutboxSms

FIND = "/backoffice/activation/"
ACTIVATE = "/backoffice/activation/activate/"
DONE = "/backoffice/activation/done/"
EN = {"accept-language": "en"}


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    def send(client, path, data, headers=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, headers=headers or EN)

    return send


def test_officer_finds_a_person_and_sees_only_what_is_needed(officer_client, person, post):
    make_account(person)

    response = post(officer_client, FIND, {"id_number": person.id_number})

    assert response.status_code == 200
    assert '<span lang="ar" dir="rtl">نورة بنت خالد العتيبي</span>' in response.text
    assert '<span lang="en" dir="ltr">Noura Khalid Alotaibi</span>' in response.text
    assert "<dd>National ID (citizen)</dd>" in response.text
    assert '<dd><span dir="ltr">+9665•••••321</span></dd>' in response.text
    assert "+966507654321" not in response.text
    assert "<dd>Account exists, e-services not activated yet</dd>" in response.text
    assert 'name="documents_checked" value="national_id_card"' in response.text


def test_the_look_up_appears_in_the_persons_access_log(officer, officer_client, person, post):
    post(officer_client, FIND, {"id_number": person.id_number})

    (entry,) = access_log_for(person=person)
    with translation.override("ar"):
        label = f"{StaffRole.OFFICER.label} — riyadh-olaya"
    assert entry.action == "office_activation.person_looked_up"
    assert (entry.actor_type, entry.actor_id) == ("staff", str(officer.user_id))
    assert entry.data == {
        "actor_label": label,
        "office": "riyadh-olaya",
        "purpose": "office_activation",
    }


def test_id_number_in_arabic_indic_digits_is_found(officer_client, person, post):
    arabic_digits = person.id_number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    response = post(officer_client, FIND, {"id_number": arabic_digits})

    assert "Noura Khalid Alotaibi" in response.text
    assert access_log_for(person=person).count() == 1


def test_unknown_id_number_is_refused_and_nothing_is_logged(officer_client, person, post):
    unknown = make_person()
    unknown_id = unknown.id_number
    unknown.delete()

    response = post(officer_client, FIND, {"id_number": unknown_id})

    assert response.status_code == 200
    assert "No person with this ID number is in the registry." in response.text
    assert 'aria-describedby="id_id_number_helptext id_id_number_error"' in response.text
    assert AuditEvent.objects.filter(is_access=True).count() == 0


def test_malformed_id_number_is_refused_with_the_rule(officer_client, post):
    response = post(officer_client, FIND, {"id_number": "1234"})

    assert "An ID number has exactly 10 digits." in response.text
    assert AuditEvent.objects.filter(is_access=True).count() == 0


def test_officer_activates_a_registered_account(officer, officer_client, person, post):
    account = make_account(person)

    response = post(
        officer_client,
        ACTIVATE,
        {"id_number": person.id_number, "documents_checked": ["national_id_card", "family_card"]},
    )

    assert response.status_code == 302
    assert response.url == DONE
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert account.activation_method == ActivationMethod.OFFICE
    record = OfficeActivation.objects.get()
    assert (record.user, record.officer, record.office_id) == (account, officer, officer.office_id)
    assert record.documents_checked == ["family_card", "national_id_card"]
    done = officer_client.get(DONE, headers=EN)
    assert (
        "E-services are now activated for Noura Khalid Alotaibi. The person can use e-services "
        "straight away."
    ) in done.text
    assert officer_client.get(DONE).url == FIND


def test_result_page_speaks_arabic(officer_client, person, post):
    make_account(person)
    post(officer_client, ACTIVATE, {"id_number": person.id_number, "documents_checked": ["iqama"]})

    done = officer_client.get(DONE)

    assert '<html lang="ar" dir="rtl">' in done.text
    assert (
        "تم تفعيل الخدمات الإلكترونية لحساب نورة بنت خالد العتيبي، ويمكن استخدامها الآن مباشرة."
    ) in done.text


def test_person_without_account_gets_an_activation_code_by_sms(
    officer, officer_client, person, post
):
    response = post(
        officer_client, ACTIVATE, {"id_number": person.id_number, "documents_checked": ["passport"]}
    )

    assert response.url == DONE
    code = ActivationCode.objects.get(person=person)
    assert code.issued_by_office == officer.office
    sms = OutboxSms.objects.get()
    assert sms.to == "+966507654321"
    done = officer_client.get(DONE, headers=EN)
    assert (
        "The person has no Absher account yet. An activation code was sent by SMS to the "
        'registered mobile <span dir="ltr">+9665•••••321</span>.'
    ) in done.text


def test_no_documents_is_refused_and_nothing_changes(officer_client, person, post):
    account = make_account(person)

    response = post(officer_client, ACTIVATE, {"id_number": person.id_number})

    assert response.status_code == 200
    assert "Record which of the person&#x27;s original documents you checked." in response.text
    assert 'aria-describedby="id_documents_checked_helptext id_documents_checked_error"' in (
        response.text
    )
    account.refresh_from_db()
    assert account.status == AccountStatus.REGISTERED
    assert OfficeActivation.objects.count() == 0
    assert ActivationCode.objects.count() == 0
    assert OutboxSms.objects.count() == 0


def test_unknown_document_is_refused_and_nothing_changes(officer_client, person, post):
    account = make_account(person)

    response = post(
        officer_client,
        ACTIVATE,
        {"id_number": person.id_number, "documents_checked": ["driving_licence"]},
    )

    assert "Select a valid choice. driving_licence is not one of the available choices." in (
        response.text
    )
    account.refresh_from_db()
    assert account.status == AccountStatus.REGISTERED
    assert OfficeActivation.objects.count() == 0


def test_activating_an_unknown_id_is_refused_and_nothing_changes(officer_client, person, post):
    unknown = make_person()
    unknown_id = unknown.id_number
    unknown.delete()

    response = post(
        officer_client, ACTIVATE, {"id_number": unknown_id, "documents_checked": ["passport"]}
    )

    assert response.status_code == 200
    assert "No person with this ID number is in the registry." in response.text
    assert ActivationCode.objects.count() == 0
    assert OutboxSms.objects.count() == 0


def test_an_activated_account_is_not_activated_twice(officer_client, person, post):
    account = make_account(person, status=AccountStatus.ACTIVE)

    page = post(officer_client, FIND, {"id_number": person.id_number})
    refused = post(
        officer_client, ACTIVATE, {"id_number": person.id_number, "documents_checked": ["passport"]}
    )

    assert "Nothing to do: e-services are already activated for this person." in page.text
    assert 'action="/backoffice/activation/activate/"' not in page.text
    assert "E-services are already activated for this account." in refused.text
    account.refresh_from_db()
    assert account.activation_method == ""
    assert OfficeActivation.objects.count() == 0
