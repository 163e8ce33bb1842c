import datetime as dt
import importlib
import json
import re
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test import Client

from absher.accounts.constants import PartnerKind
from absher.accounts.models import Authority, Partner, User
from absher.accounts.services.partners import signature_compute
from absher.audit.constants import TRUNCATE_SETTING
from absher.core import clock
from absher.identity.constants import Gender, IdType, ResidencyStatus
from absher.identity.models import Person
from absher.identity.rules import id_number_with_check_digit
from absher.notifications.models import OutboxSms

PASSWORD = "Sahara2030ok"
SIGNUP_MOBILE = "0551112233"
SIGNUP_E164 = "+966551112233"
# A fixed moment (10:05 UTC) well inside an hourly window, so that per-hour caps are not split.
T0 = dt.datetime(2026, 3, 1, 10, 5, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Throttles, send caps and partner nonces live in the cache: no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


class Api:
    """A JSON client whose requests run their on-commit work (SMS delivery) as production does."""

    def __init__(self, capture: Callable[..., Any]) -> None:
        self.client = Client()
        self.capture = capture
        self.token = ""

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = {"Accept-Language": "en"}
        if self.token:
            merged["Authorization"] = f"Bearer {self.token}"
        merged.update(headers or {})
        return {name: value for name, value in merged.items() if value}

    def post(
        self,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        ip: str = "127.0.0.1",
    ):
        with self.capture(execute=True):
            return self.client.post(
                path,
                body or {},
                content_type="application/json",
                headers=self._headers(headers),
                REMOTE_ADDR=ip,
            )

    def post_raw(self, path: str, raw: bytes, headers: dict[str, str]):
        with self.capture(execute=True):
            return self.client.post(
                path, raw, content_type="application/json", headers=self._headers(headers)
            )

    def get(self, path: str, headers: dict[str, str] | None = None):
        with self.capture(execute=True):
            return self.client.get(path, headers=self._headers(headers))


@pytest.fixture
def api(django_capture_on_commit_callbacks) -> Api:
    return Api(django_capture_on_commit_callbacks)


def sms_to(mobile: str) -> list[str]:
    """Texts sent to `mobile`, newest first."""
    return list(
        OutboxSms.objects.filter(to=mobile)
        .order_by("-created_at", "-id")
        .values_list("body", flat=True)
    )


def last_code(mobile: str) -> str:
    # By id, not time: tests move the clock back and forth, and rows take its time.
    sms = OutboxSms.objects.filter(to=mobile).order_by("-id").first()
    assert sms is not None, f"no SMS to {mobile}"
    found = re.search(r"\b(\d{6,8})\b", sms.body)
    assert found is not None, sms.body
    return found.group(1)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


_serial = iter(range(10_000_000, 99_999_999))


def make_person(**overrides: Any) -> Person:
    prefix = overrides.pop("prefix", "1")
    id_number = id_number_with_check_digit(f"{prefix}{next(_serial)}")
    fields: dict[str, Any] = {
        "id_number": id_number,
        "id_type": IdType.CITIZEN if prefix == "1" else IdType.RESIDENT,
        "name_ar": "سعد بن عبدالله القحطاني",
        "name_en": "Saad Abdullah Alqahtani",
        "gender": Gender.MALE,
        "nationality": "SA" if prefix == "1" else "IN",
        "date_of_birth": dt.date(1990, 5, 17),
        "mobile": "+966501234567",
        "residency_status": ResidencyStatus.VALID,
    }
    fields.update(overrides)
    return Person.objects.create(**fields)


@pytest.fixture
def person(db) -> Person:
    return make_person()


def register_body(person: Person, **overrides: Any) -> dict[str, Any]:
    body = {
        "id_number": person.id_number,
        "date_of_birth": person.date_of_birth.isoformat(),
        "username": "saad.q",
        "password": PASSWORD,
        "mobile": SIGNUP_MOBILE,
    }
    body.update(overrides)
    return body


def register(api: Api, person: Person, username: str = "saad.q", mobile: str = SIGNUP_MOBILE):
    """Registers `person` through the API; returns the new account's profile."""
    response = api.post(
        "/api/v1/auth/register", register_body(person, username=username, mobile=mobile)
    )
    assert response.status_code == 201, response.json()
    e164 = "+966" + mobile.lstrip("0")
    verify = api.post(
        "/api/v1/auth/register/verify",
        {"challenge_id": response.json()["challenge_id"], "code": last_code(e164)},
    )
    assert verify.status_code == 201, verify.json()
    return verify.json()


def login(
    api: Api, username: str = "saad.q", password: str = PASSWORD, mobile: str = SIGNUP_E164
) -> dict[str, Any]:
    """Password + code; the access token is kept on `api` for the next calls."""
    response = api.post("/api/v1/auth/login", {"username": username, "password": password})
    assert response.status_code == 200, response.json()
    tokens = api.post(
        "/api/v1/auth/login/verify",
        {"challenge_id": response.json()["challenge_id"], "code": last_code(mobile)},
    )
    assert tokens.status_code == 200, tokens.json()
    api.token = tokens.json()["access_token"]
    return tokens.json()


def activate_by_national_id(api: Api, person: Person) -> dict[str, Any]:
    start = api.post(
        "/api/v1/activation/national-id",
        {"id_number": person.id_number, "date_of_birth": person.date_of_birth.isoformat()},
    )
    assert start.status_code == 200, start.json()
    done = api.post(
        "/api/v1/activation/verify",
        {"challenge_id": start.json()["challenge_id"], "code": last_code(person.mobile)},
    )
    assert done.status_code == 200, done.json()
    return done.json()


def account_of(person: Person) -> User:
    return User.objects.get(person=person)


# --- signed integration calls (SPEC 13) ---------------------------------------------------------


def make_partner(code: str = "test-bank", kind: str = PartnerKind.BANK) -> Partner:
    authority = None
    if kind == PartnerKind.AUTHORITY:
        authority = Authority.objects.create(
            code=f"{code}-authority", name_ar="محكمة", name_en="Court"
        )
    return Partner.objects.create(
        code=code, kind=kind, name=code, secret=f"{code}-secret", authority=authority
    )


def signed_headers(
    *,
    partner: str,
    secret: str,
    path: str,
    raw: bytes,
    method: str = "POST",
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers exactly as SPEC 13 asks: X-Signature is the hex HMAC-SHA256 of
    `timestamp.nonce.METHOD.path?query.body` with the partner's secret."""
    stamp = str(int(clock.now().timestamp()) if timestamp is None else timestamp)
    chosen_nonce = secrets.token_hex(16) if nonce is None else nonce
    return {
        "X-Partner": partner,
        "X-Timestamp": stamp,
        "X-Nonce": chosen_nonce,
        "X-Signature": signature_compute(
            secret=secret, timestamp=stamp, nonce=chosen_nonce, method=method, path=path, body=raw
        ),
    }


def signed_post(api: Api, partner: Partner, path: str, body: dict[str, Any], **options: Any):
    raw = json.dumps(body).encode()
    headers = signed_headers(
        partner=partner.code, secret=partner.secret, path=path, raw=raw, **options
    )
    return api.post_raw(path, raw, headers)


@pytest.fixture
def audit_truncate_allowed(transactional_db: None) -> Iterator[None]:
    """A transactional test ends with a flush that TRUNCATEs every table; on PostgreSQL the audit
    trigger lets that through only when the session asks (audit migration 0002)."""
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET {TRUNCATE_SETTING} = 'on'")


@pytest.fixture
def standard_catalogue(transactional_db: None) -> None:
    """The departments and e-services of the catalogue's data migration, created again.

    Every transactional test (live-server tests, races on PostgreSQL) ends by flushing all tables,
    the migrated catalogue included.
    `serialized_rollback=True` cannot restore it here: Django keeps the serialized copy on the
    thread's connection object, and while Playwright's event loop runs, asgiref gives the thread a
    separate connection object without it, so the reload silently does nothing. Running the
    migration's own function (idempotent) gives each test exactly the catalogue a deployment starts
    with.
    """
    migration = importlib.import_module("absher.catalog.migrations.0002_standard_catalogue")
    migration.create_catalogue(apps, None)
