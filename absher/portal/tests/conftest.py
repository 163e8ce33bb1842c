"""Registry people, accounts and browsers for the portal's page tests. People and accounts are set
up through the factories and the ORM (fast, and independent of the services under test); the pages
then go through the services. A `Browser` runs each request's on-commit work (the SMS delivery),
as production does, so codes can be read from the outbox."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from absher.accounts.constants import AccountStatus, ActivationMethod
from absher.accounts.models import User
from absher.core import clock
from absher.identity.models import Person
from absher.identity.tests.factories import PersonFactory
from absher.notifications.models import OutboxSms

PASSWORD = "Sahara2030ok"
SIGNUP_MOBILE = "0551112233"
SIGNUP_E164 = "+966551112233"
# Born 14 October 1989, which is 15 Rabi' al-Awwal 1410 in the Umm al-Qura calendar.
BORN = dt.date(1989, 10, 14)
BORN_HIJRI = "1410/03/15"
# A fixed moment (10:05 UTC, 13:05 in Riyadh) inside an hourly window, so per-hour caps hold.
T0 = dt.datetime(2026, 3, 1, 10, 5, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Sign-in throttles and code send caps live in the cache: no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fixed_clock(moved_clock: Callable[[dt.datetime], None]) -> None:
    moved_clock(T0)


class Browser:
    """A test client that keeps its cookies and runs each request's on-commit callbacks."""

    def __init__(self, capture: Callable[..., Any], **options: Any) -> None:
        self.client = Client(**options)
        self.capture = capture

    def get(self, path: str, **extra: Any):
        with self.capture(execute=True):
            return self.client.get(path, **extra)

    def post(self, path: str, data: dict[str, Any] | None = None, **extra: Any):
        with self.capture(execute=True):
            return self.client.post(path, data or {}, **extra)

    def sign_in_as(self, user: User) -> Browser:
        """As after password + code."""
        self.client.force_login(user)
        return self


@pytest.fixture
def browser(django_capture_on_commit_callbacks: Callable[..., Any]) -> Browser:
    return Browser(django_capture_on_commit_callbacks)


@pytest.fixture
def english_browser(django_capture_on_commit_callbacks: Callable[..., Any]) -> Browser:
    return Browser(django_capture_on_commit_callbacks, headers={"Accept-Language": "en"})


@pytest.fixture
def person(db: None) -> Person:
    return PersonFactory(
        name_ar="سعد بن عبدالله القحطاني",
        name_en="Saad Abdullah Alqahtani",
        date_of_birth=BORN,
        mobile="+966501234567",
    )


def make_account(person: Person, **overrides: Any) -> User:
    fields: dict[str, Any] = {
        "username": "saad.q",
        "person": person,
        "mobile": SIGNUP_E164,
        "status": AccountStatus.REGISTERED,
    }
    fields.update(overrides)
    user = User(**fields)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def registered(person: Person) -> User:
    """An account that is registered, not activated."""
    return make_account(person)


@pytest.fixture
def activated(person: Person) -> User:
    return make_account(
        person,
        status=AccountStatus.ACTIVE,
        activation_method=ActivationMethod.NATIONAL_ID,
        activated_at=T0 - dt.timedelta(days=3),
    )


def sms_to(mobile: str) -> list[str]:
    """Texts sent to `mobile`, newest first."""
    return list(
        OutboxSms.objects.filter(to=mobile)
        .order_by("-created_at", "-id")
        .values_list("body", flat=True)
    )


def last_code(mobile: str) -> str:
    texts = sms_to(mobile)
    assert texts, f"no SMS to {mobile}"
    found = re.search(r"\b(\d{6,8})\b", texts[0])
    assert found is not None, texts[0]
    return found.group(1)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def later(seconds: int) -> dt.datetime:
    return clock.now() + dt.timedelta(seconds=seconds)


def field_errors(html: str, field: str) -> list[str]:
    """The error messages shown under one field (the list whose id the field points to)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def summary_errors(html: str) -> list[str]:
    """The messages of the error summary at the top of the page, links stripped."""
    match = re.search(r'<ul class="error-summary__list">(.*?)</ul>', html, re.S)
    items = re.findall(r"<li>(.*?)</li>", match.group(1), re.S) if match else []
    return [re.sub(r"<[^>]+>", "", item).strip() for item in items]


def status_messages(html: str) -> list[str]:
    return re.findall(r'<li class="message message--\w+">(.*?)</li>', html, re.S)


def h1(html: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()
