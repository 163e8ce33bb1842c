"""The suspension rules as unit tests: which services a scope covers (over the whole catalogue), the
scope notation, idempotent placing, lifting, the authority's own list, and notifications when the
registry has no usable mobile."""

import pytest
from django.utils import translation

from absher.accounts.tests.support import T0, make_person, sms_to
from absher.audit.models import AuditEvent
from absher.catalog.availability import blocks_for, service_start_check
from absher.catalog.models import Department, Service
from absher.core.errors import ApplicationError, InvalidInput
from absher.notifications.models import Message, SmsMessage
from absher.suspensions import services
from absher.suspensions.constants import ScopeKind
from absher.suspensions.selectors import (
    suspension_get_for_authority,
    suspensions_active_for,
    suspensions_of_authority,
)
from absher.suspensions.services import scope_parse, suspension_lift
from absher.suspensions.tests.helpers import (
    LIFT_AR,
    LIFT_EN,
    REASON_AR,
    REASON_EN,
    account,
    authority_partner,
    place,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def court(db):
    return authority_partner("test-court").authority


@pytest.fixture
def traffic(db):
    return authority_partner("test-traffic").authority


def _scopes() -> list[str]:
    departments = [f"department:{d.code}" for d in Department.objects.all()]
    services = [f"service:{s.code}" for s in Service.objects.filter(is_suspendable=True)]
    return ["all", *departments, *services]


def _expected_to_cover(scope: str, service: Service) -> bool:
    if not service.is_suspendable:
        return False
    kind, _, code = scope.partition(":")
    if kind == "department":
        return service.department.code == code
    if kind == "service":
        return service.code == code
    return True


def test_every_scope_covers_exactly_what_it_names_across_the_catalogue(person, court):
    services = list(Service.objects.select_related("department"))
    for n, scope in enumerate(_scopes()):
        place(court, person, f"R-{n}", scope)

        blocked = set(blocks_for(person=person, services=services))

        assert blocked == {s.code for s in services if _expected_to_cover(scope, s)}, scope
        suspension_lift(authority=court, reference=f"R-{n}", actor_type="system", actor_id="t")


@pytest.mark.parametrize(
    ("text", "kind", "notation"),
    [
        ("all", ScopeKind.ALL, "all"),
        ("  all ", ScopeKind.ALL, "all"),
        ("department:traffic", ScopeKind.DEPARTMENT, "department:traffic"),
        ("service:passport_renewal", ScopeKind.SERVICE, "service:passport_renewal"),
    ],
)
def test_scope_parse_reads_the_api_notation(text, kind, notation):
    scope = scope_parse(text)

    assert scope.kind == kind
    assert scope.notation == notation


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("department:atlantis", "unknown_department"),
        ("service:teleportation", "unknown_service"),
        ("service", "invalid_scope"),
        (":traffic", "invalid_scope"),
        ("Department:traffic", "invalid_scope"),
        ("", "invalid_scope"),
    ],
)
def test_scope_parse_refuses_what_it_cannot_read(text, code):
    with pytest.raises(InvalidInput) as refusal:
        scope_parse(text)

    assert refusal.value.code == code


def test_a_person_with_no_suspension_may_start_everything(person):
    for service in Service.objects.all():
        service_start_check(person=person, service=service)


def test_the_refusal_message_speaks_the_language_it_is_shown_in(person, court):
    court.name_ar, court.name_en = "المحكمة العامة بالرياض", "General Court, Riyadh"
    court.save()
    place(court, person, "CRT-7")

    with pytest.raises(ApplicationError) as refusal:
        service_start_check(person=person, service=Service.objects.get(code="passport_renewal"))

    with translation.override("en"):
        assert str(refusal.value.message).startswith(
            "This service is suspended for you by General Court, Riyadh (reference CRT-7)."
        )
    with translation.override("ar"):
        assert str(refusal.value.message).startswith(
            "هذه الخدمة موقوفة عنك من قِبل المحكمة العامة بالرياض (المرجع CRT-7)."
        )


def test_the_newest_covering_suspension_is_the_one_named(person, court, traffic, moved_clock):
    place(court, person, "CRT-OLD", "all")
    moved_clock(T0.replace(hour=11))
    place(traffic, person, "TRF-NEW", "department:passports")

    with pytest.raises(ApplicationError) as refusal:
        service_start_check(person=person, service=Service.objects.get(code="passport_renewal"))

    assert refusal.value.extra["reference"] == "TRF-NEW"


