"""The HTTP SMS gateway against a local provider that answers 5xx or does not answer in time:
bounded retries with exponential backoff (the delays the worker would wait, read without
sleeping), then the SMS is marked failed, the person sees that the code did not go out (portal code
page, API delivery status) and a resend works once the provider is back."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from absher.accounts.models import OtpChallenge, User
from absher.accounts.tests.support import PASSWORD, SIGNUP_E164, SIGNUP_MOBILE, T0, make_person
from absher.notifications import tasks
from absher.notifications.constants import SmsStatus
from absher.notifications.models import SmsMessage
from absher.notifications.services import sms_send

pytestmark = pytest.mark.django_db

MAX_RETRIES = 3
BACKOFF_SECONDS = 10
CLIENT_TIMEOUT_SECONDS = 0.3


class Provider:
    """A local SMS provider: `mode` is "ok", "5xx" or "slow" (answers after the client gave up)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                document = json.loads(self.rfile.read(length))
                provider.requests.append(
                    {**document, "key": self.headers.get("Idempotency-Key", "")}
                )
                if provider.mode == "slow":
                    time.sleep(CLIENT_TIMEOUT_SECONDS * 4)
                status = 503 if provider.mode == "5xx" else 200
                body = json.dumps({"message_id": f"m{len(provider.requests)}"}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def texts_to(self, to: str) -> list[str]:
        return [r["text"] for r in self.requests if r["to"] == to]


@pytest.fixture
def provider(settings) -> Iterator[Provider]:
    found = Provider()
    settings.SMS_GATEWAY = "http"
    settings.SMS_HTTP_URL = found.url
    settings.SMS_HTTP_TOKEN = "test-token"
    settings.SMS_HTTP_TIMEOUT_SECONDS = CLIENT_TIMEOUT_SECONDS
    settings.SMS_MAX_RETRIES = MAX_RETRIES
    settings.SMS_RETRY_BACKOFF_SECONDS = BACKOFF_SECONDS
    yield found
    found.server.shutdown()
    found.server.server_close()


class Rescheduled(Exception):
    def __init__(self, countdown: int) -> None:
        super().__init__(countdown)
        self.countdown = countdown


def deliver_as_a_worker(sms_id: int, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[int]]:
    """Runs `deliver_sms` as a worker does (not eagerly), attempt after attempt; each retry is
    recorded with the countdown it asked for instead of waiting for it."""

    def retry(*, countdown: int, max_retries: int) -> None:
        raise Rescheduled(countdown)

    monkeypatch.setattr(tasks.deliver_sms, "retry", retry)
    delays: list[int] = []
    retries = 0
    while True:
        tasks.deliver_sms.push_request(retries=retries, is_eager=False)
        try:
            outcome = tasks.deliver_sms.run(sms_id)
        except Rescheduled as rescheduled:
            delays.append(rescheduled.countdown)
            retries += 1
            continue
        finally:
            tasks.deliver_sms.pop_request()
        return outcome, delays


def queued_sms(django_capture_on_commit_callbacks) -> SmsMessage:
    with django_capture_on_commit_callbacks(execute=False):
        return sms_send(to=SIGNUP_MOBILE, text="Absher: your code is 123456", is_sensitive=True)


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("5xx", "retries exhausted: http 503"), ("slow", "retries exhausted: timeout")],
)
def test_a_failing_gateway_is_retried_with_growing_delays_then_the_sms_fails(
    provider, monkeypatch, django_capture_on_commit_callbacks, mode, reason
):
    # given a provider that answers 503 (or too late)
    provider.mode = mode
    sms = queued_sms(django_capture_on_commit_callbacks)

    # when the worker delivers it
    started = time.monotonic()
    outcome, delays = deliver_as_a_worker(sms.pk, monkeypatch)
    print(
        f"{mode}: attempts {len(provider.requests)}, delays {delays}, "
        f"{time.monotonic() - started:.2f} s of real time"
    )

    # then it tried 1 + MAX_RETRIES times, each wait twice the one before, then gave up
    assert outcome == "failed"
    assert len(provider.requests) == 1 + MAX_RETRIES
    assert delays == [BACKOFF_SECONDS * 2**n for n in range(MAX_RETRIES)] == [10, 20, 40]
    # every attempt carried the same idempotency key
    assert {r["key"] for r in provider.requests} == {f"absher-sms-{sms.pk}"}
    sms.refresh_from_db()
    assert sms.status == SmsStatus.FAILED
    assert sms.attempts == 1 + MAX_RETRIES
    assert sms.last_error == reason
    assert sms.failed_at is not None


def test_a_gateway_that_recovers_during_the_retries_sends_once(
    provider, monkeypatch, django_capture_on_commit_callbacks
):
    provider.mode = "5xx"
    sms = queued_sms(django_capture_on_commit_callbacks)
    tasks.deliver_sms.push_request(retries=0, is_eager=False)

    def retry(*, countdown: int, max_retries: int) -> None:
        provider.mode = "ok"  # back before the next attempt
        raise Rescheduled(countdown)

    monkeypatch.setattr(tasks.deliver_sms, "retry", retry)
    with pytest.raises(Rescheduled):
        tasks.deliver_sms.run(sms.pk)
    tasks.deliver_sms.pop_request()
    outcome, delays = deliver_as_a_worker(sms.pk, monkeypatch)

    assert outcome == "sent"
    assert delays == []
    sms.refresh_from_db()
    assert sms.status == SmsStatus.SENT
    assert sms.attempts == 2


def _register(client, person) -> Any:
    return client.post(
        "/register/",
        {
            "id_number": person.id_number,
            "date_of_birth": person.date_of_birth.isoformat(),
            "calendar": "gregorian",
            "username": "saad.q",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "mobile": SIGNUP_MOBILE,
            "email": "",
        },
    )


def test_the_person_sees_the_failure_and_a_resend_works_once_the_gateway_is_back(
    provider, client, moved_clock, django_capture_on_commit_callbacks
):
    # given the provider is down while a person registers on the portal
    moved_clock(T0)
    provider.mode = "5xx"
    person = make_person()
    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client, person)
    assert response.status_code == 302, response.content[:500]
    challenge = OtpChallenge.objects.get(id_number=person.id_number)
    assert len(provider.requests) == 1 + MAX_RETRIES
    assert SmsMessage.objects.get().status == SmsStatus.FAILED

    # then the code page says the code did not go out and offers to send it again
    page = client.get("/register/verify/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "We could not send the code to your mobile." in html
    assert "Send the code again" in html
    arabic = client.get("/register/verify/").content.decode()
    assert "تعذّر إرسال الرمز إلى جوالك." in arabic
    # and the API says so too
    delivery = client.get(f"/api/v1/auth/otp/{challenge.public_id}/delivery")
    assert delivery.json() == {"delivery_status": "failed"}

    # when the provider is back and the person asks again after the cool-down
    provider.mode = "ok"
    moved_clock(T0 + dt.timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post("/register/resend/")
    assert resent.status_code == 302

    # then the code went out, the page no longer warns, and the code completes the registration
    assert client.get(f"/api/v1/auth/otp/{challenge.public_id}/delivery").json() == {
        "delivery_status": "sent"
    }
    html = client.get("/register/verify/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "We could not send the code" not in html
    sent = provider.texts_to(SIGNUP_E164)
    code = re.search(r"\b(\d{6})\b", sent[-1])
    assert code is not None
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/register/verify/", {"code": code.group(1)})
    assert done.status_code == 302
    assert User.objects.filter(person=person).count() == 1
