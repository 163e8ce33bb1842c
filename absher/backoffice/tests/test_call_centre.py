"""The 19999 call centre: an agent verifies the caller by ID number and date of birth, then reads
the caller's active suspensions. Each look-up is in the person's "who looked at my data"; a
mismatch shows nothing and records nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from absher.audit.models import AuditEvent
from absher.audit.selectors import access_log_for
from absher.backoffice.tests.conftest import make_person
from absher.backoffice.tests.test_suspensions import make_suspension
from absher.catalog.models import Department, Service
from absher.identity.rules import hijri_from_gregorian
from absher.suspensions.constants import ScopeKind, SuspensionStatus

CALL_CENTRE = "/backoffice/call-centre/"
EN = {"accept-language": "en"}
AR = {"accept-language": "ar"}
BORN = dt.date(1992, 3, 8)


def verify(person, *, date_of_birth: str | None = None, calendar: str = "gregorian"):
    return {
        "id_number": person.id_number,
        "date_of_birth": date_of_birth or BORN.isoformat(),
        "calendar": calendar,
    }


@pytest.fixture
def suspended(authority, other_authority, person):
    """The caller: two active suspensions (court: all services; traffic: one department) and a
    lifted one that must not be shown."""
    make_suspension(authority, person, "CRT-1447-000381")
    make_suspension(
        other_authority,
        person,
        "TRF-1447-102233",
        reason_ar="مخالفات مرورية غير مسددة",
        reason_en="Unpaid traffic violations",
        lift_procedure_ar="سداد المخالفات عبر سداد",
        lift_procedure_en="Pay the violations through SADAD",
        scope_kind=ScopeKind.DEPARTMENT,
        scope_department=Department.objects.get(code="traffic"),
    )
    make_suspension(
        authority,
        person,
        "OLD-1440-1",
        status=SuspensionStatus.LIFTED,
        scope_kind=ScopeKind.SERVICE,
        scope_service=Service.objects.get(code="passport_renewal"),
    )
    return person


def test_the_verify_form_asks_for_id_date_of_birth_and_calendar(agent_client):
    response = agent_client.get(CALL_CENTRE, headers=AR)

    text = response.text
    assert response.status_code == 200
    assert '<label class="field__label" for="id_id_number">' in text
    assert '<legend class="field__label">' in text
    assert 'type="radio" name="calendar" value="hijri"' in text
    assert 'type="radio" name="calendar" value="gregorian"' in text
    assert "no-store" in response["Cache-Control"]


def test_a_gregorian_match_shows_the_active_suspensions_and_logs_the_look_up(
    agent, agent_client, suspended
):
    response = agent_client.post(CALL_CENTRE, verify(suspended), headers=EN)

    text = response.text
    assert response.status_code == 200
    assert "backoffice/call_centre/result.html" in [t.name for t in response.templates]
    assert "Caller verified: Noura Khalid Alotaibi." in text
    assert "The caller has 2 active suspensions." in text
    assert '<h2 class="panel__title">Riyadh General Court</h2>' in text
    assert '<dd><span dir="ltr">CRT-1447-000381</span></dd>' in text
    assert "<dd>All services</dd>" in text
    assert "<dd>A court judgment has not been carried out</dd>" in text
    assert "<dd>Visit the enforcement circuit</dd>" in text
    assert '<h2 class="panel__title">General Directorate of Traffic</h2>' in text
    assert "<dd>All services of Traffic</dd>" in text
    assert "<dd>Pay the violations through SADAD</dd>" in text
    assert "OLD-1440-1" not in text
    assert 'name="id_number"' not in text
    (entry,) = access_log_for(person=suspended)
    assert entry.action == "call_centre.suspensions_viewed"
    assert (entry.actor_type, entry.actor_id) == ("staff", str(agent.user_id))


def test_a_hijri_match_shows_the_suspensions_in_arabic(agent_client, suspended):
    born_hijri = hijri_from_gregorian(BORN).replace("-", "/")

    response = agent_client.post(
        CALL_CENTRE, verify(suspended, date_of_birth=born_hijri, calendar="hijri"), headers=AR
    )

    text = response.text
    assert "تم التحقق من هوية المتصل: نورة بنت خالد العتيبي." in text
    assert '<h2 class="panel__title">المحكمة العامة بالرياض</h2>' in text
    assert "<dd>جميع الخدمات</dd>" in text
    assert "<dd>حكم قضائي لم يُنفذ</dd>" in text
    assert "<dd>مراجعة دائرة التنفيذ</dd>" in text
    assert "<dd>جميع خدمات المرور</dd>" in text
    assert "<dd>سداد المخالفات عبر سداد</dd>" in text
    assert "على المتصل إيقافان ساريان." in text
    assert access_log_for(person=suspended).count() == 1


def test_a_caller_without_suspensions_is_told_so_and_the_look_up_is_logged(agent_client, person):
    response = agent_client.post(CALL_CENTRE, verify(person), headers=EN)

    assert "No suspended services: the caller has no active suspensions." in response.text
    assert access_log_for(person=person).count() == 1


def test_the_result_is_never_cached_and_has_no_address_of_its_own(agent_client, suspended):
    response = agent_client.post(CALL_CENTRE, verify(suspended), headers=EN)
    again = agent_client.get(CALL_CENTRE, headers=EN)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "CRT-1447-000381" not in again.text
    assert suspended.id_number not in again.text
    assert access_log_for(person=suspended).count() == 1


def test_a_wrong_date_of_birth_shows_nothing_and_logs_nothing(agent_client, suspended):
    response = agent_client.post(
        CALL_CENTRE, verify(suspended, date_of_birth="1992-03-09"), headers=EN
    )

    text = response.text
    assert response.status_code == 200
    assert "The ID number and date of birth do not match our records." in text
    assert '<div class="error-summary" role="alert"' in text
    assert "CRT-1447-000381" not in text
    assert "Noura" not in text
    assert "no-store" in response["Cache-Control"]
    assert access_log_for(person=suspended).count() == 0
    assert AuditEvent.objects.count() == 0


def test_the_right_date_in_the_wrong_calendar_does_not_match(agent_client, suspended):
    response = agent_client.post(
        CALL_CENTRE, verify(suspended, date_of_birth="1992/03/08", calendar="hijri"), headers=EN
    )

    assert "CRT-1447-000381" not in response.text
    assert access_log_for(person=suspended).count() == 0


def test_an_unknown_id_number_gets_the_same_answer_as_a_wrong_date(agent_client):
    ghost = make_person()
    data = verify(ghost)
    ghost.delete()

    response = agent_client.post(CALL_CENTRE, data, headers=EN)

    assert "The ID number and date of birth do not match our records." in response.text
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"id_number": "12345"}, "id_number", "10 digits"),
        ({"date_of_birth": "08/03/1992"}, "date_of_birth", "year-month-day"),
        ({"date_of_birth": "2990-01-01"}, "date_of_birth", "Gregorian dates are supported"),
        ({"id_number": ""}, "id_number", "Enter the caller&#x27;s ID number."),
        ({"date_of_birth": ""}, "date_of_birth", "Enter the caller&#x27;s date of birth."),
        ({"calendar": "julian"}, "calendar", "Select a valid choice."),
    ],
)
def test_malformed_input_is_refused_on_its_field(agent_client, person, data, field, message):
    response = agent_client.post(CALL_CENTRE, {**verify(person), **data}, headers=EN)

    assert response.status_code == 200
    assert message in response.text
    assert f'aria-describedby="id_{field}_' in response.text or (
        field == "calendar" and 'class="field field--error"' in response.text
    )
    assert AuditEvent.objects.count() == 0
