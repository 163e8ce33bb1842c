# It starts the project's own programs and tools, and loads rows it generates itself.
# ruff: noqa: S603, S607, S608, RUF005
"""Every benchmark of the production shape, in one command, printed as one table:

    .venv/bin/python bench/run.py            # or: make bench
    .venv/bin/python bench/run.py --rows a,b --repetitions 3 --seconds 10

It runs against the prodlike stack (`scripts/prodlike`: nginx in front of two gunicorn app servers,
a Celery worker and beat, on the local PostgreSQL and Redis), starting it when it is not running
and stopping it again at the end. Load comes from a second process pinned to one core
(`taskset -c 1`): wrk for closed-loop throughput, `bench/loadgen.py` for fixed-rate latency and for
requests that must each be unique (signed bank notifications, one-time codes). Each figure and its
baseline are measured in the same run, interleaved (their order alternates), 3 repetitions; the
median is reported.

Rows:
  a  authenticated GET /api/v1/me/suspensions vs GET /healthz (a hello-world JSON view behind the
     same middleware), closed loop: goal >= 0.5x
  b  p99 at 70 % of (a)'s rate vs p50 at 10 %, open loop: goal <= 4x and <= 50 ms; and 0 errors
     with 256 connections
  c  SADAD notifications applied per second, one per request and 1,000 per batch request, vs a raw
     INSERT + COMMIT per row and COPY of 1,000 rows of the same shape: goals >= 0.4x and >= 0.25x
  d  GET /api/v1/me/suspensions with 10,000,000 persons vs 10,000 persons (databases made by
     `manage.py generate_scale_data`; an app server of the stack's settings on each): p50 <= 1.3x,
     p99 <= 1.5x. Skipped, and said so, when those databases are not there.
  e  the one-time-code step of sign-in (POST /api/v1/auth/login/verify) vs GET /healthz: >= 0.7x
  f  a mixed portal workload of a signed-in person (home, sign-in page, catalogue, suspensions,
     bills, transfers, messages) through nginx: requests per second for this machine

The figures depend on the machine: on a 2-core machine the load generator, nginx, both app servers,
the worker, PostgreSQL and Redis share two cores. `bench/README.md` says what limits each figure."""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
sys.path.insert(0, str(ROOT))

from bench.sadad_ingestion import NOTIFICATION_COLUMNS  # noqa: E402  # the same row shape


def _prodlike():  # type: ignore[no-untyped-def]
    loader = importlib.machinery.SourceFileLoader("prodlike", str(ROOT / "scripts" / "prodlike"))
    spec = importlib.util.spec_from_loader("prodlike", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["prodlike"] = module
    loader.exec_module(module)
    return module


prodlike = _prodlike()
WORK = prodlike.HOME / "bench"
BANK = "bench-bank"
OTP_CODE = "246810"
SCALE_PORT = prodlike.PORT + 20
SCALE_DATABASES = {"10k": "absher_scale_10k", "10m": "absher_scale_10m"}


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- set-up inside the platform (run in a child process with the stack's settings) ----------------


def setup(kind: str, argument: str) -> dict:
    """Runs in a child process under `config.settings.production` with the stack's database."""
    import django

    django.setup()
    if kind == "token":
        return {"token": _token(argument or "abdullah")}
    if kind == "bills":
        return _bills(int(argument))
    if kind == "challenges":
        return _challenges(int(argument))
    if kind == "session":
        return _session()
    if kind == "scale_token":
        return _scale_token()
    raise SystemExit(f"unknown set-up {kind!r}")


def _token(username: str) -> str:
    from absher.accounts.models import User
    from absher.accounts.services.tokens import tokens_issue

    return tokens_issue(user=User.objects.get(username=username)).access_token


def _bank_partner() -> dict:
    from absher.accounts.constants import PartnerKind
    from absher.accounts.models import Partner, User
    from absher.accounts.services.partners import partner_create

    partner = Partner.objects.filter(code=BANK).first()
    if partner is None:
        operator, _ = User.objects.get_or_create(username="bench.operator", is_staff=True)
        partner_create(
            actor=operator,
            code=BANK,
            kind=PartnerKind.BANK,
            name="Bench Bank",
            secret=prodlike._kept_secret("bench_bank_secret"),
        )
        partner = Partner.objects.get(code=BANK)
    return {"partner": partner.code, "secret": partner.secret}


def _reserve_ids(model: type, count: int) -> int:
    """A block of `count` ids from the table's sequence, for rows loaded by COPY with their ids."""
    from django.db import connection

    table = model._meta.db_table  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count])
    return int(first)


