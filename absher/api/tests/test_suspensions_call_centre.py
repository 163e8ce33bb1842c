"""The 19999 call centre: an agent verifies the caller by ID number and date of birth, then reads
the caller's active suspensions. Each look-up is in the audit log and in the person's "who looked
at my data" (GET /api/v1/me/access-log); a failed verification shows nothing, records no access."""

import datetime as dt

import pytest

from absher.accounts.constants import StaffRole
from absher.accounts.tests.support import T0
from absher.audit.models import AuditEvent
from absher.core.errors import ApplicationError
from absher.identity.rules import hijri_from_gregorian, id_number_with_check_digit
from absher.suspensions.services import suspension_lift, suspensions_lookup_for_caller
from absher.suspensions.tests.helpers import (
    account,
    authority_partner,
    call_centre_agent,
    place,
    signed_in,
    snapshot,
    staff,
)

pytestmark = pytest.mark.django_db

ACCESS_LOG = "/api/v1/me/access-log"


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def court(db):
    return authority_partner("test-court").authority


@pytest.fixture
def agent(db):
    return call_centre_agent()


def _look_up(agent, person, born=None, calendar="gregorian"):
    return suspensions_lookup_for_caller(
        agent=agent,
        id_number=person.id_number,
        date_of_birth=born or person.date_of_birth.isoformat(),
        calendar=calendar,
    )


def test_a_verified_caller_hears_their_active_suspensions(agent, person, court):
    active = place(court, person, "CRT-1", "all")
    lifted = place(court, person, "CRT-2", "department:traffic")
    suspension_lift(authority=court, reference=lifted.reference, actor_type="system", actor_id="t")

    found, suspensions = _look_up(agent, person)

    assert found == person
    assert suspensions == [active]


def test_the_look_up_is_in_the_persons_access_log(api, agent, person, court):
    place(court, person, "CRT-1")
    _look_up(agent, person)
    signed_in(api, account(person))

    response = api.get(ACCESS_LOG)

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "occurred_at": "2026-03-01T10:05:00Z",
                "action": "call_centre.suspensions_viewed",
                "actor_type": "staff",
                "actor": "call_centre_19999",
            }
        ]
    }
    event = AuditEvent.objects.get(action="call_centre.suspensions_viewed")
    assert (event.actor_id, event.person, event.is_access) == (str(agent.user_id), person, True)
    assert event.data == {"actor_label": "call_centre_19999", "count": 1}


def test_a_look_up_without_suspensions_is_logged_too(agent, person):
    found, suspensions = _look_up(agent, person)

    assert (found, suspensions) == (person, [])
    assert AuditEvent.objects.get(action="call_centre.suspensions_viewed").data["count"] == 0


def test_a_hijri_date_of_birth_verifies_the_caller(agent, person, court):
    place(court, person, "CRT-1")

    _, suspensions = _look_up(agent, person, hijri_from_gregorian(person.date_of_birth), "hijri")

    assert [s.reference for s in suspensions] == ["CRT-1"]


def test_a_wrong_date_of_birth_shows_nothing_and_records_no_access(api, agent, person, court):
    place(court, person, "CRT-1")
    before = snapshot()

    with pytest.raises(ApplicationError) as refusal:
        _look_up(agent, person, (person.date_of_birth + dt.timedelta(days=1)).isoformat())

    assert refusal.value.code == "identity_mismatch"
    assert snapshot() == before
    signed_in(api, account(person))
    assert api.get(ACCESS_LOG).json() == {"items": []}


def test_an_unknown_id_number_gets_the_same_answer_as_a_wrong_date(agent, person):
    before = snapshot()

    with pytest.raises(ApplicationError) as refusal:
        suspensions_lookup_for_caller(
            agent=agent,
            id_number=id_number_with_check_digit("166666666"),
            date_of_birth=person.date_of_birth.isoformat(),
            calendar="gregorian",
        )

    assert refusal.value.code == "identity_mismatch"
    assert snapshot() == before


def test_only_a_call_centre_agent_may_look_up(person, court):
    clerk = staff("clerk.court", StaffRole.AUTHORITY_CLERK, authority=court)
    place(court, person, "CRT-1")
    before = snapshot()

    with pytest.raises(ApplicationError) as refusal:
        _look_up(clerk, person)

    assert refusal.value.code == "not_a_call_centre_agent"
    assert snapshot() == before
