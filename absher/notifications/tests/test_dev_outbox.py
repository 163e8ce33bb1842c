from __future__ import annotations

import ast
import datetime as dt
import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import clear_url_caches

from absher.notifications.models import OutboxSms

pytestmark = pytest.mark.django_db

MOBILE = "+966501234567"
URL = "/dev/sms-outbox.json"


@pytest.fixture
def outbox(moved_clock: Callable[[dt.datetime], None]) -> list[OutboxSms]:
    moment = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)
    rows = []
    for minutes, to, text in [
        (0, MOBILE, "رمز التحقق: 111111"),
        (1, "+966559999999", "not for this number"),
        (2, MOBILE, "رمز التحقق: 222222"),
    ]:
        moved_clock(moment + dt.timedelta(minutes=minutes))
        rows.append(OutboxSms.objects.create(to=to, body=text))
    return rows


@pytest.mark.parametrize("written", [MOBILE, "0501234567", "00966501234567", "501234567"])
def test_outbox_lists_a_numbers_messages_newest_first(
    client: Client, outbox: list[OutboxSms], written: str
) -> None:
    response = client.get(URL, {"to": written})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "items": [
            {"to": MOBILE, "text": "رمز التحقق: 222222", "sent_at": "2026-05-01T10:02:00+00:00"},
            {"to": MOBILE, "text": "رمز التحقق: 111111", "sent_at": "2026-05-01T10:00:00+00:00"},
        ]
    }


def test_outbox_of_a_number_without_messages_is_empty(client: Client) -> None:
    response = client.get(URL, {"to": "0551112222"})
    assert (response.status_code, response.json()) == (200, {"items": []})


@pytest.mark.parametrize("query", [{}, {"to": ""}, {"to": "12345"}, {"to": "05-FLOWERS"}])
def test_outbox_needs_a_valid_mobile(client: Client, query: dict[str, str]) -> None:
    response = client.get(URL, query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_mobile"
    assert body["message"]
    assert body["details"] == {"field": "to"}


def test_outbox_answers_get_only(client: Client) -> None:
    assert client.post(URL, {"to": MOBILE}).status_code == 405


def test_production_settings_turn_dev_endpoints_off() -> None:
    source = Path(settings.BASE_DIR, "config", "settings", "production.py").read_text()
    assignments = [
        node.value.value
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        and any(getattr(target, "id", None) == "DEV_ENDPOINTS" for target in node.targets)
        and isinstance(node.value, ast.Constant)
    ]
    assert assignments == [False]


@pytest.fixture
def urls_without_dev_endpoints() -> Iterator[None]:
    """The URL configuration as production builds it (DEV_ENDPOINTS off). The setting is back on
    while the test runs, so a 404 comes from the missing route, not from the view's own guard."""
    import config.urls

    with override_settings(DEV_ENDPOINTS=False):
        importlib.reload(config.urls)
    clear_url_caches()
    try:
        yield
    finally:
        importlib.reload(config.urls)
        clear_url_caches()


def test_outbox_does_not_exist_without_dev_endpoints(
    client: Client, outbox: list[OutboxSms], urls_without_dev_endpoints: None
) -> None:
    import config.urls

    assert settings.DEV_ENDPOINTS is True
    assert not any(str(pattern.pattern) == "dev/" for pattern in config.urls.urlpatterns)
    response = client.get(URL, {"to": MOBILE})
    assert response.status_code == 404
    assert "111111" not in response.content.decode()


def test_outbox_view_refuses_even_if_mounted_by_mistake(
    client: Client, outbox: list[OutboxSms], settings: Any
) -> None:
    settings.DEV_ENDPOINTS = False

    response = client.get(URL, {"to": MOBILE})

    assert response.status_code == 404
    assert "111111" not in response.content.decode()
