"""GET /api/v1/services and per-service activation (choose service → activate → code)."""

import pytest

from absher.accounts.models import ServiceActivation
from absher.accounts.tests.support import (
    SIGNUP_E164,
    T0,
    account_of,
    activate_by_national_id,
    last_code,
    login,
    make_person,
    other_code,
    register,
)
from absher.catalog.models import Service

pytestmark = pytest.mark.django_db

TRANSFER = "worker_services_transfer"


def _signed_in_and_active(api, person, moved_clock):
    moved_clock(T0)
    register(api, person)
    login(api)
    activate_by_national_id(api, person)
    return account_of(person)


@pytest.fixture
def citizen(api, person, moved_clock):
    return _signed_in_and_active(api, person, moved_clock)


@pytest.fixture
def resident(api, moved_clock):
    someone = make_person(prefix="2", mobile="+966507777777")
    return _signed_in_and_active(api, someone, moved_clock)


def _services(api) -> dict[str, dict]:
    response = api.get("/api/v1/services")
    assert response.status_code == 200
    return {item["code"]: item for item in response.json()["items"]}


def _activate(api, code: str = TRANSFER):
    start = api.post(f"/api/v1/services/{code}/activate")
    assert start.status_code == 200, start.json()
    return start.json()["challenge_id"]


def test_the_catalogue_shows_for_the_caller_activation_and_fee(api, citizen):
    services = _services(api)

    assert services[TRANSFER]["status"] == "needs_activation"
    assert services[TRANSFER]["activated"] is False
    assert services[TRANSFER]["requires_activation"] is True
    assert services[TRANSFER]["fee_depends_on_case"] is True
    assert services["passport_renewal"]["status"] == "available"
    assert services["passport_renewal"]["fee_halalas"] == 30000
    assert services["passport_renewal"]["eligible"] is True
    assert services["passport_renewal"]["suspended"] is False
    assert len(services) == Service.objects.filter(is_active=True).count()


def test_the_catalogue_marks_what_a_resident_may_not_use(api, resident):
    services = _services(api)

    assert services["passport_renewal"]["status"] == "not_eligible"
    assert services["passport_renewal"]["eligible"] is False
    assert services[TRANSFER]["status"] == "needs_activation"


def test_the_catalogue_takes_a_fixed_number_of_queries(api, citizen, django_assert_num_queries):
    # The token (with its account and person), the caller's activations, the services, the
    # caller's active suspensions.
    with django_assert_num_queries(4):
        _services(api)


def test_the_catalogue_leaves_out_services_no_longer_offered(api, citizen):
    Service.objects.filter(code="lost_document_report").update(is_active=False)

    assert "lost_document_report" not in _services(api)


def test_activating_a_service_takes_a_code_to_the_accounts_mobile(api, citizen):
    challenge = _activate(api)

    done = api.post(
        f"/api/v1/services/{TRANSFER}/activate/verify",
        {"challenge_id": challenge, "code": last_code(SIGNUP_E164)},
    )

    assert done.status_code == 200
    assert done.json() == {"service_code": TRANSFER, "activated": True}
    assert _services(api)[TRANSFER]["status"] == "available"
    assert ServiceActivation.objects.filter(user=citizen, service__code=TRANSFER).count() == 1


def test_a_wrong_code_does_not_activate_the_service(api, citizen):
    challenge = _activate(api)

    response = api.post(
        f"/api/v1/services/{TRANSFER}/activate/verify",
        {"challenge_id": challenge, "code": other_code(last_code(SIGNUP_E164))},
    )

    assert response.json()["code"] == "otp_invalid"
    assert not ServiceActivation.objects.exists()


def test_a_challenge_for_one_service_does_not_activate_another(api, citizen):
    challenge = _activate(api, TRANSFER)

    response = api.post(
        "/api/v1/services/transfer_without_consent/activate/verify",
        {"challenge_id": challenge, "code": last_code(SIGNUP_E164)},
    )

    assert response.status_code == 404
    assert response.json()["code"] == "challenge_not_found"
    assert not ServiceActivation.objects.exists()


def test_a_service_that_needs_no_activation_says_so(api, citizen):
    response = api.post("/api/v1/services/national_address_update/activate")

    assert response.status_code == 409
    assert response.json()["code"] == "activation_not_needed"


def test_an_unknown_service_is_404(api, citizen):
    response = api.post("/api/v1/services/no_such_service/activate")

    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"


def test_a_service_cannot_be_activated_twice(api, citizen):
    challenge = _activate(api)
    api.post(
        f"/api/v1/services/{TRANSFER}/activate/verify",
        {"challenge_id": challenge, "code": last_code(SIGNUP_E164)},
    )

    again = api.post(f"/api/v1/services/{TRANSFER}/activate")

    assert again.status_code == 409
    assert again.json()["code"] == "service_already_activated"


def test_a_citizens_only_service_is_refused_to_a_resident(api, resident):
    response = api.post("/api/v1/services/passport_renewal/activate")

    assert response.status_code == 403
    assert response.json()["code"] == "service_not_eligible"


def test_service_refusals_in_arabic_by_default(api, citizen):
    response = api.post(
        "/api/v1/services/no_such_service/activate", headers={"Accept-Language": ""}
    )

    assert response.json()["message"] == "هذه الخدمة الإلكترونية غير موجودة."


def test_the_catalogue_shows_what_a_blocker_suspends_for_the_caller(api, citizen, monkeypatch):
    from absher.catalog import availability

    def court_blocks_passports(person, services):
        return {
            s.code: availability.Block("suspension", {"reference": "C-7", "authority": "court"})
            for s in services
            if s.department.code == "passports"
        }

    monkeypatch.setattr(availability, "_blockers", [court_blocks_passports])

    services = _services(api)

    assert services["passport_renewal"]["suspended"] is True
    assert services["passport_renewal"]["status"] == "suspended"
    assert services["passport_renewal"]["suspension"] == {
        "code": "suspension",
        "reference": "C-7",
        "authority": "court",
    }
    assert services["national_address_update"]["suspended"] is False
    assert services["national_address_update"]["suspension"] is None
