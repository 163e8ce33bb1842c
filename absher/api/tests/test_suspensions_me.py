"""What a suspended person sees and may do: GET /api/v1/me/suspensions (General Services → Temporary
suspension of services), the catalogue marking suspended services, and the enforcement point
refusing to start a covered e-service (per-service activation) until the suspension is lifted."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.accounts.constants import AccountStatus
from absher.accounts.models import OtpChallenge, ServiceActivation
from absher.accounts.tests.support import T0, last_code, make_person
from absher.catalog.models import Service
from absher.suspensions.services import suspension_lift
from absher.suspensions.tests.helpers import (
    LIFT_AR,
    LIFT_EN,
    ME,
    REASON_AR,
    REASON_EN,
    account,
    authority_partner,
    place,
    signed_in,
    snapshot,
)

pytestmark = pytest.mark.django_db

TRANSFER = "worker_services_transfer"
NOT_SUSPENDABLE = {"suspensions_inquiry", "traffic_violations_inquiry"}


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def court(db):
    return authority_partner("test-court").authority


@pytest.fixture
def traffic(db):
    return authority_partner("test-traffic").authority


@pytest.fixture
def user(person):
    return account(person)


@pytest.fixture
def me(api, user):
    return signed_in(api, user)


def _suspensions(api) -> list[dict]:
    response = api.get(ME)
    assert response.status_code == 200, response.json()
    return response.json()["items"]


def _catalogue(api) -> dict[str, dict]:
    response = api.get("/api/v1/services")
    assert response.status_code == 200, response.json()
    return {item["code"]: item for item in response.json()["items"]}


def _suspended_codes(api) -> set[str]:
    return {code for code, item in _catalogue(api).items() if item["suspended"]}


def _lift(suspension) -> None:
    suspension_lift(
        authority=suspension.authority,
        reference=suspension.reference,
        actor_type="system",
        actor_id="test",
    )


# --- GET /api/v1/me/suspensions ------------------------------------------------------------------


def test_no_suspension_is_an_empty_list(me):
    assert me.get(ME).json() == {"items": []}


def test_every_active_suspension_is_listed_newest_first(me, person, court, traffic, moved_clock):
    moved_clock(T0 - dt.timedelta(hours=2))
    first = place(court, person, "CRT-1", "all")
    moved_clock(T0 - dt.timedelta(hours=1))
    second = place(traffic, person, "TRF-2", "department:traffic")
    moved_clock(T0)
    third = place(traffic, person, "TRF-3", "service:passport_renewal")

    items = _suspensions(me)

    assert [(i["id"], i["reference"], i["scope"]) for i in items] == [
        (third.pk, "TRF-3", "service:passport_renewal"),
        (second.pk, "TRF-2", "department:traffic"),
        (first.pk, "CRT-1", "all"),
    ]
    assert items[2] == {
        "id": first.pk,
        "authority": {"code": "test-court-authority", "name_ar": "محكمة", "name_en": "Court"},
        "reference": "CRT-1",
        "reason_ar": REASON_AR,
        "reason_en": REASON_EN,
        "lift_procedure_ar": LIFT_AR,
        "lift_procedure_en": LIFT_EN,
        "scope": "all",
        "status": "active",
        "since": "2026-03-01T08:05:00Z",
        "lifted_at": None,
    }


def test_a_lifted_suspension_is_no_longer_listed(me, person, court):
    lifted = place(court, person, "CRT-1")
    kept = place(court, person, "CRT-2")
    _lift(lifted)

    assert [item["id"] for item in _suspensions(me)] == [kept.pk]


def test_another_persons_suspensions_are_not_listed(me, court):
    someone_else = make_person(mobile="+966509998877")
    place(court, someone_else, "CRT-9")

    assert _suspensions(me) == []


def test_a_registered_account_that_is_not_activated_is_refused(api, person, court):
    place(court, person, "CRT-1")
    signed_in(api, account(person, status=AccountStatus.REGISTERED))

    response = api.get(ME)

    assert response.status_code == 403
    assert response.json()["code"] == "account_not_activated"


def test_without_a_token_it_is_401(api):
    response = api.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def _queries_of_my_suspensions(api) -> int:
    with CaptureQueriesContext(connection) as queries:
        _suspensions(api)
    return len(queries)


def test_my_suspensions_take_a_constant_number_of_queries(me, person, court, traffic):
    place(court, person, "CRT-1", "all")
    one = _queries_of_my_suspensions(me)
    place(traffic, person, "TRF-2", "department:traffic")
    place(traffic, person, "TRF-3", "department:passports")
    place(court, person, "CRT-4", "service:passport_renewal")
    place(court, person, "CRT-5", "service:driving_licence_renewal")

    assert len(_suspensions(me)) == 5
    five = _queries_of_my_suspensions(me)

    # The token (with its account and person) and the suspensions with their authorities and
    # scopes, whatever their number and scopes.
    assert (one, five) == (2, 2)


SCOPES = ["all", "department:traffic", "service:iqama_renewal", "department:passports", "all"]


@pytest.mark.parametrize(
    "scopes", [SCOPES[:1], SCOPES[1:2], SCOPES[2:3], SCOPES], ids=["1-all", "1-dep", "1-svc", "5"]
)
def test_my_suspensions_take_two_queries_whatever_their_number_and_scopes(
    me, person, court, scopes, django_assert_num_queries
):
    for n, scope in enumerate(scopes):
        place(court, person, f"CRT-{n}", scope)

    with django_assert_num_queries(2):
        assert len(_suspensions(me)) == len(scopes)


# --- the catalogue marks suspended services ------------------------------------------------------


def _suspendable(**filters) -> set[str]:
    return set(
        Service.objects.filter(is_active=True, is_suspendable=True, **filters).values_list(
            "code", flat=True
        )
    )


def test_without_suspensions_nothing_is_marked(me):
    assert _suspended_codes(me) == set()


def test_all_covers_every_suspendable_service_and_never_the_others(me, person, court):
    place(court, person, "CRT-1", "all")

    suspended = _suspended_codes(me)

    assert suspended == _suspendable()
    assert TRANSFER in suspended
    assert "passport_renewal" in suspended
    assert suspended.isdisjoint(NOT_SUSPENDABLE)


def test_a_department_covers_only_that_departments_services(me, person, traffic):
    place(traffic, person, "TRF-1", "department:traffic")

    assert _suspended_codes(me) == {"driving_licence_renewal", "vehicle_registration_renewal"}
    assert _suspended_codes(me) == _suspendable(department__code="traffic")


def test_a_service_scope_covers_only_that_service(me, person, court):
    place(court, person, "CRT-1", f"service:{TRANSFER}")

    assert _suspended_codes(me) == {TRANSFER}


def test_a_service_that_suspensions_cannot_block_is_never_marked(me, person, court):
    # A scope naming such a service is refused when placed; its department's scope passes it by.
    place(court, person, "CRT-2", "department:general_services")

    catalogue = _catalogue(me)

    assert catalogue["suspensions_inquiry"]["suspended"] is False
    assert catalogue["suspensions_inquiry"]["suspension"] is None
    assert {c for c, item in catalogue.items() if item["suspended"]} == {"lost_document_report"}


def test_a_suspended_service_carries_its_suspension(me, person, court):
    suspension = place(court, person, "CRT-1", "service:passport_renewal")

    item = _catalogue(me)["passport_renewal"]

    assert item["status"] == "suspended"
    assert item["suspension"] == {
        "code": "service_suspended",
        "authority": "test-court-authority",
        "authority_name_ar": "محكمة",
        "authority_name_en": "Court",
        "reference": "CRT-1",
        "reason_ar": REASON_AR,
        "reason_en": REASON_EN,
        "lift_procedure_ar": LIFT_AR,
        "lift_procedure_en": LIFT_EN,
        "scope": "service:passport_renewal",
        "since": suspension.placed_at.isoformat(),
    }


def test_a_lifted_suspension_no_longer_marks_the_catalogue(me, person, court):
    _lift(place(court, person, "CRT-1", "all"))

    assert _suspended_codes(me) == set()


def test_the_catalogue_takes_a_constant_number_of_queries_with_suspensions(
    me, person, court, traffic
):
    with CaptureQueriesContext(connection) as without:
        _catalogue(me)
    place(court, person, "CRT-1", "all")
    with CaptureQueriesContext(connection) as with_one:
        _catalogue(me)
    for n, scope in enumerate(["department:traffic", "service:passport_renewal", "all", "all"]):
        place(traffic, person, f"TRF-{n}", scope)
    with CaptureQueriesContext(connection) as with_five:
        _catalogue(me)

    assert len(without) == len(with_one) == len(with_five) == 4


# --- the enforcement point: per-service activation -----------------------------------------------


def _start(api, code: str = TRANSFER):
    return api.post(f"/api/v1/services/{code}/activate")


def test_starting_a_covered_service_is_refused_naming_the_suspension(me, person, court):
    suspension = place(court, person, "CRT-1", f"service:{TRANSFER}")
    before = snapshot()

    response = _start(me)

    assert response.status_code == 403
    assert response.json() == {
        "code": "service_suspended",
        "message": (
            "This service is suspended for you by Court (reference CRT-1). See how to lift it "
            "under General Services, Temporary suspension of services."
        ),
        "details": {
            "service": TRANSFER,
            "authority": "test-court-authority",
            "authority_name_ar": "محكمة",
            "authority_name_en": "Court",
            "reference": "CRT-1",
            "reason_ar": REASON_AR,
            "reason_en": REASON_EN,
            "lift_procedure_ar": LIFT_AR,
            "lift_procedure_en": LIFT_EN,
            "scope": f"service:{TRANSFER}",
            "since": suspension.placed_at.isoformat(),
        },
    }
    assert snapshot() == before
    assert OtpChallenge.objects.count() == 0


def test_the_refusal_is_in_arabic_by_default(me, person, court):
    place(court, person, "CRT-1", "all")

    response = me.post(f"/api/v1/services/{TRANSFER}/activate", headers={"Accept-Language": "ar"})

    assert response.json()["message"] == (
        "هذه الخدمة موقوفة عنك من قِبل محكمة (المرجع CRT-1). تجد طريقة رفع الإيقاف في "
        "«الخدمات العامة» ثم «الإيقاف المؤقت للخدمات»."
    )


@pytest.mark.parametrize("scope", ["all", "department:passports", f"service:{TRANSFER}"])
def test_every_scope_that_covers_the_service_refuses_it(me, person, court, scope):
    place(court, person, "CRT-1", scope)

    response = _start(me)

    assert response.status_code == 403
    assert response.json()["code"] == "service_suspended"
    assert response.json()["details"]["scope"] == scope


@pytest.mark.parametrize("scope", ["department:traffic", "service:passport_renewal"])
def test_a_suspension_of_something_else_does_not_refuse_the_service(me, person, court, scope):
    place(court, person, "CRT-1", scope)

    response = _start(me)

    assert response.status_code == 200, response.json()


def test_the_service_works_again_after_the_lift(me, person, user, court):
    suspension = place(court, person, "CRT-1", "all")
    assert _start(me).status_code == 403
    _lift(suspension)

    start = _start(me)
    done = me.post(
        f"/api/v1/services/{TRANSFER}/activate/verify",
        {"challenge_id": start.json()["challenge_id"], "code": last_code(user.mobile)},
    )

    assert start.status_code == 200
    assert done.status_code == 200
    assert done.json() == {"service_code": TRANSFER, "activated": True}


def test_a_code_asked_for_before_the_suspension_cannot_finish_the_activation(
    me, person, user, court
):
    start = _start(me)
    code = last_code(user.mobile)
    suspension = place(court, person, "CRT-1", "all")
    before = snapshot()

    refused = me.post(
        f"/api/v1/services/{TRANSFER}/activate/verify",
        {"challenge_id": start.json()["challenge_id"], "code": code},
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "service_suspended"
    assert refused.json()["details"]["reference"] == "CRT-1"
    assert snapshot() == before
    assert not ServiceActivation.objects.exists()
    assert OtpChallenge.objects.get().status == "pending"  # the refusal did not spend the code
    _lift(suspension)
    done = me.post(
        f"/api/v1/services/{TRANSFER}/activate/verify",
        {"challenge_id": start.json()["challenge_id"], "code": code},
    )
    assert done.status_code == 200