def _bench_people(count: int, label: str) -> list[int]:
    """`count` new citizens with mobiles, loaded by COPY; their ids."""
    from absher.identity.models import Person
    from absher.identity.rules import id_number_with_check_digit
    from bench.sadad_ingestion import copy_rows

    now = _now()
    offset = Person.objects.filter(name_en__startswith="Bench ").count()
    first = _reserve_ids(Person, count)
    copy_rows(
        Person._meta.db_table,
        ["id", "id_number", "id_type", "name_ar", "name_en", "gender", "nationality"]
        + ["mother_nationality", "date_of_birth", "mobile", "iqama_expiry", "residency_status"]
        + ["has_criminal_case", "owes_sponsor", "traffic_fines_due_halalas", "has_exit_visa"]
        + ["transfer_count", "created_at", "updated_at"],
        (
            (
                first + i,
                id_number_with_check_digit(f"17{offset + i:07d}"),
                "citizen",
                "سعد بن عبدالله القحطاني",
                f"Bench {label}",
                "M",
                "SA",
                "",
                "1985-01-01",
                f"+9665{(offset + i) % 10**8:08d}",
                None,
                "valid",
                False,
                False,
                0,
                False,
                0,
                now,
                now,
            )
            for i in range(count)
        ),
    )
    return list(range(first, first + count))


def _now():  # type: ignore[no-untyped-def]
    from absher.core import clock

    return clock.now()


def _bills(count: int) -> dict:
    """`count` unpaid passport-renewal bills of new payers, each paying an open request, as
    `service_request_create` and `bill_create` leave them; their SADAD numbers in a file."""
    import secrets as random_source

    from django.conf import settings
    from django.db import connection

    from absher.catalog.models import Service
    from absher.payments.constants import DEFAULT_BILL_LIFETIME
    from absher.payments.models import Bill, BillEvent
    from absher.requests.constants import RequestStatus
    from absher.requests.models import ServiceRequest
    from bench.sadad_ingestion import copy_rows

    partner = _bank_partner()
    service = Service.objects.get(code="passport_renewal")
    people = _bench_people(count, "Payer")
    numbers: set[str] = set()
    while len(numbers) < count:
        numbers.add(str(random_source.randbelow(9 * 10**12) + 10**12))
    taken = set(Bill.objects.filter(sadad_number__in=numbers).values_list("sadad_number", flat=1))
    ordered = [number for number in numbers if number not in taken]
    people = people[: len(ordered)]
    now = _now()
    first_request = _reserve_ids(ServiceRequest, len(ordered))
    copy_rows(
        ServiceRequest._meta.db_table,
        ["id", "created_at", "updated_at", "person_id", "service_id", "status", "fee_halalas"]
        + ["sadad_number", "decided_at", "decided_by", "decision_note"],
        (
            (first_request + i, now, now, person, service.pk, RequestStatus.AWAITING_PAYMENT)
            + (service.fee_halalas, ordered[i], None, "", "")
            for i, person in enumerate(people)
        ),
    )
    first_bill = _reserve_ids(Bill, len(ordered))
    copy_rows(
        Bill._meta.db_table,
        ["id", "created_at", "updated_at", "sadad_number", "biller_code", "amount_halalas"]
        + ["payer_id", "service_id", "purpose", "purpose_id", "status", "issued_at", "expires_at"]
        + ["paid_at", "paid_channel", "closed_at", "close_reason"],
        (
            (first_bill + i, now, now, ordered[i], settings.SADAD_BILLER_CODE)
            + (service.fee_halalas, person, service.pk, "service_request", str(first_request + i))
            + ("unpaid", now, now + DEFAULT_BILL_LIFETIME, None, "", None, "")
            for i, person in enumerate(people)
        ),
    )
    copy_rows(
        BillEvent._meta.db_table,
        ["created_at", "updated_at", "bill_id", "from_status", "to_status", "actor_type"]
        + ["actor_id", "note"],
        ((now, now, first_bill + i, "", "unpaid", "system", "", "") for i in range(len(ordered))),
    )
    with connection.cursor() as cursor:
        for table in ("identity_person", ServiceRequest._meta.db_table, Bill._meta.db_table):
            cursor.execute(f"ANALYZE {table}")
    path = WORK / f"bills-{os.getpid()}-{time.time_ns()}.txt"
    path.write_text("\n".join(ordered))
    return {**partner, "file": str(path), "amount": service.fee_halalas, "count": len(ordered)}


