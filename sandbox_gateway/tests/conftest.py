"""Fixtures of the sandbox gateway's tests: a movable sandbox clock, signed checkout links built
the way the platform builds them, and a tiny local HTTP server that receives webhooks."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandbox_gateway import clock
from sandbox_gateway.tests.support import NOW


@pytest.fixture(autouse=True)
def gateway_clock() -> Iterator[Callable[[dt.datetime | None], None]]:
    """Every test starts at NOW on the sandbox's clock; `gateway_clock(moment)` moves it."""
    clock.set_override(NOW)
    yield clock.set_override
    clock.set_override(None)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A local webhook endpoint. `answers` are the HTTP statuses it gives, one per request (the
    last one repeats)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=lambda: [200])
    arrived: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.requests.append(
                Received(
                    method=self.command,
                    path=self.path,
                    headers=dict(self.headers.items()),
                    body=body,
                )
            )
            index = min(len(receiver.requests) - 1, len(receiver.answers) - 1)
            status = receiver.answers[index]
            answer = json.dumps({"ok": status < 300}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            receiver.arrived.set()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    receiver.url = (
        f"http://127.0.0.1:{server.server_address[1]}/api/v1/integrations/card-gateway/webhook"
    )
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
