from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from absher.notifications.checks import check_sms_gateway
from absher.notifications.constants import SmsStatus
from absher.notifications.gateways.base import PermanentGatewayError, TransientGatewayError
from absher.notifications.gateways.console import ConsoleGateway
from absher.notifications.gateways.http import HttpGateway
from absher.notifications.gateways.outbox import OutboxGateway
from absher.notifications.gateways.registry import GATEWAYS, get_gateway
from absher.notifications.models import SmsMessage
from absher.notifications.services import sms_send

MOBILE = "+966501234567"
OTP_TEXT = "رمز التحقق: 482913"


@dataclass
class FakeProvider:
    """A tiny SMS provider on 127.0.0.1: answers `status` with `body` after `delay` seconds and
    keeps every request it got."""

    url: str = ""
    status: int = 200
    body: bytes = b'{"message_id": "prov-1"}'
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            fake.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "json": json.loads(self.rfile.read(length)),
                }
            )
            time.sleep(fake.delay)
            try:
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(fake.body)))
                self.end_headers()
                self.wfile.write(fake.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout case)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1/sms"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _gateway(provider: FakeProvider, **overrides: Any) -> HttpGateway:
    options: dict[str, Any] = {
        "url": provider.url,
        "token": "secret-token",
        "sender": "ABSHER",
        "timeout_seconds": 2.0,
    }
    options.update(overrides)
    return HttpGateway(**options)


def test_http_gateway_posts_json_with_the_bearer_token(provider: FakeProvider) -> None:
    message_id = _gateway(provider).send(to=MOBILE, text="مرحبا")

    assert message_id == "prov-1"
    [request] = provider.requests
    assert request["path"] == "/v1/sms"
    assert request["headers"]["Authorization"] == "Bearer secret-token"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["json"] == {"to": MOBILE, "text": "مرحبا", "sender": "ABSHER"}


@pytest.mark.parametrize(
    ("body", "message_id"),
    [(b'{"id": 77}', "77"), (b"accepted", ""), (b"[]", ""), (b"", "")],
)
def test_http_gateway_accepts_any_2xx_answer(
    provider: FakeProvider, body: bytes, message_id: str
) -> None:
    provider.status, provider.body = 202, body
    assert _gateway(provider).send(to=MOBILE, text="مرحبا") == message_id


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_http_gateway_server_errors_are_transient(provider: FakeProvider, status: int) -> None:
    provider.status = status
    with pytest.raises(TransientGatewayError) as failure:
        _gateway(provider).send(to=MOBILE, text=OTP_TEXT, is_sensitive=True)
    assert failure.value.reason == f"http {status}"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_http_gateway_client_errors_are_permanent(provider: FakeProvider, status: int) -> None:
    provider.status = status
    with pytest.raises(PermanentGatewayError) as failure:
        _gateway(provider).send(to=MOBILE, text="مرحبا")
    assert failure.value.reason == f"http {status}"


def test_http_gateway_timeout_is_transient(provider: FakeProvider) -> None:
    provider.delay = 1.0
    with pytest.raises(TransientGatewayError) as failure:
        _gateway(provider, timeout_seconds=0.2).send(to=MOBILE, text="مرحبا")
    assert failure.value.reason == "timeout"


def test_http_gateway_unreachable_provider_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = HttpGateway(url=f"http://127.0.0.1:{port}/sms", token="t", timeout_seconds=1.0)

    with pytest.raises(TransientGatewayError) as failure:
        gateway.send(to=MOBILE, text="مرحبا")
    assert failure.value.reason.startswith("connection error")
    assert MOBILE not in failure.value.reason


