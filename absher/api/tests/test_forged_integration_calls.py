"""1,000 forged or mutated partner calls across every signed integration endpoint (SPEC 13), drawn
with a fixed seed: a bad or foreign HMAC, the body, path, query or method changed after signing,
stale and future timestamps, replays of real requests and reused nonces, unknown, inactive and
wrong-kind partners (a court calling SADAD), missing and malformed headers. Each is refused with
its own code, and no table changes; refused SADAD notifications and card webhooks are only
recorded for reconciliation, as the channel intends."""

from __future__ import annotations

import json
import random
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from absher.accounts.constants import AccountStatus, PartnerKind
from absher.accounts.models import Partner
from absher.accounts.tests.support import T0, make_partner, make_person, signed_headers
from absher.core import clock
from absher.core.models import IdempotencyRecord
from absher.payments import cards
from absher.payments.models import BankNotification, CardNotification
from absher.payments.tests.helpers import issue
from absher.suspensions.tests.helpers import account, authority_partner
from absher.suspensions.tests.helpers import body as suspension_body

pytestmark = pytest.mark.django_db

CALLS = 1_000
SEED = 20_261_126
BASE = "/api/v1/integrations"
INQUIRY = f"{BASE}/sadad/inquiry"
PAYMENTS = f"{BASE}/sadad/payments"
ACTIVATIONS = f"{BASE}/banks/activations"
SUSPENSIONS = f"{BASE}/authorities/suspensions"
WEBHOOK = f"{BASE}/card-gateway/webhook"
LIFTED = "CRT-LIVE-0001"
# Rows written on purpose for every refused call on these two channels (reconciliation).
RECORDED = {BankNotification, CardNotification}
# Not domain state: the idempotency records of API writes (none is made here).
IGNORED = {IdempotencyRecord}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    kind: str
    make_body: Callable[[random.Random], bytes]


def _json(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields).encode()


def _sign(partner: Partner, method: str, path: str, body: bytes, **options: Any) -> dict:
    return signed_headers(
        partner=partner.code,
        secret=partner.secret,
        path=path,
        raw=body,
        method=method,
        **options,
    )


def _send(client: Client, call: Call) -> tuple[int, str, bool]:
    sender = getattr(client, call.method.lower())
    response = sender(call.path, call.body, content_type="application/json", headers=call.headers)
    answer = response.json()
    return (
        response.status_code,
        answer.get("code", ""),
        set(answer)
        == {
            "code",
            "message",
            "details",
        },
    )


def _table_state() -> dict[str, list[tuple]]:
    """Every row of every table the platform owns (but the reconciliation records)."""
    state = {}
    for model in apps.get_models():
        if model in RECORDED or model in IGNORED or not model.__module__.startswith("absher."):
            continue
        fields = [field.attname for field in model._meta.concrete_fields]
        state[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return state


@pytest.fixture
def world(moved_clock):
    """Partners of every kind, and something for each endpoint to change were a call accepted:
    an unpaid bill with an open card checkout, a registered account a bank could activate, a
    person an authority could suspend and a live suspension it could lift."""
    moved_clock(T0)
    bank = make_partner("rjhi-bank")
    other_bank = make_partner("sabb-bank")
    retired = make_partner("old-bank")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    court = authority_partner("riyadh-court")
    gateway = make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)
    payer = make_person()
    account(make_person(), username="registered.one", status=AccountStatus.REGISTERED)
    bill = issue(payer)
    checkout = cards.card_checkout_start(
        person=payer, sadad_number=bill.sadad_number, return_url="https://x.test/r", language="ar"
    ).checkout
    activatable = make_person()
    account(activatable, username="not.activated", status=AccountStatus.REGISTERED)
    suspended = make_person()
    return {
        "bank": bank,
        "other_bank": other_bank,
        "retired": retired,
        "court": court,
        "gateway": gateway,
        "payer": payer,
        "bill": bill,
        "checkout": checkout,
        "activatable": activatable,
        "suspended": suspended,
    }


