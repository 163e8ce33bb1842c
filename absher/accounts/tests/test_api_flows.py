import pytest

from absher.accounts.models import User
from absher.accounts.tests.support import PASSWORD, last_code

pytestmark = pytest.mark.django_db


def _register(api, person, username="saad.q", mobile="0551112233"):
    response = api.post(
        "/api/v1/auth/register",
        {
            "id_number": person.id_number,
            "date_of_birth": person.date_of_birth.isoformat(),
            "username": username,
            "password": PASSWORD,
            "mobile": mobile,
        },
    )
    assert response.status_code == 201, response.json()
    challenge = response.json()["challenge_id"]
    verify = api.post(
        "/api/v1/auth/register/verify",
        {"challenge_id": challenge, "code": last_code("+966551112233")},
    )
    assert verify.status_code == 201, verify.json()
    return verify.json()


def _login(api, username="saad.q"):
    response = api.post("/api/v1/auth/login", {"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.json()
    tokens = api.post(
        "/api/v1/auth/login/verify",
        {"challenge_id": response.json()["challenge_id"], "code": last_code("+966551112233")},
    )
    assert tokens.status_code == 200, tokens.json()
    api.token = tokens.json()["access_token"]
    return tokens.json()


def test_register_login_activate_and_activate_the_transfer_service(api, person):
    account = _register(api, person)
    assert account["status"] == "registered"
    tokens = _login(api)
    assert tokens["expires_in"] == 900

    refused = api.get("/api/v1/services")
    assert refused.status_code == 403
    assert refused.json()["code"] == "account_not_activated"

    start = api.post(
        "/api/v1/activation/national-id",
        {"id_number": person.id_number, "date_of_birth": person.date_of_birth.isoformat()},
    )
    assert start.status_code == 200, start.json()
    # The code goes to the registry's mobile, not the one typed at sign-up.
    activated = api.post(
        "/api/v1/activation/verify",
        {"challenge_id": start.json()["challenge_id"], "code": last_code(person.mobile)},
    )
    assert activated.status_code == 200, activated.json()
    assert activated.json()["status"] == "active"
    assert activated.json()["activation_method"] == "national_id"

    services = {s["code"]: s for s in api.get("/api/v1/services").json()["items"]}
    assert services["worker_services_transfer"]["status"] == "needs_activation"
    challenge = api.post("/api/v1/services/worker_services_transfer/activate").json()
    done = api.post(
        "/api/v1/services/worker_services_transfer/activate/verify",
        {"challenge_id": challenge["challenge_id"], "code": last_code("+966551112233")},
    )
    assert done.json() == {"service_code": "worker_services_transfer", "activated": True}
    services = {s["code"]: s for s in api.get("/api/v1/services").json()["items"]}
    assert services["worker_services_transfer"]["status"] == "available"
    assert User.objects.get(username="saad.q").is_activated
