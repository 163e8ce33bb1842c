"""Who looked at my data (من اطّلع على بياناتي): each look-up in words, in the page's language: a
19999 call-centre agent who read the person's suspended services, an Absher office officer (with
the office) who looked the person up to activate e-services, and any other look-up in general
words."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.accounts.constants import StaffRole
from absher.accounts.models import Office, StaffMember, User
from absher.audit.services import audit_record_access
from absher.identity.tests.factories import PersonFactory
from absher.portal.tests.conftest import BORN, T0, h1
from absher.suspensions.services import suspensions_lookup_for_caller

PAGE = "/access-log/"


@pytest.fixture
def agent(db: None) -> StaffMember:
    user = User.objects.create(username="agent.19999", mobile="+966551230003")
    return StaffMember.objects.create(user=user, role=StaffRole.CALL_CENTRE_AGENT)


@pytest.fixture
def olaya(db: None) -> Office:
    return Office.objects.create(
        code="riyadh-olaya", name_ar="مكتب أبشر بالعليا", name_en="Absher office, Olaya"
    )


def officer_looks_up(person, office_code: str = "riyadh-olaya") -> None:
    """As the back office records an officer's look-up (office activation)."""
    audit_record_access(
        action="office_activation.person_looked_up",
        actor_type="staff",
        actor_id="7",
        person=person,
        subject_type="person",
        subject_id=str(person.pk),
        data={
            "actor_label": f"موظف مكتب أبشر — {office_code}",
            "office": office_code,
            "purpose": "office_activation",
        },
    )


def agent_looks_up(agent: StaffMember, person) -> None:
    suspensions_lookup_for_caller(
        agent=agent,
        id_number=person.id_number,
        date_of_birth=BORN.strftime("%Y/%m/%d"),
        calendar="gregorian",
    )


def rows(html: str) -> list[tuple[str, ...]]:
    body = html.split("<tbody", 1)[1].split("</tbody>")[0] if "<tbody" in html else ""
    found = [
        re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]
    return [tuple(re.sub(r"<[^>]+>", "", cell) for cell in row) for row in found]


@pytest.mark.django_db
def test_a_call_centre_look_up_and_an_officer_look_up_newest_first(
    browser, registered, agent, olaya, moved_clock
):
    moved_clock(T0 - dt.timedelta(days=1, hours=2))
    officer_looks_up(registered.person)
    officer_looks_up(PersonFactory())
    moved_clock(T0)
    agent_looks_up(agent, registered.person)

    html = browser.sign_in_as(registered).get(PAGE).text

    assert h1(html) == "من اطّلع على بياناتي"
    assert rows(html) == [
        (
            "1 مارس، 2026 1:05 م",
            "موظف مركز الاتصال (19999)",
            "اطّلع على خدماتك الموقوفة بعد أن أدلى المتصل برقم هويتك وتاريخ ميلادك",
        ),
        (
            "28 فبراير، 2026 11:05 ص",
            "موظف مكتب أبشر — مكتب أبشر بالعليا",
            "اطّلع على سجلك في السجل الوطني لتفعيل الخدمات الإلكترونية حضوريًا في أحد مكاتب أبشر",
        ),
    ]
    assert '<time datetime="2026-03-01T10:05:00+00:00">' in html


@pytest.mark.django_db
def test_the_same_look_ups_in_english(english_browser, registered, agent, olaya):
    officer_looks_up(registered.person)
    agent_looks_up(agent, registered.person)

    html = english_browser.sign_in_as(registered).get(PAGE).text

    assert rows(html) == [
        (
            "March 1, 2026 1:05 p.m.",
            "Call-centre agent (19999)",
            "Looked at your suspended services, after the caller gave your ID number and "
            "date of birth",
        ),
        (
            "March 1, 2026 1:05 p.m.",
            "Absher office officer — Absher office, Olaya",
            "Looked up your registry record to activate e-services in person at an Absher office",
        ),
    ]


@pytest.mark.django_db
def test_an_office_that_no_longer_exists_is_named_by_its_code(browser, registered):
    officer_looks_up(registered.person, office_code="jeddah-rawdah")

    html = browser.sign_in_as(registered).get(PAGE).text

    assert [row[1] for row in rows(html)] == ["موظف مكتب أبشر — jeddah-rawdah"]


@pytest.mark.django_db
def test_a_look_up_without_words_of_its_own_is_still_listed(browser, registered):
    audit_record_access(
        action="bank_activation.person_verified",
        actor_type="partner",
        actor_id="alrajhi",
        person=registered.person,
        data={"actor_label": "مصرف الراجحي"},
    )

    html = browser.sign_in_as(registered).get(PAGE).text

    assert rows(html) == [("1 مارس، 2026 1:05 م", "جهة مرتبطة — مصرف الراجحي", "اطّلع على بياناتك")]


@pytest.mark.django_db
def test_an_empty_access_log(browser, registered):
    html = browser.sign_in_as(registered).get(PAGE).text

    assert '<p class="empty">لم يطّلع أحد على بياناتك.</p>' in html
    assert rows(html) == []


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_look_ups(browser, registered, agent, olaya):
    browser.sign_in_as(registered)
    officer_looks_up(registered.person)
    agent_looks_up(agent, registered.person)
    browser.get(PAGE)
    with CaptureQueriesContext(connection) as two:
        browser.get(PAGE)
    Office.objects.create(code="jeddah-rawdah", name_ar="مكتب أبشر بالروضة", name_en="Rawdah")
    for _ in range(3):
        officer_looks_up(registered.person, office_code="jeddah-rawdah")
        agent_looks_up(agent, registered.person)
    officer_looks_up(registered.person)

    with CaptureQueriesContext(connection) as nine:
        response = browser.get(PAGE)

    assert len(rows(response.text)) == 9
    assert len(nine.captured_queries) == len(two.captured_queries)