def _challenges(count: int) -> dict:
    """A pending sign-in code (OTP_CODE) for each of `count` accounts, as the password step leaves
    them; accounts are made once and reused. Their challenge ids in a file."""
    import datetime as dt

    from django.conf import settings

    from absher.accounts.constants import AccountStatus, OtpPurpose
    from absher.accounts.models import OtpChallenge, User
    from absher.accounts.services.otp import code_hmac

    users = list(
        User.objects.filter(username__startswith="bench.otp.").select_related("person")[:count]
    )
    if len(users) < count:
        missing = count - len(users)
        people = _bench_people(missing, "Account")
        start = User.objects.filter(username__startswith="bench.otp.").count()
        User.objects.bulk_create(
            User(
                username=f"bench.otp.{start + i}",
                person_id=person,
                mobile=f"+9665{(start + i) % 10**8:08d}",
                status=AccountStatus.ACTIVE,
                activated_at=_now(),
                password="!",  # noqa: S106  # an unusable password: these accounts sign in by code
            )
            for i, person in enumerate(people)
        )
        users = list(
            User.objects.filter(username__startswith="bench.otp.").select_related("person")[:count]
        )
    now = _now()
    subjects = [f"user:{user.pk}" for user in users]
    OtpChallenge.objects.filter(subject__in=subjects, status="pending").update(status="superseded")
    challenges = []
    for user in users:
        challenge = OtpChallenge(
            purpose=OtpPurpose.LOGIN,
            subject=f"user:{user.pk}",
            id_number=user.person.id_number,
            mobile=user.mobile,
            expires_at=now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
            last_sent_at=now,
        )
        challenge.code_hmac = code_hmac(challenge_id=str(challenge.public_id), code=OTP_CODE)
        challenges.append(challenge)
    OtpChallenge.objects.bulk_create(challenges, batch_size=1000)
    path = WORK / f"challenges-{os.getpid()}-{time.time_ns()}.txt"
    path.write_text("\n".join(str(challenge.public_id) for challenge in challenges))
    return {"file": str(path), "count": len(challenges)}


def _session() -> dict:
    from django.conf import settings
    from django.test import Client

    from absher.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="abdullah"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {"cookie": f"{settings.SESSION_COOKIE_NAME}={cookie.value}"}


def _scale_token() -> dict:
    """In a scale database: an activated account for a person with exactly two active suspensions
    (the same shape in every database), and its access token."""
    from django.db import connection

    from absher.accounts.constants import AccountStatus
    from absher.accounts.models import User
    from absher.accounts.services.tokens import tokens_issue
    from absher.identity.models import Person

    user = User.objects.filter(username="bench.scale").first()
    if user is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT person_id FROM suspensions_suspension WHERE status = 'active' "
                "GROUP BY person_id HAVING count(*) = 2 LIMIT 1"
            )
            person = Person.objects.get(pk=cursor.fetchone()[0])
        user = User.objects.create(
            username="bench.scale",
            person=person,
            mobile=person.mobile,
            status=AccountStatus.ACTIVE,
            activated_at=_now(),
            password="!",  # noqa: S106  # an unusable password
        )
    persons = Person.objects.count() if connection.vendor != "postgresql" else _estimate()
    return {"token": tokens_issue(user=user).access_token, "persons": persons}


