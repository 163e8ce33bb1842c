"""Schemathesis over every operation of /api/v1/openapi.json, in-process against the WSGI app.

All four testing phases run (examples, coverage, fuzzing, stateful) with a fixed seed and
derandomised generation, valid and invalid inputs alike, as an activated person with real
credentials; signed integration operations are signed as their partner would sign them (see
`harness`). A run passes only with no failed check: no server error, every status code and content
type documented, every body matching its schema, no operation that works without its credentials,
and no response that carries another person's data (the owner of the `world`, whose objects the
fuzzing person must never reach).

FUZZ_MAX_EXAMPLES raises the number of cases per operation for a longer local run, FUZZ_SEED
explores with another seed, and FUZZ_PATH_REGEX narrows a run to the operations whose path matches;
CI uses none of them."""

from __future__ import annotations

import os
import time
import traceback
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from schemathesis.engine import events, from_schema
from schemathesis.transport.wsgi import WSGITransport

from absher.accounts.constants import PartnerKind
from absher.accounts.models import Authority, Partner
from absher.accounts.tests.support import T0
from absher.payments.models import Bill, Payment
from absher.payments.tests.helpers import issue
from absher.requests.services import service_request_create
from absher.suspensions.models import Suspension
from tests.security.actors import OTHER_PERSON, world_build

from .harness import (
    AUTHORITY,
    BANK,
    IDENTITY,
    SigningApp,
    wsgi_send_without_socket_options,
)

SEED = int(os.environ.get("FUZZ_SEED", "20260301"))
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "20"))
PHASES = ("examples", "coverage", "fuzzing", "stateful")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "ignored_auth",
    "no_foreign_data",
)


def fuzz_config() -> schemathesis.Config:
    checks: dict[str, Any] = {"enabled": False}
    checks.update({name: {"enabled": True} for name in CHECKS})
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "continue-on-failure": True,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "checks": checks,
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": 6},
            },
            "cache": {"enabled": False},
        }
    )


@pytest.fixture
def fuzz_world(
    transactional_db, audit_truncate_allowed, standard_catalogue, settings, tmp_path, moved_clock
):
    """The owner's objects come first (the lowest ids, the first any guess hits); the fuzzing
    person has a bill and a request of her own; one partner of each kind signs integration calls."""
    settings.CASE_DOCUMENTS_DIR = tmp_path / "cases"
    moved_clock(T0)
    world = world_build()
    owner = world.owner
    fuzzer = world.users[OTHER_PERSON]
    assert owner is not None
    assert fuzzer is not None
    issue(fuzzer.person, amount=4500)
    service_request_create(user=fuzzer, service_code="passport_renewal")
    authority = Authority.objects.create(code="fuzz-court", name_ar="محكمة", name_en="Court")
    for code, kind, of, secret in (
        (BANK, PartnerKind.BANK, None, "fuzz-bank-secret-0123456789"),
        (AUTHORITY, PartnerKind.AUTHORITY, authority, "fuzz-authority-secret-0123456789"),
        (
            settings.CARD_GATEWAY_PARTNER,
            PartnerKind.CARD_GATEWAY,
            None,
            settings.SANDBOX_GATEWAY_SECRET,
        ),
    ):
        Partner.objects.create(code=code, kind=kind, name=code, secret=secret, authority=of)
    IDENTITY.username = fuzzer.username
    IDENTITY.foreign_markers = [
        owner.id_number,
        owner.name_en,
        owner.name_ar,
        *Bill.objects.filter(payer=owner).values_list("sadad_number", flat=True),
        *Payment.objects.filter(bill__payer=owner).values_list("receipt_code", flat=True),
        *Suspension.objects.filter(person=owner).values_list("reference", flat=True),
    ]
    yield world
    IDENTITY.username = ""
    IDENTITY.foreign_markers = []


def test_every_operation_passes_every_check(fuzz_world, capsys, monkeypatch):
    monkeypatch.setattr(WSGITransport, "send", wsgi_send_without_socket_options(WSGITransport.send))
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", SigningApp(get_wsgi_application()), config=fuzz_config()
    )
    if os.environ.get("FUZZ_PATH_REGEX"):
        schema = schema.include(path_regex=os.environ["FUZZ_PATH_REGEX"])
    operations = sorted(
        f"{op.ok().method.upper()} {op.ok().path}" for op in schema.get_all_operations()
    )

    started = time.monotonic()
    cases: Counter[str] = Counter()
    tested: dict[str, set[str]] = {}
    failures: dict[str, str] = {}
    errors: list[str] = []
    phases: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseFinished):
            phases.append(f"{event.phase.name.value}: {event.status.value}")
        elif isinstance(event, events.ScenarioFinished):
            phase = event.phase.value
            cases[phase] += len(event.recorder.cases)
            tested.setdefault(phase, set()).add(event.recorder.label)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    failure = check.failure_info.failure
                    first_line = failure.message.splitlines()[0] if failure.message else ""
                    key = (
                        f"[{phase}] {event.recorder.label}: {check.name}: {failure.title}: "
                        f"{first_line}"
                    )
                    interaction = event.recorder.interactions.get(case_id)
                    sent = (
                        f"{interaction.request.method} {interaction.request.uri} "
                        f"{(interaction.request.body or b'')[:300]!r}"
                        if interaction is not None
                        else ""
                    )
                    failures.setdefault(key, f"{failure.message[:600]}\n  sent: {sent}")
        elif isinstance(event, events.NonFatalError):
            errors.append(
                f"{event.label}: {event.info.title}: {event.info.message}\n"
                + "".join(traceback.format_exception(event.value))
            )
        elif isinstance(event, events.FatalError):
            errors.append(f"fatal: {event.exception!r}")
    elapsed = time.monotonic() - started

    with capsys.disabled():
        print(
            f"\nschemathesis {schemathesis.__version__}, seed {SEED}, "
            f"{len(operations)} operations, "
            f"max_examples {MAX_EXAMPLES}, {elapsed:.1f}s"
        )
        for phase in PHASES:
            print(f"  {phase}: {cases[phase]} cases over {len(tested.get(phase, ()))} scenarios")
        print("  phases:", ", ".join(phases))
    assert not failures, f"{len(failures)} distinct failures:\n" + "\n\n".join(
        f"{key}\n  {detail}" for key, detail in sorted(failures.items())
    )
    assert not errors, "\n".join(sorted(set(errors)))
    # Every testing phase ran (none skipped for want of examples or links) and passed.
    assert [f"{phase}: success" for phase in PHASES] == [
        item for item in phases if item.split(":")[0] in PHASES
    ]
    for phase in ("coverage", "fuzzing"):
        missed = sorted(set(operations) - tested.get(phase, set()))
        assert not missed, f"{phase} did not test {missed}"
