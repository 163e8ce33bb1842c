"""One whole transfer of worker services on the production shape, over HTTP through nginx with the
JSON API, as SPEC 8 and 13 describe it: the current sponsor (demo `abdullah`) signs in with a code,
opens a transfer session with a code, reviews the transfer of Rajesh Kumar to `faisal` and confirms
it with a code; faisal signs in and accepts with a code; demo-bank's signed SADAD notification pays
the fee bill; the Celery worker (not the app server: jobs are not in-process here) runs the
fulfilment, and Rajesh Kumar is then faisal's worker.

The production profile has no development endpoints, so the codes are read where the outbox SMS
gateway delivers them: the stack's `notifications_outboxsms` table, through the ORM."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from absher.accounts.services.partners import signature_compute
from absher.identity.models import Sponsorship
from absher.notifications.models import OutboxSms
from tests.prodlike.conftest import ProdlikeDatabase, Stack

pytestmark = pytest.mark.prodlike

PASSWORD = "Riyadh2030Demo"
SPONSOR = {"username": "abdullah", "id_number": "1770914537", "mobile": "+966509120407"}
NEW_SPONSOR = {
    "username": "faisal",
    "id_number": "1665537195",
    "mobile": "+966553405691",
    "born": "1990-05-30",
}
WORKER_ID_NUMBER = "2864106998"
BANK, BANK_SECRET = "demo-bank", "demo-bank-secret"
SMS_WAIT_SECONDS = 30
FULFILMENT_WAIT_SECONDS = 60


class Client:
    """A JSON client of the API through nginx; remembers the X-Request-ID of every answer."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.request_ids: list[str] = []

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str = "",
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.base_url + path, data=data, method=method
        )
        request.add_header("Accept-Language", "en")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, payload, answer_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, payload, answer_headers = error.code, error.read(), error.headers
        self.request_ids.append(answer_headers.get("X-Request-ID", ""))
        text = payload.decode()
        return status, json.loads(text) if text.startswith(("{", "[")) else text

    def ok(self, method: str, path: str, body: Any = None, *, token: str = "", expect: int = 200):
        status, answer = self.call(method, path, body, token=token)
        assert status == expect, f"{method} {path} → {status}: {answer}"
        return answer


class Phone:
    """The SMS a number received, read from the stack's outbox table; waits for the worker."""

    def __init__(self, db: ProdlikeDatabase) -> None:
        self.db = db

    def last_id(self, mobile: str) -> int:
        return self.db.read(
            lambda alias: (
                (
                    OutboxSms.objects.using(alias)
                    .filter(to=mobile)
                    .order_by("-id")
                    .values_list("id", flat=True)
                    .first()
                )
                or 0
            )
        )

    def code_after(self, mobile: str, after_id: int) -> str:
        """The code in the first SMS with a code to `mobile` newer than `after_id` (the worker
        delivers SMS after the request's commit, so it may take a moment; other messages, such as
        the news of a transfer, have no six-digit code)."""
        deadline = time.monotonic() + SMS_WAIT_SECONDS
        while time.monotonic() < deadline:
            bodies = self.db.read(
                lambda alias: list(
                    OutboxSms.objects.using(alias)
                    .filter(to=mobile, id__gt=after_id)
                    .order_by("id")
                    .values_list("body", flat=True)
                )
            )
            for body in bodies:
                found = re.search(r"(?<!\d)(\d{6})(?!\d)", body)
                if found:
                    return found.group(1)
            time.sleep(0.2)
        raise AssertionError(f"no code sent to {mobile} within {SMS_WAIT_SECONDS} s")


def challenge(
    client: Client,
    phone: Phone,
    mobile: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str = "",
) -> tuple[str, str]:
    """Calls an operation that sends a code; returns its challenge id and the code received."""
    before = phone.last_id(mobile)
    answer = client.ok(method, path, body, token=token)
    return answer["challenge_id"], phone.code_after(mobile, before)


def sign_in(client: Client, phone: Phone, person: dict[str, str]) -> str:
    challenge_id, code = challenge(
        client,
        phone,
        person["mobile"],
        "POST",
        "/api/v1/auth/login",
        {"username": person["username"], "password": PASSWORD},
    )
    tokens = client.ok(
        "POST", "/api/v1/auth/login/verify", {"challenge_id": challenge_id, "code": code}
    )
    return tokens["access_token"]


def sadad_payment(client: Client, *, sadad_number: str, amount: int) -> tuple[int, Any]:
    path = "/api/v1/integrations/sadad/payments"
    raw = json.dumps(
        {
            "sadad_number": sadad_number,
            "amount": amount,
            "bank_code": "DEMO",
            "bank_reference": f"PRODLIKE-{secrets.token_hex(6)}",
            "paid_at": dt.datetime.now(dt.UTC).isoformat(),
        }
    ).encode()
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    headers = {
        "X-Partner": BANK,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": signature_compute(
            secret=BANK_SECRET, timestamp=timestamp, nonce=nonce, method="POST", path=path, body=raw
        ),
    }
    return client.call("POST", path, raw=raw, headers=headers)


