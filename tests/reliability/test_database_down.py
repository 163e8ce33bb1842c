"""PostgreSQL goes down under a running app server (the proxy in front of it stops: listener
closed, live connections cut): pages and the API answer 503 within 2 seconds with a clear message
and no internals, /readyz says not ready, a write cut mid-transaction leaves nothing behind, and
everything answers again once the server is back."""

from __future__ import annotations

import json
import time

import pytest

from absher.accounts.models import OtpChallenge
from absher.accounts.tests.support import make_person, register_body
from absher.audit.models import AuditEvent
from absher.notifications.models import SmsMessage
from tests.reliability.conftest import Served, get

pytestmark = [pytest.mark.postgres]

ANSWER_WITHIN_SECONDS = 2.0
PORTAL_PAGE = "/"
API_READ = "/api/v1/departments"
INTERNALS = (b"Traceback", b"OperationalError", b"psycopg", b"connection to server", b'File "')


def _json_post(url: str, body: dict) -> tuple[int, dict, bytes, float]:
    return get(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept-Language": "en"},
    )


def _assert_unavailable(status: int, headers: dict, body: bytes, seconds: float) -> None:
    assert status == 503, body[:500]
    assert seconds < ANSWER_WITHIN_SECONDS, seconds
    assert headers.get("Retry-After") == "30"
    for internal in INTERNALS:
        assert internal not in body


def test_database_down_answers_503_quickly_and_recovers(served: Served) -> None:
    # given a serving app with warm database connections
    assert get(served.base_url + PORTAL_PAGE)[0] == 200
    assert get(served.base_url + API_READ)[0] == 200
    assert get(served.base_url + "/readyz")[0] == 200

    # when the database server goes away
    served.proxy.stop()

    # then the portal page is a 503 page in Arabic (and English when asked for)
    status, headers, body, seconds = get(served.base_url + PORTAL_PAGE)
    print(f"portal page: {status} in {seconds:.2f} s")
    _assert_unavailable(status, headers, body, seconds)
    assert "الخدمة غير متاحة مؤقتاً".encode() in body or "غير متاحة".encode() in body
    # the API answers the SPEC error body
    status, headers, body, seconds = get(
        served.base_url + API_READ, headers={"Accept-Language": "en"}
    )
    print(f"API: {status} in {seconds:.2f} s")
    _assert_unavailable(status, headers, body, seconds)
    assert json.loads(body) == {
        "code": "service_unavailable",
        "message": "This service is temporarily unavailable. Please try again in a few minutes.",
        "details": {},
    }
    # readiness says so
    status, _, body, seconds = get(served.base_url + "/readyz")
    print(f"readyz: {status} in {seconds:.2f} s")
    assert status == 503
    assert seconds < ANSWER_WITHIN_SECONDS + 1
    assert json.loads(body)["checks"]["database"] == "unavailable"

    # when it comes back, everything answers again
    served.proxy.start()
    deadline = time.monotonic() + 10
    while get(served.base_url + "/readyz")[0] != 200:
        assert time.monotonic() < deadline, "not ready again within 10 s"
        time.sleep(0.2)
    assert get(served.base_url + PORTAL_PAGE)[0] == 200
    assert get(served.base_url + API_READ)[0] == 200


def test_a_registration_cut_at_commit_leaves_nothing_and_succeeds_again(served: Served) -> None:
    # given a person in the registry and an app that serves
    person = make_person()
    body = register_body(person, username="cut.at.commit")
    assert get(served.base_url + API_READ)[0] == 200

    # when the database goes away just as the registration's transaction commits
    served.proxy.cut_when_sent(b"COMMIT")
    status, headers, answer, _ = _json_post(served.base_url + "/api/v1/auth/register", body)
    answered_at = time.monotonic()

    # then the client is told to try again within 2 s of the outage, and nothing of the
    # registration was written
    assert served.proxy.tripped.is_set()
    print(
        f"registration cut at COMMIT: {status} {answered_at - served.proxy.tripped_at:.2f} s after"
    )
    _assert_unavailable(status, headers, answer, answered_at - served.proxy.tripped_at)
    assert json.loads(answer)["code"] == "service_unavailable"
    assert not OtpChallenge.objects.filter(id_number=person.id_number).exists()
    assert not SmsMessage.objects.exists()
    assert not AuditEvent.objects.filter(action="otp.issued").exists()

    # when the server is back, the same registration goes through once
    served.proxy.start()
    deadline = time.monotonic() + 10
    while get(served.base_url + "/readyz")[0] != 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    status, _, answer, _ = _json_post(served.base_url + "/api/v1/auth/register", body)
    assert status == 201, answer
    assert OtpChallenge.objects.filter(id_number=person.id_number).count() == 1
    assert SmsMessage.objects.count() == 1