def test_a_lift_by_staff_records_the_clerk(person, court):
    place(court, person, "CRT-1")

    lifted = suspension_lift(authority=court, reference="CRT-1", actor_type="staff", actor_id="42")

    assert (lifted.status, lifted.lifted_by_type, lifted.lifted_by_id) == ("lifted", "staff", "42")
    assert AuditEvent.objects.get(action="suspension.lifted").actor_id == "42"
    assert list(suspensions_active_for(person=person)) == []


def test_lifting_another_authoritys_suspension_changes_nothing(person, court, traffic):
    place(court, person, "CRT-1")
    before = snapshot()

    with pytest.raises(ApplicationError) as refusal:
        suspension_lift(authority=traffic, reference="CRT-1", actor_type="staff", actor_id="7")

    assert refusal.value.code == "suspension_not_found"
    assert snapshot() == before


def test_an_authority_reaches_only_its_own_suspensions(person, court, traffic):
    own = place(court, person, "SAME-REF")
    place(traffic, person, "SAME-REF")

    assert suspension_get_for_authority(authority=court, reference="SAME-REF") == own
    assert list(suspensions_of_authority(authority=court)) == [own]


def test_an_authority_searches_by_reference_or_id_number_and_status(person, court, moved_clock):
    other = make_person(mobile="+966509998877")
    first = place(court, person, "CRT-100")
    moved_clock(T0.replace(hour=11))
    second = place(court, other, "CRT-200")
    suspension_lift(authority=court, reference="CRT-200", actor_type="staff", actor_id="1")
    arabic_id = other.id_number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    assert list(suspensions_of_authority(authority=court)) == [second, first]
    assert list(suspensions_of_authority(authority=court, search="crt-1")) == [first]
    assert list(suspensions_of_authority(authority=court, search=arabic_id)) == [second]
    assert list(suspensions_of_authority(authority=court, status="active")) == [first]
    assert list(suspensions_of_authority(authority=court, status="lifted")) == [second]


def test_a_person_without_a_usable_mobile_still_gets_the_inbox_message(
    court, django_capture_on_commit_callbacks
):
    nobody_to_text = make_person(mobile="not a number")

    with django_capture_on_commit_callbacks(execute=True):
        placed = place(court, nobody_to_text, "CRT-1")

    assert placed.status == "active"
    assert Message.objects.filter(person=nobody_to_text, kind="suspension_placed").count() == 1
    assert SmsMessage.objects.count() == 0


def test_the_sms_leaves_only_after_the_placing_commits(
    court, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        place(court, person, "CRT-1")

    assert sms_to(person.mobile) == []
    assert len(callbacks) == 1


def _place_again(authority, person, **changes):
    fields = {
        "authority": authority,
        "id_number": person.id_number,
        "reference": "CRT-1",
        "reason_ar": REASON_AR,
        "reason_en": REASON_EN,
        "lift_procedure_ar": LIFT_AR,
        "lift_procedure_en": LIFT_EN,
        "scope": "all",
        "actor_type": "system",
        "actor_id": "test",
    }
    fields.update(changes)
    return services.suspension_place(**fields)


@pytest.fixture
def placed_meanwhile(person, court, monkeypatch):
    """A concurrent request placed CRT-1 after this one looked for it and before it inserted."""
    first = place(court, person, "CRT-1")
    real = services.suspension_get_for_authority
    looks: list[str] = []

    def stale_first_look(**arguments):
        looks.append(arguments["reference"])
        return None if len(looks) == 1 else real(**arguments)

    monkeypatch.setattr(services, "suspension_get_for_authority", stale_first_look)
    return first


def test_a_reference_placed_meanwhile_is_answered_as_a_repeat(person, court, placed_meanwhile):
    before = snapshot()

    again = _place_again(court, person)

    assert (again.suspension, again.created) == (placed_meanwhile, False)
    assert snapshot() == before


def test_different_content_placed_meanwhile_is_a_conflict(person, court, placed_meanwhile):
    before = snapshot()

    with pytest.raises(ApplicationError) as refusal:
        _place_again(court, person, reason_en="Something else")

    assert refusal.value.code == "suspension_conflict"
    assert snapshot() == before


def test_the_sms_follows_the_language_of_the_persons_account(
    person, court, django_capture_on_commit_callbacks
):
    user = account(person)
    user.language = "en"
    user.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        place(court, person, "CRT-1")

    assert sms_to(person.mobile) == [
        "Absher: Court suspended your services (reference CRT-1). The reason and how to lift it "
        "are under General Services, Temporary suspension of services."
    ]