def _endpoints(world: dict[str, Any]) -> list[Endpoint]:
    bill, checkout = world["bill"], world["checkout"]

    def payment(rng: random.Random) -> bytes:
        return _json(
            {
                "sadad_number": bill.sadad_number,
                "amount": bill.amount_halalas,
                "bank_code": "RJHI",
                "bank_reference": f"TX-{rng.randrange(10**9)}",
                "paid_at": clock.now().isoformat(),
            }
        )

    def inquiry(rng: random.Random) -> bytes:
        return _json({"id_number": world["payer"].id_number})

    def activation(rng: random.Random) -> bytes:
        return _json(
            {
                "id_number": world["activatable"].id_number,
                "bank_customer_reference": f"CUST-{rng.randrange(10**6)}",
            }
        )

    def suspension(rng: random.Random) -> bytes:
        return _json(suspension_body(world["suspended"], reference=f"CRT-{rng.randrange(10**9)}"))

    def webhook(rng: random.Random) -> bytes:
        return _json(
            {
                "reference": checkout.reference,
                "status": "paid",
                "charge_id": f"ch_{rng.randrange(10**9)}",
                "amount": checkout.amount_halalas,
            }
        )

    return [
        Endpoint("sadad_inquiry", "POST", INQUIRY, PartnerKind.BANK, inquiry),
        Endpoint("sadad_payment", "POST", PAYMENTS, PartnerKind.BANK, payment),
        Endpoint("bank_activation", "POST", ACTIVATIONS, PartnerKind.BANK, activation),
        Endpoint("suspension_place", "POST", SUSPENSIONS, PartnerKind.AUTHORITY, suspension),
        Endpoint(
            "suspension_lift",
            "DELETE",
            f"{SUSPENSIONS}/{LIFTED}",
            PartnerKind.AUTHORITY,
            lambda rng: b"",
        ),
        Endpoint("card_webhook", "POST", WEBHOOK, PartnerKind.CARD_GATEWAY, webhook),
    ]


def _flip_hex(signature: str, rng: random.Random) -> str:
    at = rng.randrange(len(signature))
    flipped = "0123456789abcdef".replace(signature[at], "")
    return signature[:at] + rng.choice(flipped) + signature[at + 1 :]