def worker_ids(client: Client, token: str) -> set[str]:
    return {
        item["id_number"] for item in client.ok("GET", "/api/v1/me/workers", token=token)["items"]
    }


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        sample_labels = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(sample_labels.get(key) == value for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_a_transfer_of_worker_services_through_nginx_is_completed_by_the_celery_worker(
    prodlike_stack: Stack, prodlike_db: ProdlikeDatabase
):
    client = Client(prodlike_stack.base_url)
    phone = Phone(prodlike_db)

    # The current sponsor signs in, finds the worker and opens a transfer session with a code.
    sponsor_token = sign_in(client, phone, SPONSOR)
    workers = client.ok("GET", "/api/v1/me/workers", token=sponsor_token)["items"]
    worker = next(item for item in workers if item["id_number"] == WORKER_ID_NUMBER)
    assert worker["name_en"] == "Rajesh Kumar"
    challenge_id, code = challenge(
        client,
        phone,
        SPONSOR["mobile"],
        "POST",
        "/api/v1/transfers/verify-start",
        token=sponsor_token,
    )
    session = client.ok(
        "POST",
        "/api/v1/transfers/verify-start/verify",
        {"challenge_id": challenge_id, "code": code},
        token=sponsor_token,
    )["transfer_session"]

    # Reviews both parties and the fee, then confirms with the code the review sent.
    challenge_id, code = challenge(
        client,
        phone,
        SPONSOR["mobile"],
        "POST",
        "/api/v1/transfers/preview",
        {
            "transfer_session": session,
            "worker_id": worker["worker_id"],
            "new_sponsor_id_number": NEW_SPONSOR["id_number"],
            "new_sponsor_date_of_birth": NEW_SPONSOR["born"],
            "calendar": "gregorian",
        },
        token=sponsor_token,
    )
    transfer = client.ok(
        "POST",
        "/api/v1/transfers",
        {"challenge_id": challenge_id, "code": code},
        token=sponsor_token,
        expect=201,
    )
    assert transfer["status"] == "pending_acceptance"

    # The new sponsor signs in and accepts with a code: a fee bill is issued.
    new_sponsor_token = sign_in(client, phone, NEW_SPONSOR)
    incoming = client.ok("GET", "/api/v1/transfers?direction=incoming", token=new_sponsor_token)
    assert transfer["id"] in [item["id"] for item in incoming["items"]]
    challenge_id, code = challenge(
        client,
        phone,
        NEW_SPONSOR["mobile"],
        "POST",
        f"/api/v1/transfers/{transfer['id']}/accept",
        token=new_sponsor_token,
    )
    accepted = client.ok(
        "POST",
        f"/api/v1/transfers/{transfer['id']}/accept/verify",
        {"challenge_id": challenge_id, "code": code},
        token=new_sponsor_token,
    )
    assert accepted["status"] == "awaiting_payment"
    bill = accepted["bill"]
    assert bill["amount_halalas"] > 0

    # The bank's signed notification pays the bill (once: the same payment again is a duplicate).
    status, paid = sadad_payment(
        client, sadad_number=bill["sadad_number"], amount=bill["amount_halalas"]
    )
    assert (status, paid["result"]) == (200, "applied"), paid
    payment_request_id = client.request_ids[-1]

    # The Celery worker runs the fulfilment after the payment's commit.
    deadline = time.monotonic() + FULFILMENT_WAIT_SECONDS
    current = accepted
    while current["status"] != "completed" and time.monotonic() < deadline:
        time.sleep(0.3)
        current = client.ok("GET", f"/api/v1/transfers/{transfer['id']}", token=new_sponsor_token)
    assert current["status"] == "completed", current

    # The worker is now the new sponsor's, in the registry and for both sponsors.
    sponsor_now = prodlike_db.read(
        lambda alias: (
            Sponsorship.objects.using(alias)
            .filter(worker__id_number=WORKER_ID_NUMBER, ended_at__isnull=True)
            .values_list("sponsor__id_number", flat=True)
            .get()
        )
    )
    assert sponsor_now == NEW_SPONSOR["id_number"]
    assert WORKER_ID_NUMBER in worker_ids(client, new_sponsor_token)
    assert WORKER_ID_NUMBER not in worker_ids(client, sponsor_token)

    # What operations sees: the fulfilment counted by the worker, codes and SMS counted, every
    # request answered through nginx with its request id, spread over both app servers.
    status, text = client.call("GET", "/metrics", token=prodlike_stack.metrics_token)
    assert status == 200
    assert (
        metric(text, "absher_celery_tasks_total", task="payments.fulfil_bill", outcome="succeeded")
        >= 1
    )
    assert (
        metric(
            text, "absher_celery_tasks_total", task="notifications.deliver_sms", outcome="succeeded"
        )
        >= 5
    )
    # Five codes: two sign-ins, the transfer session, the review, the acceptance.
    assert metric(text, "absher_otp_total", outcome="issued") >= 5
    assert metric(text, "absher_otp_total", outcome="verified") >= 5
    assert metric(text, "absher_sms_total", gateway="outbox", outcome="sent") >= 5
    assert (
        metric(
            text,
            "absher_http_requests_total",
            route="api/v1/transfers",
            method="POST",
            status="201",
        )
        == 1
    )
    assert client.call("GET", "/metrics")[0] == 401

    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in client.request_ids)
    access_log = (prodlike_stack.home / "logs" / "nginx-access.log").read_text()
    lines = [json.loads(line) for line in access_log.splitlines() if line.strip()]
    logged = {line["request_id"]: line for line in lines}
    assert set(client.request_ids) <= set(logged)
    assert {logged[request_id]["upstream"] for request_id in client.request_ids} == {
        f"127.0.0.1:{int(prodlike_stack.base_url.rsplit(':', 1)[1]) + offset}" for offset in (1, 2)
    }
    # The worker's JSON log lines of the fulfilment carry the id of the bank's request.
    worker_log = (prodlike_stack.home / "logs" / "worker.log").read_text().splitlines()
    worker_lines = [json.loads(line) for line in worker_log if line.startswith("{")]
    assert any(line.get("request_id") == payment_request_id for line in worker_lines)
