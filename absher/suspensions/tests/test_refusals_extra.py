import pytest

from absher.accounts.constants import StaffRole
from absher.accounts.models import Authority, StaffMember, User
from absher.audit.models import AuditEvent
from absher.core.errors import ApplicationError
from absher.suspensions.models import Suspension
from absher.suspensions.services import (
    CALL_CENTRE_MISMATCHES_PER_HOUR,
    suspension_place,
    suspensions_lookup_for_caller,
)

pytestmark = pytest.mark.django_db


def _place(person, **overrides):
    authority, _ = Authority.objects.get_or_create(
        code="court", defaults={"name_ar": "المحكمة", "name_en": "Court"}
    )
    fields = {
        "authority": authority,
        "id_number": person.id_number,
        "reference": "R-1",
        "reason_ar": "سبب",
        "reason_en": "Reason",
        "lift_procedure_ar": "مراجعة المحكمة",
        "lift_procedure_en": "Visit the court",
        "scope": "all",
        "actor_type": "system",
        "actor_id": "test",
    }
    fields.update(overrides)
    return suspension_place(**fields)


def test_a_service_that_cannot_be_suspended_is_refused_as_a_scope(person):
    with pytest.raises(ApplicationError) as refusal:
        _place(person, scope="service:suspensions_inquiry")

    assert refusal.value.code == "service_not_suspendable"
    assert Suspension.objects.count() == 0


def test_a_reason_over_two_thousand_characters_is_refused_as_too_long(person):
    with pytest.raises(ApplicationError) as refusal:
        _place(person, reason_en="x" * 2001)

    assert (refusal.value.code, refusal.value.extra) == ("text_too_long", {"field": "reason_en"})
    assert Suspension.objects.count() == 0


def test_call_centre_look_ups_that_do_not_match_are_capped_per_agent(person):
    agent_user = User.objects.create(username="agent.one")
    agent = StaffMember.objects.create(user=agent_user, role=StaffRole.CALL_CENTRE_AGENT)
    for _ in range(CALL_CENTRE_MISMATCHES_PER_HOUR):
        with pytest.raises(ApplicationError) as mismatch:
            suspensions_lookup_for_caller(
                agent=agent,
                id_number=person.id_number,
                date_of_birth="1970-01-01",
                calendar="gregorian",
            )
        assert mismatch.value.code == "identity_mismatch"

    with pytest.raises(ApplicationError) as capped:
        suspensions_lookup_for_caller(
            agent=agent,
            id_number=person.id_number,
            date_of_birth=person.date_of_birth.isoformat(),
            calendar="gregorian",
        )

    assert capped.value.code == "too_many_attempts"
    assert not AuditEvent.objects.filter(is_access=True).exists()