@pytest.mark.parametrize("url", ["", "file:///etc/passwd", "ftp://example.com/sms"])
def test_http_gateway_needs_an_http_address(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="SMS_HTTP_URL"):
        HttpGateway(url=url)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "outcome", "requests", "error"),
    [
        (200, SmsStatus.SENT, 1, ""),
        (400, SmsStatus.FAILED, 1, "refused: http 400"),
        (503, SmsStatus.FAILED, 3, "retries exhausted: http 503"),
    ],
)
def test_an_sms_through_the_http_gateway(
    provider: FakeProvider,
    settings: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
    status: int,
    outcome: str,
    requests: int,
    error: str,
) -> None:
    # given the production gateway configured against the provider, two retries allowed
    settings.SMS_GATEWAY = "http"
    settings.SMS_HTTP_URL = provider.url
    settings.SMS_HTTP_TOKEN = "secret-token"
    settings.SMS_MAX_RETRIES = 2
    provider.status = status

    with django_capture_on_commit_callbacks(execute=True):
        sms = sms_send(to="0501234567", text=OTP_TEXT, is_sensitive=True)

    sms.refresh_from_db()
    assert len(provider.requests) == requests
    assert (sms.status, sms.gateway, sms.last_error) == (outcome, "http", error)
    assert sms.provider_message_id == ("prov-1" if outcome == SmsStatus.SENT else "")
    assert sms.body == "[redacted]"


def _logged(records: list[logging.LogRecord]) -> str:
    """Everything a log handler could write: messages and every extra field."""
    return " ".join(f"{record.getMessage()} {record.__dict__}" for record in records)


def test_console_gateway_never_logs_a_sensitive_text(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="absher.sms")

    message_id = ConsoleGateway().send(to=MOBILE, text=OTP_TEXT, is_sensitive=True)

    records = [record for record in caplog.records if record.name == "absher.sms"]
    assert len(records) == 1
    assert message_id.startswith("console-")
    logged = _logged(records)
    assert "482913" not in logged
    assert MOBILE not in logged
    assert records[0].to == "+9665•••••567"  # type: ignore[attr-defined]


def test_console_gateway_logs_a_plain_text(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="absher.sms")

    ConsoleGateway().send(to=MOBILE, text="تم استلام طلبك")

    [record] = [record for record in caplog.records if record.name == "absher.sms"]
    assert record.text == "تم استلام طلبك"  # type: ignore[attr-defined]
    assert MOBILE not in _logged([record])


@pytest.mark.django_db
def test_delivery_logs_never_hold_the_code_or_the_number(
    caplog: pytest.LogCaptureFixture,
    settings: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    settings.SMS_GATEWAY = "console"

    with django_capture_on_commit_callbacks(execute=True):
        sms = sms_send(to=MOBILE, text=OTP_TEXT, is_sensitive=True)

    assert SmsMessage.objects.get(pk=sms.pk).status == SmsStatus.SENT
    logged = _logged(caplog.records)
    assert "sms.queued" in logged
    assert "sms.sent" in logged
    assert "482913" not in logged
    assert MOBILE not in logged


def test_registry_builds_the_configured_gateway(settings: Any) -> None:
    settings.SMS_GATEWAY = "console"
    assert isinstance(get_gateway(), ConsoleGateway)
    assert isinstance(get_gateway("outbox"), OutboxGateway)
    assert set(GATEWAYS) == {"console", "outbox", "http"}


def test_registry_names_an_unknown_gateway(settings: Any) -> None:
    settings.SMS_GATEWAY = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured, match=r"'carrier-pigeon'.*console, http, outbox"):
        get_gateway()


@pytest.mark.parametrize(
    ("gateway", "url", "ids"),
    [
        ("outbox", "", []),
        ("http", "https://sms.example.com/v1", []),
        ("http", "", ["notifications.E002"]),
        ("carrier-pigeon", "", ["notifications.E001"]),
    ],
)
def test_system_check_refuses_an_unusable_gateway(
    settings: Any, gateway: str, url: str, ids: list[str]
) -> None:
    settings.SMS_GATEWAY, settings.SMS_HTTP_URL = gateway, url
    assert [message.id for message in check_sms_gateway()] == ids
