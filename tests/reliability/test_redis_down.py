"""Redis down: the call centre's suspension look-up and the signed-in account read through the
cache answer a clear 503 `service_unavailable`, as sign-in and codes do, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from absher.audit.models import AuditEvent
from absher.backoffice.tests.conftest import make_person

pytestmark = pytest.mark.django_db

CALL_CENTRE = "/backoffice/call-centre/"
# Nothing listens on port 1: every cache operation fails at once.
REDIS_DOWN = {
    "BACKEND": "django_redis.cache.RedisCache",
    "LOCATION": "redis://127.0.0.1:1/0",
    "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
}


@pytest.fixture
def redis_down(settings):
    def take_down() -> None:
        settings.CACHES = {**settings.CACHES, "default": REDIS_DOWN}

    return take_down


def test_the_call_centre_look_up_answers_503_while_redis_is_down(agent_client, redis_down):
    # given a caller in the registry and an agent signed in (sessions in the database here)
    person = make_person(date_of_birth=dt.date(1992, 3, 8))
    redis_down()

    # when the agent verifies the caller
    response = agent_client.post(
        CALL_CENTRE,
        {"id_number": person.id_number, "date_of_birth": "1992-03-08", "calendar": "gregorian"},
        headers={"accept-language": "en"},
    )

    # then the page says the service is unavailable, with 503, and nothing was looked at
    assert response.status_code == 503
    html = response.content.decode()
    assert "This service is temporarily unavailable. Please try again in a few minutes." in html
    assert "Traceback" not in html
    assert not AuditEvent.objects.filter(action="call_centre.suspensions_viewed").exists()


def test_the_cached_signed_in_account_answers_503_while_redis_is_down(settings, agent, redis_down):
    # given the production shape: the signed-in account read through the cache
    settings.AUTH_USER_CACHE_SECONDS = 300
    client = Client(raise_request_exception=False)
    client.force_login(agent.user)
    redis_down()

    # when a signed-in page is asked for, and the same under the API
    page = client.get(CALL_CENTRE, headers={"accept-language": "en"})

    # then a 503 page with the clear message, not a 500
    assert page.status_code == 503
    html = page.content.decode()
    assert "This service is temporarily unavailable. Please try again in a few minutes." in html
    assert page["Retry-After"] == "30"
    assert "Traceback" not in html
