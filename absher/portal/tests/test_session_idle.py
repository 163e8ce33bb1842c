import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_web_sessions_expire_after_fifteen_minutes_without_a_request(client):
    response = client.get("/")

    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert client.session.get_expiry_age() == 15 * 60
    assert response.status_code == 200


def test_each_request_pushes_the_idle_deadline_back(client):
    client.get("/i18n/setlang/")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    first = client.session.get_expiry_date()

    client.get("/")

    assert client.session.get_expiry_date() >= first
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 15 * 60