def _estimate() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'identity_person'")
        return int(cursor.fetchone()[0])


def run_setup(kind: str, argument: str = "", environment: dict | None = None) -> dict:
    result = subprocess.run(
        [PYTHON, __file__, "_setup", kind, argument],
        cwd=ROOT,
        env={**(environment or prodlike.app_environment()), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"set-up {kind} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- load ----------------------------------------------------------------------------------------


def wrk(
    path: str, *, seconds: int, connections: int, headers: list[str], port: int | None = None
) -> dict:
    command = ["taskset", "-c", CLIENT_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    # A request counts as an error only past the app server's own limit (30 s), not wrk's 2 s.
    command += ["--latency", "--timeout", "30s"]
    for header in headers:
        command += ["-H", header]
    script = None
    if path.endswith(".lua"):
        script, path = path, "/"
        command += ["-s", script]
    command.append(f"http://127.0.0.1:{port or prodlike.PORT}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures = {"rps": 0.0, "errors": 0, "p50_ms": float("nan"), "p99_ms": float("nan")}
    for line in output.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "Requests/sec:":
            figures["rps"] = float(words[1])
        elif words[0] in ("50%", "99%"):
            figures[f"p{words[0].rstrip('%')}_ms"] = _milliseconds(words[1])
        elif words[0] == "Non-2xx":
            figures["errors"] += int(words[-1])
        elif words[0] == "Socket" and "errors:" in words:
            figures["errors"] += sum(int(word.rstrip(",")) for word in words[3::2])
    return figures


def _milliseconds(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def loadgen(job: dict) -> dict:
    job = {"host": "127.0.0.1", "port": prodlike.PORT, "connections": 16, **job}
    result = subprocess.run(
        ["taskset", "-c", CLIENT_CPU, PYTHON, str(ROOT / "bench" / "loadgen.py")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def interleaved(repetitions: int, runs: dict) -> dict[str, list[dict]]:
    """Each run of `runs` once per repetition, the order reversed every other repetition."""
    results: dict[str, list[dict]] = {name: [] for name in runs}
    names = list(runs)
    for repetition in range(repetitions):
        for name in names if repetition % 2 == 0 else reversed(names):
            figures = runs[name]()
            results[name].append(figures)
            say(f"  {repetition + 1}/{repetitions} {name}: {_brief(figures)}")
    return results


def _brief(figures: dict) -> str:
    shown = []
    for key in ("rps", "items_per_second", "p50_ms", "p99_ms", "errors"):
        if key in figures:
            shown.append(
                f"{key}={figures[key]:.1f}" if key != "errors" else f"errors={figures[key]}"
            )
    return " ".join(shown)


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


# --- the rows ------------------------------------------------------------------------------------

ROWS: list[tuple[str, str, str, str, str, str]] = []


def row(name: str, figure: str, candidate: str, baseline: str, ratio: str, goal: str) -> None:
    ROWS.append((name, figure, candidate, baseline, ratio, goal))


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def row_a(options: argparse.Namespace) -> float:
    token = run_setup("token")["token"]
    auth = [f"Authorization: Bearer {token}"]
    runs = {
        "hello": lambda: wrk("/healthz", seconds=options.seconds, connections=32, headers=[]),
        "suspensions": lambda: wrk(
            "/api/v1/me/suspensions", seconds=options.seconds, connections=32, headers=auth
        ),
    }
    results = interleaved(options.repetitions, runs)
    hello, candidate = median(results["hello"], "rps"), median(results["suspensions"], "rps")
    ratio = candidate / hello if hello else 0.0
    row(
        "a",
        "GET /api/v1/me/suspensions (token) req/s",
        f"{candidate:,.0f}",
        f"{hello:,.0f} (GET /healthz)",
        f"{ratio:.2f}x",
        f">= 0.5x: {verdict(ratio >= 0.5)}",
    )
    return candidate


def row_b(options: argparse.Namespace, maximum: float) -> None:
    token = run_setup("token")["token"]
    source = {
        "kind": "fixed",
        "requests": [
            {"path": "/api/v1/me/suspensions", "headers": {"Authorization": f"Bearer {token}"}}
        ],
    }
    seconds = max(options.seconds, 10)
    runs = {
        "10%": lambda: loadgen(
            {"mode": "open", "rate": maximum * 0.1, "seconds": seconds, "connections": 64}
            | {"source": source}
        ),
        "70%": lambda: loadgen(
            {"mode": "open", "rate": maximum * 0.7, "seconds": seconds, "connections": 256}
            | {"source": source}
        ),
    }
    results = interleaved(options.repetitions, runs)
    low, high = median(results["10%"], "p50_ms"), median(results["70%"], "p99_ms")
    ratio = high / low if low else float("inf")
    errors = sum(run["errors"] for runs_ in results.values() for run in runs_)
    row(
        "b",
        f"p99 at 70% of (a) ({maximum * 0.7:,.0f}/s)",
        f"{high:.1f} ms",
        f"{low:.1f} ms (p50 at {maximum * 0.1:,.0f}/s)",
        f"{ratio:.2f}x",
        f"<= 4x and <= 50 ms: {verdict(ratio <= 4 and high <= 50)}; errors {errors}",
    )
    wide = [
        wrk(
            "/api/v1/me/suspensions",
            seconds=options.seconds,
            connections=256,
            headers=[f"Authorization: Bearer {token}"],
        )
        for _ in range(options.repetitions)
    ]
    errors_256 = sum(run["errors"] for run in wide)
    say(f"  256 connections: {[_brief(run) for run in wide]}")
    row(
        "b",
        "errors with 256 connections (closed loop)",
        f"{errors_256}",
        f"{sum(1 for _ in wide) * options.seconds} s, {median(wide, 'rps'):,.0f} req/s",
        "",
        f"0: {verdict(errors_256 == 0)}",
    )


def row_c(options: argparse.Namespace) -> None:
    per_run_single = int(options.seconds * 600)
    per_run_batch = int(options.seconds * 4000)
    need = options.repetitions * (per_run_single + per_run_batch)
    say(f"  loading {need:,} unpaid bills")
    bills = run_setup("bills", str(need))
    numbers = Path(bills["file"]).read_text().split()
    files = []
    start = 0
    for size in [per_run_single] * options.repetitions + [per_run_batch] * options.repetitions:
        path = WORK / f"{Path(bills['file']).stem}-{len(files)}.txt"
        path.write_text("\n".join(numbers[start : start + size]))
        files.append(path)
        start += size
    singles, batches = iter(files[: options.repetitions]), iter(files[options.repetitions :])
    source = {
        "partner": bills["partner"],
        "secret": bills["secret"],
        "amount": bills["amount"],
        "bank_code": "BNCH",
    }
    url = prodlike.database_url()
    runs_single = {
        "raw insert": lambda: raw_insert(url, options.seconds, connections=8),
        "single": lambda: loadgen(
            {"mode": "closed", "connections": 8, "seconds": options.seconds}
            | {"source": source | _sadad(next(singles), "/api/v1/integrations/sadad/payments")}
        ),
    }
    results = interleaved(options.repetitions, runs_single)
    raw, single = (
        median(results["raw insert"], "rps"),
        median(results["single"], "items_per_second"),
    )
    ratio = single / raw if raw else 0.0
    errors = sum(run["errors"] for run in results["single"])
    row(
        "c",
        "SADAD notifications applied/s, 1 per request (8 senders)",
        f"{single:,.0f}",
        f"{raw:,.0f} rows/s (INSERT + COMMIT, 8 conns)",
        f"{ratio:.3f}x",
        f">= 0.4x: {verdict(ratio >= 0.4)}; errors {errors}",
    )
    runs_batch = {
        "copy": lambda: copy_batches(url, options.seconds),
        "batch": lambda: loadgen(
            {"mode": "closed", "connections": 2, "seconds": options.seconds}
            | {
                "source": source
                | _sadad(next(batches), "/api/v1/integrations/sadad/payments/batch")
                | {"batch": 1000}
            }
        ),
    }
    results = interleaved(options.repetitions, runs_batch)
    copy, batch = median(results["copy"], "rps"), median(results["batch"], "items_per_second")
    ratio = batch / copy if copy else 0.0
    errors = sum(run["errors"] for run in results["batch"])
    row(
        "c",
        "SADAD notifications applied/s, batches of 1,000 (2 senders)",
        f"{batch:,.0f}",
        f"{copy:,.0f} rows/s (COPY of 1,000 rows)",
        f"{ratio:.3f}x",
        f">= 0.25x: {verdict(ratio >= 0.25)}; errors {errors}",
    )


def _sadad(path: Path, endpoint: str) -> dict:
    kind = "sadad_batch" if endpoint.endswith("/batch") else "sadad"
    prefix = f"B{time.time_ns() % 10**9:09d}"
    return {"kind": kind, "file": str(path), "path": endpoint, "reference_prefix": prefix}


# Rows of the same shape as bench/sadad_ingestion.py's raw baseline (`baseline_row`).
BASELINE_TABLE = "bench_raw_notification"


def _baseline_table(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
        connection.execute(
            f"CREATE TABLE {BASELINE_TABLE} (LIKE payments_banknotification INCLUDING ALL)"
        )


def _insert_statement() -> str:
    placeholders = ", ".join(["%s"] * len(NOTIFICATION_COLUMNS))
    return (
        f"INSERT INTO {BASELINE_TABLE} ({', '.join(NOTIFICATION_COLUMNS)}) VALUES ({placeholders})"
    )


def _copy_statement() -> str:
    return f"COPY {BASELINE_TABLE} ({', '.join(NOTIFICATION_COLUMNS)}) FROM STDIN"


def raw_insert(url: str, seconds: int, connections: int) -> dict:
    """One INSERT + COMMIT per row on each of `connections` connections, from one process pinned
    to the load generator's core (threads: psycopg releases the GIL while it waits)."""
    _baseline_table(url)
    code = f"""
import json, sys, threading, time, psycopg
sys.path.insert(0, {str(ROOT)!r})
from bench.sadad_ingestion import baseline_row
statement = {_insert_statement()!r}
counts = [0] * {connections}
deadline = time.perf_counter() + {seconds}
def work(worker):
    with psycopg.connect({url!r}) as conn:
        i = 0
        while time.perf_counter() < deadline:
            conn.execute(statement, baseline_row(worker, i), prepare=True)
            conn.commit()
            i += 1
        counts[worker] = i
start = time.perf_counter()
threads = [threading.Thread(target=work, args=(n,)) for n in range({connections})]
[t.start() for t in threads]; [t.join() for t in threads]
print(json.dumps({{"rps": sum(counts) / (time.perf_counter() - start), "errors": 0}}))
"""
    result = subprocess.run(
        ["taskset", "-c", CLIENT_CPU, PYTHON, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def copy_batches(url: str, seconds: int) -> dict:
    """COPY of 1,000 rows per statement, each committed, for `seconds`, from one connection."""
    _baseline_table(url)
    code = f"""
import json, sys, time, psycopg
sys.path.insert(0, {str(ROOT)!r})
from bench.sadad_ingestion import baseline_row, copy_line
statement = {_copy_statement()!r}
rows = 0
with psycopg.connect({url!r}) as conn:
    start = time.perf_counter()
    deadline = start + {seconds}
    batch = 0
    while time.perf_counter() < deadline:
        text = "".join(copy_line(baseline_row(1, batch * 1000 + i)) for i in range(1000))
        with conn.cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(text)
        conn.commit()
        batch += 1
        rows += 1000
    print(json.dumps({{"rps": rows / (time.perf_counter() - start), "errors": 0}}))
"""
    result = subprocess.run(
        ["taskset", "-c", CLIENT_CPU, PYTHON, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def row_d(options: argparse.Namespace) -> None:
    import psycopg

    missing = []
    for database in SCALE_DATABASES.values():
        try:
            psycopg.connect(f"{prodlike.PG_URL}/{database}", connect_timeout=3).close()
        except psycopg.OperationalError:
            missing.append(database)
    if missing:
        reason = f"no database {', '.join(missing)} (see bench/README.md: scale data)"
        row("d", "GET my suspensions, 10M vs 10k persons", "skipped", reason, "", "not measured")
        return
    servers = {}
    try:
        for name, database in SCALE_DATABASES.items():
            port = SCALE_PORT + len(servers)
            environment = prodlike.app_environment() | {
                "DATABASE_URL": f"{prodlike.PG_URL}/{database}",
                "CACHE_KEY_PREFIX": f"absher-bench-{database}",
            }
            setup_result = run_setup("scale_token", environment=environment)
            servers[name] = (port, setup_result, _server_start(port, environment, name))
        source = {
            name: {
                "kind": "fixed",
                "requests": [
                    {
                        "path": "/api/v1/me/suspensions",
                        "headers": {"Authorization": f"Bearer {setup_result['token']}"},
                    }
                ],
            }
            for name, (_, setup_result, _) in servers.items()
        }
        rate = options.scale_rate

        def measure(name: str) -> dict:
            port = servers[name][0]
            job = {"mode": "open", "rate": rate, "seconds": max(options.seconds, 10)}
            return loadgen(job | {"port": port, "connections": 32, "source": source[name]})

        for name in servers:  # warm the caches of both databases alike
            loadgen(
                {"mode": "closed", "seconds": 3, "port": servers[name][0]}
                | {"source": source[name]}
            )
        results = interleaved(
            options.repetitions, {name: (lambda n=name: measure(n)) for name in servers}
        )
    finally:
        for _, _, process in servers.values():
            _server_stop(process)
    persons = {name: servers[name][1]["persons"] for name in servers}
    for key, goal in (("p50_ms", 1.3), ("p99_ms", 1.5)):
        big, small = median(results["10m"], key), median(results["10k"], key)
        ratio = big / small if small else float("inf")
        row(
            "d",
            f"GET my suspensions {key[:3]} at {persons['10m']:,} persons ({rate}/s)",
            f"{big:.1f} ms",
            f"{small:.1f} ms at {persons['10k']:,} persons",
            f"{ratio:.2f}x",
            f"<= {goal}x: {verdict(ratio <= goal)}",
        )


def _server_start(port: int, environment: dict, name: str) -> subprocess.Popen:
    log = (prodlike.LOGS / f"bench-scale-{name}.log").open("ab")
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "config/gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--name", f"absher-bench-{name}"]
    command.append("config.wsgi:application")
    child = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment | {"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4"},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while prodlike.http_get("/healthz", port=port)[0] != 200:
        if time.monotonic() > deadline or child.poll() is not None:
            raise SystemExit(f"the app server on port {port} did not start (see {log.name})")
        time.sleep(0.3)
    return child


def _server_stop(child: subprocess.Popen) -> None:
    import signal

    if child.poll() is None:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(timeout=30)


def row_e(options: argparse.Namespace) -> None:
    per_run = int(options.seconds * 400)
    files = iter(
        [run_setup("challenges", str(per_run))["file"]]
        + [None] * (options.repetitions - 1)  # made just before each run: codes live 3 minutes
    )

    def verify() -> dict:
        path = next(files) or run_setup("challenges", str(per_run))["file"]
        source = {
            "kind": "otp",
            "file": path,
            "code": OTP_CODE,
            "path": "/api/v1/auth/login/verify",
        }
        return loadgen(
            {"mode": "closed", "connections": 16, "seconds": options.seconds, "source": source}
        )

    runs = {
        "hello": lambda: loadgen(
            {"mode": "closed", "connections": 16, "seconds": options.seconds}
            | {"source": {"kind": "fixed", "requests": [{"path": "/healthz"}]}}
        ),
        "verify": verify,
    }
    results = interleaved(options.repetitions, runs)
    hello, candidate = (
        median(results["hello"], "rps"),
        median(results["verify"], "items_per_second"),
    )
    ratio = candidate / hello if hello else 0.0
    errors = sum(run["errors"] for run in results["verify"])
    exhausted = any(run["exhausted"] for run in results["verify"])
    row(
        "e",
        "sign-in codes verified/s (POST /api/v1/auth/login/verify)",
        f"{candidate:,.0f}",
        f"{hello:,.0f} (GET /healthz, same load generator)",
        f"{ratio:.2f}x",
        f">= 0.7x: {verdict(ratio >= 0.7)}; errors {errors}"
        + ("; ran out of codes" if exhausted else ""),
    )


MIXED_PATHS = [
    "/",
    "/login/",
    "/services/",
    "/services/suspensions/",
    "/bills/",
    "/transfers/",
    "/transfers/outgoing/",
    "/messages/",
    "/me/",
]


def row_f(options: argparse.Namespace) -> None:
    cookie = run_setup("session")["cookie"]
    script = WORK / "mixed.lua"
    paths = ", ".join(json.dumps(path) for path in MIXED_PATHS)
    script.write_text(
        f"local paths = {{{paths}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        f'  return wrk.format("GET", paths[(i % #paths) + 1], {{["Cookie"] = "{cookie}", '
        '["Accept-Language"] = "ar"})\n'
        "end\n"
    )
    runs = [
        wrk(str(script), seconds=options.seconds, connections=32, headers=[])
        for _ in range(options.repetitions)
    ]
    for run in runs:
        say(f"  mixed: {_brief(run)}")
    errors = sum(run["errors"] for run in runs)
    row(
        "f",
        f"mixed portal workload, {len(MIXED_PATHS)} signed-in pages in turn",
        f"{median(runs, 'rps'):,.0f} req/s",
        f"p50 {median(runs, 'p50_ms'):.0f} ms, p99 {median(runs, 'p99_ms'):.0f} ms",
        "",
        f"per box ({os.cpu_count()} cores); errors {errors}",
    )


def print_table(options: argparse.Namespace, started: float) -> None:
    header = ("row", "figure", "measured", "baseline (same run)", "ratio", "goal")
    widths = [max(len(str(line[i])) for line in [header, *ROWS]) for i in range(6)]
    print()
    print(
        f"Absher benchmarks: {options.repetitions} repetitions, median; {os.cpu_count()} cores; "
        f"load generator on core {CLIENT_CPU}; load average {os.getloadavg()[0]:.1f}; "
        f"{time.monotonic() - started:.0f} s"
    )
    for line in [header, *sorted(ROWS, key=lambda line: line[0])]:
        print(" | ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line)))


CLIENT_CPU = "1"


def main() -> int:
    global CLIENT_CPU
    if len(sys.argv) > 1 and sys.argv[1] == "_setup":
        print(json.dumps(setup(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="a,b,c,d,e,f")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--scale-rate", type=int, default=50, help="row d's fixed rate (req/s)")
    parser.add_argument("--client-cpu", default="1", help="the load generator's core")
    options = parser.parse_args()
    CLIENT_CPU = options.client_cpu
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (Debian: apt-get install -y {tool})")
    WORK.mkdir(parents=True, exist_ok=True)
    started_stack = not prodlike.running()
    if started_stack:
        say("starting the prodlike stack")
        subprocess.run([PYTHON, str(ROOT / "scripts" / "prodlike"), "start"], check=True)
    started = time.monotonic()
    rows = set(options.rows.split(","))
    try:
        maximum = 0.0
        if "a" in rows or "b" in rows:
            say("row a")
            maximum = row_a(options)
        if "b" in rows:
            say("row b")
            row_b(options, maximum)
        # (c) last: the worker goes on fulfilling its payments for minutes after it ends.
        for name, function in (("d", row_d), ("e", row_e), ("f", row_f), ("c", row_c)):
            if name in rows:
                say(f"row {name}")
                function(options)
    finally:
        print_table(options, started)
        if started_stack:
            subprocess.run([PYTHON, str(ROOT / "scripts" / "prodlike"), "stop"], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