class Forger:
    """Builds one forged call of a given kind for an endpoint; each kind names the refusal."""

    def __init__(self, world: dict[str, Any], rng: random.Random, used: list[Call]) -> None:
        self.world = world
        self.rng = rng
        self.used = used  # real calls already accepted, to replay
        self.partners = {
            PartnerKind.BANK: world["bank"],
            PartnerKind.AUTHORITY: world["court"],
            PartnerKind.CARD_GATEWAY: world["gateway"],
        }

    def genuine(self, endpoint: Endpoint) -> Call:
        body = endpoint.make_body(self.rng)
        partner = self.partners[endpoint.kind]
        return Call(
            endpoint.method,
            endpoint.path,
            body,
            _sign(partner, endpoint.method, endpoint.path, body),
        )

    def bad_hmac(self, endpoint: Endpoint) -> tuple[Call, str]:
        call = self.genuine(endpoint)
        headers = {**call.headers, "X-Signature": _flip_hex(call.headers["X-Signature"], self.rng)}
        return replace(call, headers=headers), "bad_signature"

    def foreign_secret(self, endpoint: Endpoint) -> tuple[Call, str]:
        call = self.genuine(endpoint)
        impostor = Partner(code=call.headers["X-Partner"], secret=secrets.token_urlsafe(16))
        return replace(
            call, headers=_sign(impostor, call.method, call.path, call.body)
        ), "bad_signature"

    def body_mutated(self, endpoint: Endpoint) -> tuple[Call, str]:
        call = self.genuine(endpoint)
        if not call.body:
            return replace(call, body=b"{}"), "bad_signature"
        fields = json.loads(call.body)
        name = self.rng.choice(sorted(fields))
        value = fields[name]
        fields[name] = value + 1 if isinstance(value, int) else f"{value}0"
        return replace(call, body=_json(fields)), "bad_signature"

    def whitespace_added(self, endpoint: Endpoint) -> tuple[Call, str]:
        call = self.genuine(endpoint)
        return replace(call, body=call.body + b" "), "bad_signature"

    def path_mutated(self, endpoint: Endpoint) -> tuple[Call, str]:
        call = self.genuine(endpoint)
        if endpoint.method == "DELETE":
            return replace(call, path=f"{SUSPENSIONS}/CRT-OTHER-{self.rng.randrange(999)}"), (
                "bad_signature"
            )
        # Signed for one endpoint of the partner's kind, sent to another (or to itself with a
        # query string the signature did not cover).
        siblings = [
            e.path
            for e in _endpoints(self.world)
            if e.kind == endpoint.kind and e.method == "POST" and e.path != endpoint.path
        ]
        target = self.rng.choice(siblings) if siblings else f"{endpoint.path}?dry_run=1"
        return replace(call, path=target), "bad_signature"

    def query_mutated(self, endpoint: Endpoint) -> tuple[Call, str]:
        body = endpoint.make_body(self.rng)
        signed_path = f"{endpoint.path}?batch=1"
        partner = self.partners[endpoint.kind]
        headers = _sign(partner, endpoint.method, signed_path, body)
        sent = self.rng.choice([endpoint.path, f"{endpoint.path}?batch=2", f"{signed_path}&x=1"])
        return Call(endpoint.method, sent, body, headers), "bad_signature"

    def method_mutated(self, endpoint: Endpoint) -> tuple[Call, str]:
        body = endpoint.make_body(self.rng)
        other = self.rng.choice(
            [m for m in ("GET", "PUT", "PATCH", "POST", "DELETE") if m != endpoint.method]
        )
        headers = _sign(self.partners[endpoint.kind], other, endpoint.path, body)
        return Call(endpoint.method, endpoint.path, body, headers), "bad_signature"

    def stale(self, endpoint: Endpoint) -> tuple[Call, str]:
        body = endpoint.make_body(self.rng)
        moment = int(clock.now().timestamp()) - self.rng.randint(301, 10**7)
        headers = _sign(
            self.partners[endpoint.kind], endpoint.method, endpoint.path, body, timestamp=moment
        )
        return Call(endpoint.method, endpoint.path, body, headers), "stale_timestamp"

    def future(self, endpoint: Endpoint) -> tuple[Call, str]:
        body = endpoint.make_body(self.rng)
        moment = int(clock.now().timestamp()) + self.rng.randint(301, 10**7)
        headers = _sign(
            self.partners[endpoint.kind], endpoint.method, endpoint.path, body, timestamp=moment
        )
        return Call(endpoint.method, endpoint.path, body, headers), "stale_timestamp"

    def replay(self, endpoint: Endpoint) -> tuple[Call, str]:
        """One of the real requests made before, sent again exactly."""
        return self.rng.choice(self.used), "replayed_request"

    def nonce_reused(self, endpoint: Endpoint) -> tuple[Call, str]:
        """A fresh, correctly signed request that reuses a nonce its partner already sent."""
        kind_calls = [
            c for c in self.used if c.headers["X-Partner"] == self.partners[endpoint.kind].code
        ]
        earlier = self.rng.choice(kind_calls)
        body = endpoint.make_body(self.rng)
        headers = _sign(
            self.partners[endpoint.kind],
            endpoint.method,
            endpoint.path,
            body,
            nonce=earlier.headers["X-Nonce"],
        )
        return Call(endpoint.method, endpoint.path, body, headers), "replayed_request"

    def unknown_partner(self, endpoint: Endpoint) -> tuple[Call, str]:
        body = endpoint.make_body(self.rng)
        stranger = Partner(code=f"bank-{self.rng.randrange(10**6)}", secret="guessed-secret")
        headers = _sign(stranger, endpoint.method, endpoint.path, body)
        return Call(endpoint.method, endpoint.path, body, headers), "bad_signature"

    def wrong_kind(self, endpoint: Endpoint) -> tuple[Call, str]:
        """A real partner, correctly signed, of a kind this endpoint does not serve."""
        body = endpoint.make_body(self.rng)
        others = [p for kind, p in self.partners.items() if kind != endpoint.kind]
        headers = _sign(self.rng.choice(others), endpoint.method, endpoint.path, body)
        return Call(endpoint.method, endpoint.path, body, headers), "bad_signature"

    def inactive_partner(self, endpoint: Endpoint) -> tuple[Call, str]:
        body = endpoint.make_body(self.rng)
        headers = _sign(self.world["retired"], endpoint.method, endpoint.path, body)
        return Call(endpoint.method, endpoint.path, body, headers), "bad_signature"

    def other_partners_signature(self, endpoint: Endpoint) -> tuple[Call, str]:
        """Signed by one bank, sent in another bank's name."""
        call = self.genuine(endpoint)
        names = [self.world["other_bank"].code, self.world["court"].code, "demo-gateway"]
        name = self.rng.choice([n for n in names if n != call.headers["X-Partner"]])
        return replace(call, headers={**call.headers, "X-Partner": name}), "bad_signature"

    def missing_header(self, endpoint: Endpoint) -> tuple[Call, str]:
        call = self.genuine(endpoint)
        names = ["X-Partner", "X-Timestamp", "X-Nonce", "X-Signature"]
        dropped = set(self.rng.sample(names, self.rng.randint(1, 4)))
        headers = {k: v for k, v in call.headers.items() if k not in dropped}
        return replace(call, headers=headers), "bad_signature"

    def malformed_header(self, endpoint: Endpoint) -> tuple[Call, str]:
        body = endpoint.make_body(self.rng)
        now = int(clock.now().timestamp())
        nonce, stamp = self.rng.choice(
            [
                ("short", str(now)),
                ("x" * 65, str(now)),
                ("has a space in it!!", str(now)),
                (secrets.token_hex(16), f"{now}.5"),
                (secrets.token_hex(16), f"-{now}"),
                (secrets.token_hex(16), "now"),
            ]
        )
        headers = signed_headers(
            partner=self.partners[endpoint.kind].code,
            secret=self.partners[endpoint.kind].secret,
            path=endpoint.path,
            raw=body,
            method=endpoint.method,
            nonce=nonce,
        )
        headers["X-Timestamp"] = stamp
        return Call(endpoint.method, endpoint.path, body, headers), "bad_signature"

    def empty_signature(self, endpoint: Endpoint) -> tuple[Call, str]:
        call = self.genuine(endpoint)
        forged = self.rng.choice(["", "0" * 64, call.headers["X-Signature"][:-1]])
        return replace(call, headers={**call.headers, "X-Signature": forged}), "bad_signature"

    KINDS = (
        "bad_hmac",
        "foreign_secret",
        "body_mutated",
        "whitespace_added",
        "path_mutated",
        "query_mutated",
        "method_mutated",
        "stale",
        "future",
        "replay",
        "nonce_reused",
        "unknown_partner",
        "wrong_kind",
        "inactive_partner",
        "other_partners_signature",
        "missing_header",
        "malformed_header",
        "empty_signature",
    )


def _real_calls(client: Client, forger: Forger, world: dict[str, Any]) -> list[Call]:
    """Accepted requests of every partner (their effects happen before the snapshot), kept to be
    replayed: a declined card payment, an inquiry, suspensions placed, one lifted, a bank
    activation."""
    by_name = {e.name: e for e in _endpoints(world)}
    placing = forger.genuine(by_name["suspension_place"])
    live = _json(suspension_body(world["suspended"], reference=LIFTED))
    placing_live = Call("POST", SUSPENSIONS, live, _sign(world["court"], "POST", SUSPENSIONS, live))
    other_ref = "CRT-LIFT-0002"
    lifted_body = _json(suspension_body(make_person(), reference=other_ref))
    placing_lifted = Call(
        "POST", SUSPENSIONS, lifted_body, _sign(world["court"], "POST", SUSPENSIONS, lifted_body)
    )
    lift_path = f"{SUSPENSIONS}/{other_ref}"
    lifting = Call("DELETE", lift_path, b"", _sign(world["court"], "DELETE", lift_path, b""))
    other_payer = make_person()
    declined = cards.card_checkout_start(
        person=other_payer,
        sadad_number=issue(other_payer).sadad_number,
        return_url="https://x.test/r",
        language="ar",
    ).checkout
    declined_body = _json(
        {"reference": declined.reference, "status": "declined", "amount": declined.amount_halalas}
    )
    declining = Call(
        "POST", WEBHOOK, declined_body, _sign(world["gateway"], "POST", WEBHOOK, declined_body)
    )
    calls = [
        declining,
        forger.genuine(by_name["sadad_inquiry"]),
        placing,
        placing_live,
        placing_lifted,
        lifting,
        forger.genuine(by_name["bank_activation"]),
    ]
    for call in calls:
        status, code, _shaped = _send(client, call)
        assert status in (200, 201), (call.path, status, code)
    return calls


def test_a_thousand_forged_or_mutated_calls_are_refused_and_change_nothing(world):
    client = Client()
    rng = random.Random(SEED)
    forger = Forger(world, rng, used=[])
    forger.used.extend(_real_calls(client, forger, world))
    endpoints = _endpoints(world)
    before = _table_state()
    recorded_before = {model: model.objects.count() for model in RECORDED}
    expected_records = Counter[type]()
    seen: Counter[tuple[str, str]] = Counter()
    answers: Counter[tuple[int, str]] = Counter()

    for number in range(CALLS):
        kind = Forger.KINDS[number % len(Forger.KINDS)]
        endpoint = rng.choice(endpoints)
        call, expected = getattr(forger, kind)(endpoint)

        status, code, shaped = _send(client, call)

        assert (status, code, shaped) == (401, expected, True), (number, kind, endpoint.name, call)
        seen[(kind, endpoint.name)] += 1
        answers[(status, code)] += 1
        sent_to = call.path.split("?")[0]
        if code != "replayed_request":
            if sent_to == PAYMENTS:
                expected_records[BankNotification] += 1
            elif sent_to == WEBHOOK:
                expected_records[CardNotification] += 1

    print(f"\n{sum(answers.values())} forged calls: {dict(answers)}")
    assert sum(seen.values()) == CALLS
    assert {kind for kind, _name in seen} == set(Forger.KINDS)
    assert {name for _kind, name in seen} == {e.name for e in endpoints}
    assert _table_state() == before
    # Refused SADAD notifications and webhooks are kept for reconciliation, as rejected.
    for model in RECORDED:
        added = model.objects.order_by("id")[recorded_before[model] :]
        assert len(added) == expected_records[model]
        assert {row.result for row in added} <= {"rejected"}
