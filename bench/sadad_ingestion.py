"""Benchmark of SADAD payment notifications (POST /api/v1/integrations/sadad/payments): how many
a bank gets applied per second with 1 and 8 concurrent senders, printed beside the raw PostgreSQL
insert rate of a row of the same size, measured in the same run. A measurement, not a test.

Creates (drops first) a dedicated PostgreSQL database, migrates it, creates the bank partner and
loads N unpaid bills with COPY (one payer and one open passport-renewal request per bill, as
`service_request_create` and `bill_create` leave them), then serves the platform over HTTP on
loopback with its own runserver (production settings: DEBUG off, JSON logs at WARNING, persistent
database connections, Redis cache for the nonces). Sender processes each keep one HTTP connection
open and send signed notifications, each for a distinct bill and bank reference. Interleaved with
them, the baseline: one INSERT + COMMIT per row into a scratch table shaped like
payments_banknotification from as many processes, and COPY of the same rows. Afterwards every
notification sent must have been applied exactly once, or the exit status is 1.

    .venv/bin/python bench/sadad_ingestion.py
    .venv/bin/python bench/sadad_ingestion.py --seconds 20 --senders 1,4,8 --tasks queued

The database named by --database (default absher_bench) on the server of DATABASE_URL is dropped
and created again, and dropped at the end unless --keep-db; the one in DATABASE_URL is not
touched."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHUNK_ROWS = 10_000
BARRIER_TIMEOUT = 900  # seconds
PATH = "/api/v1/integrations/sadad/payments"
PARTNER_CODE = "bench-bank"
PARTNER_SECRET = "bench-bank-secret"  # noqa: S105 (a throw-away database's partner)
BANK_CODE = "BNCH"
SERVICE_CODE = "passport_renewal"
BILL_PURPOSE = "service_request"
RIYADH = dt.timezone(dt.timedelta(hours=3))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
RAW_TABLE = "bench_raw_notification"
COPY_TABLE = "bench_copy_notification"
# The columns an applied notification writes into payments_banknotification (id is generated).
NOTIFICATION_COLUMNS = [
    "created_at",
    "updated_at",
    "partner_code",
    "sadad_number",
    "amount_halalas",
    "bank_code",
    "bank_reference",
    "paid_at",
    "received_at",
    "result",
    "reason",
    "bill_id",
]
TASK_MODES = {
    "eager": "Celery eager: the fulfilment task and the SMS delivery run in the request's thread "
    "after its commit, before the answer",
    "queued": "no broker (memory://): the fulfilment and SMS tasks are queued in the server's "
    "memory and never run; Fulfilment rows stay pending",
}


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="untimed seconds before each")
    parser.add_argument("--repetitions", type=int, default=3, help="the median is reported")
    parser.add_argument("--senders", default="1,8", help="concurrencies, comma separated")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--database", default="absher_bench", help="database to (re)create")
    parser.add_argument("--bills", type=int, default=40_000, help="unpaid bills to load")
    parser.add_argument(
        "--copy-rows", type=int, default=200_000, help="rows per COPY phase (split among processes)"
    )
    parser.add_argument("--tasks", choices=sorted(TASK_MODES), default="eager")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # internal: the server
    options = parser.parse_args()
    try:
        options.concurrencies = [int(x) for x in options.senders.split(",") if x.strip()]
    except ValueError:
        parser.error("--senders takes numbers separated by commas, e.g. 1,8")
    if not options.concurrencies or min(options.concurrencies) < 1:
        parser.error("--senders takes positive numbers")
    if options.repetitions < 1 or options.seconds <= 0 or options.warmup < 0:
        parser.error("--repetitions and --seconds must be positive")
    return options


def bench_url(database: str) -> tuple[str, str]:
    """(the bench database's URL, the server's maintenance database URL) from DATABASE_URL."""
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(
            "This benchmark measures PostgreSQL: set DATABASE_URL=postgres://… "
            f"(got {parts.scheme or 'nothing'}; SQLite is refused)."
        )
    if database == "absher" or database.startswith("test"):
        sys.exit(f"Refusing to recreate {database!r}: choose a database of the benchmark's own.")
    parts = parts._replace(query="", fragment="")
    return (
        urlunsplit(parts._replace(path=f"/{database}")),
        urlunsplit(parts._replace(path="/postgres")),
    )


def database_recreate(maintenance_url: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def database_drop(maintenance_url: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )


def platform_environment(url: str, database: str, tasks: str) -> None:
    """The production profile, made to run on loopback without TLS: shared by this process
    (migrate, load, check) and the server it starts."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": url,
            "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(32),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "DB_CONN_MAX_AGE": "60",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
            # The outbox gateway writes each SMS as a row instead of calling a provider over HTTP.
            "SMS_GATEWAY": "outbox",
            "REDIS_URL": os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
            "CACHE_KEY_PREFIX": f"{database}-{os.getpid()}",
            # Never a shared broker: another platform's worker could take these tasks.
            "CELERY_BROKER_URL": "memory://",
            "CELERY_TASK_ALWAYS_EAGER": "true" if tasks == "eager" else "false",
        }
    )
    os.environ["BENCH_SECRET_KEY"] = os.environ["SECRET_KEY"]


# Setup: the partner, then payers, requests and bills loaded with COPY.


def copy_rows(table: str, columns: list[str], rows: Iterator[tuple]) -> int:
    """COPY … FROM STDIN in text format, CHUNK_ROWS lines at a time (memory stays flat)."""
    from django.db import connection

    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        lines: list[str] = []
        for row in rows:
            lines.append(copy_line(row))
            if len(lines) == CHUNK_ROWS:
                copy.write("".join(lines))
                count += len(lines)
                lines.clear()
        if lines:
            copy.write("".join(lines))
            count += len(lines)
    return count


def copy_line(row: tuple) -> str:
    def field(value: object) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        return str(value)

    return "\t".join(field(value) for value in row) + "\n"


def sadad_numbers(n: int, seed: int = 13) -> list[str]:
    """n distinct 13-digit numbers, never 0 first, in no order (as `sadad_number_new` draws)."""
    import random

    chooser = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    return [str(x) for x in chooser.sample(range(10**12, 10**13), n)]


def first_id(model: type, count: int) -> int:
    """The first id of `count` rows just loaded into an empty table (ids are consecutive)."""
    from django.db.models import Max, Min

    bounds = model.objects.aggregate(first=Min("pk"), last=Max("pk"))  # type: ignore[attr-defined]
    assert bounds["last"] - bounds["first"] + 1 == count, "loaded rows have consecutive ids"
    return bounds["first"]


def load(numbers: list[str]) -> tuple[int, str]:
    """The bank partner and one unpaid bill per number: its payer (a citizen with a mobile), the
    open passport-renewal request it pays for, the bill and its first history entry. Returns the
    bill amount (the service's fee) and a line saying what was loaded."""
    from django.conf import settings
    from django.db import connection

    from absher.accounts.constants import PartnerKind
    from absher.accounts.models import User
    from absher.accounts.services.partners import partner_create
    from absher.catalog.models import Service
    from absher.core import clock
    from absher.identity.models import Person
    from absher.identity.rules import id_number_with_check_digit
    from absher.payments import fulfilment
    from absher.payments.constants import DEFAULT_BILL_LIFETIME
    from absher.payments.models import Bill, BillEvent
    from absher.requests.constants import RequestStatus
    from absher.requests.models import ServiceRequest

    started = time.perf_counter()
    operator = User.objects.create(username="bench.operator", is_staff=True)
    partner_create(
        actor=operator,
        code=PARTNER_CODE,
        kind=PartnerKind.BANK,
        name="Bench Bank",
        secret=PARTNER_SECRET,
    )
    service = Service.objects.get(code=SERVICE_CODE, is_active=True)
    assert service.fee_halalas > 0, "the service has a fee"
    assert not service.fee_depends_on_case, "the fee is the catalogue's"
    assert fulfilment.handler_for(BILL_PURPOSE) is not None, "the request purpose is registered"
    n = len(numbers)
    now = clock.now()
    expires = now + DEFAULT_BILL_LIFETIME
    born = dt.date(1985, 1, 1)

    copy_rows(
        Person._meta.db_table,
        [
            "id_number",
            "id_type",
            "name_ar",
            "name_en",
            "gender",
            "nationality",
            "mother_nationality",
            "date_of_birth",
            "mobile",
            "iqama_expiry",
            "residency_status",
            "has_criminal_case",
            "owes_sponsor",
            "traffic_fines_due_halalas",
            "has_exit_visa",
            "transfer_count",
            "created_at",
            "updated_at",
        ],
        (
            (
                id_number_with_check_digit(f"1{i:08d}"),
                "citizen",
                "سعد بن عبدالله القحطاني",
                "Saad Abdullah Alqahtani",
                "M" if i % 3 else "F",
                "SA",
                "",
                born + dt.timedelta(days=i % 9000),
                f"+96650{i:07d}",
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
            for i in range(n)
        ),
    )
    first_person = first_id(Person, n)
    copy_rows(
        ServiceRequest._meta.db_table,
        [
            "created_at",
            "updated_at",
            "person_id",
            "service_id",
            "status",
            "fee_halalas",
            "sadad_number",
            "decided_at",
            "decided_by",
            "decision_note",
        ],
        (
            (
                now,
                now,
                first_person + i,
                service.pk,
                RequestStatus.AWAITING_PAYMENT,
                service.fee_halalas,
                numbers[i],
                None,
                "",
                "",
            )
            for i in range(n)
        ),
    )
    first_request = first_id(ServiceRequest, n)
    copy_rows(
        Bill._meta.db_table,
        [
            "created_at",
            "updated_at",
            "sadad_number",
            "biller_code",
            "amount_halalas",
            "payer_id",
            "service_id",
            "purpose",
            "purpose_id",
            "status",
            "issued_at",
            "expires_at",
            "paid_at",
            "paid_channel",
            "closed_at",
            "close_reason",
        ],
        (
            (
                now,
                now,
                numbers[i],
                settings.SADAD_BILLER_CODE,
                service.fee_halalas,
                first_person + i,
                service.pk,
                BILL_PURPOSE,
                str(first_request + i),
                "unpaid",
                now,
                expires,
                None,
                "",
                None,
                "",
            )
            for i in range(n)
        ),
    )
    first_bill = first_id(Bill, n)
    copy_rows(
        BillEvent._meta.db_table,
        [
            "created_at",
            "updated_at",
            "bill_id",
            "from_status",
            "to_status",
            "actor_type",
            "actor_id",
            "note",
        ],
        ((now, now, first_bill + i, "", "unpaid", "system", "", "") for i in range(n)),
    )
    with connection.cursor() as cursor:
        for model in (Person, ServiceRequest, Bill, BillEvent):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return service.fee_halalas, (
        f"load: partner {PARTNER_CODE}; {n:,} payers, open {SERVICE_CODE} requests and unpaid "
        f"bills of {service.fee_halalas / 100:.2f} SAR (COPY + VACUUM ANALYZE) in "
        f"{time.perf_counter() - started:.1f} s"
    )


# The baseline: rows shaped like an applied BankNotification, without the platform.


def baseline_tables_create(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for table in (RAW_TABLE, COPY_TABLE):
            # Same columns, types, defaults, identity and indexes; LIKE copies no foreign key.
            conn.execute(f"CREATE TABLE {table} (LIKE payments_banknotification INCLUDING ALL)")


def baseline_row(worker: int, i: int) -> tuple:
    """A row the size of an applied notification's: 13-digit number, 17-character reference."""
    now = dt.datetime.now(dt.UTC)
    index = worker * 10**9 + i
    return (
        now,
        now,
        PARTNER_CODE,
        str(7 * 10**12 + index),
        30_000,
        BANK_CODE,
        f"RAW{worker:02d}{i:012d}",
        now,
        now,
        "applied",
        "",
        index + 1,
    )


def raw_insert_worker(
    url: str, worker: int, warmup: float, seconds: float, barrier: object, results: object
) -> None:
    """One INSERT + COMMIT per row on its own connection: warm-up, then `seconds` timed."""
    import psycopg

    statement = (
        f"INSERT INTO {RAW_TABLE} ({', '.join(NOTIFICATION_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(NOTIFICATION_COLUMNS))})"
    )
    i = 0
    with psycopg.connect(url) as conn:
        deadline = time.perf_counter() + warmup
        while time.perf_counter() < deadline:
            conn.execute(statement, baseline_row(worker, i), prepare=True)
            conn.commit()
            i += 1
        barrier.wait()  # type: ignore[attr-defined]
        start = time.perf_counter()
        deadline = start + seconds
        count = 0
        while True:
            conn.execute(statement, baseline_row(worker, i), prepare=True)
            conn.commit()
            i += 1
            count += 1
            end = time.perf_counter()
            if end >= deadline:
                break
    results.put({"count": count, "start": start, "end": end})  # type: ignore[attr-defined]


def copy_worker(url: str, worker: int, rows: int, barrier: object, results: object) -> None:
    """COPY `rows` rows in one transaction; the text is prepared before the clock starts."""
    import psycopg

    chunks, lines = [], []
    for i in range(rows):
        lines.append(copy_line(baseline_row(100 + worker, i)))
        if len(lines) == CHUNK_ROWS:
            chunks.append("".join(lines))
            lines.clear()
    if lines:
        chunks.append("".join(lines))
    statement = f"COPY {COPY_TABLE} ({', '.join(NOTIFICATION_COLUMNS)}) FROM STDIN"
    with psycopg.connect(url) as conn:
        conn.execute("SELECT 1")
        conn.commit()
        barrier.wait()  # type: ignore[attr-defined]
        start = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(statement) as copy:
            for chunk in chunks:
                copy.write(chunk)
        conn.commit()
        end = time.perf_counter()
    results.put({"count": rows, "start": start, "end": end})  # type: ignore[attr-defined]


# The candidate: signed notifications over HTTP.

# Set before the senders are forked, which inherit them.
BILL_NUMBERS: list[str] = []
BILL_AMOUNT = 0


def signed_notification(index: int) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "sadad_number": BILL_NUMBERS[index],
            "amount": BILL_AMOUNT,
            "bank_code": BANK_CODE,
            "bank_reference": f"BENCH{index:012d}",
            "paid_at": dt.datetime.now(RIYADH).isoformat(timespec="seconds"),
        },
        separators=(",", ":"),
    ).encode()
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    message = f"{timestamp}.{nonce}.POST.{PATH}.".encode() + body
    return body, {
        "Content-Type": "application/json",
        "X-Partner": PARTNER_CODE,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": hmac.new(PARTNER_SECRET.encode(), message, hashlib.sha256).hexdigest(),
    }


def sender(
    port: int, warmup: float, seconds: float, counter: object, barrier: object, results: object
) -> None:
    """One bank connection (keep-alive): each notification a distinct bill, freshly signed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    report: dict = {
        "warmup": 0,
        "count": 0,
        "errors": 0,
        "samples": [],
        "connects": 0,
        "exhausted": False,
        "latencies": [],
    }

    def send_one() -> bool:
        with counter.get_lock():  # type: ignore[attr-defined]
            index = counter.value  # type: ignore[attr-defined]
            if index >= len(BILL_NUMBERS):
                report["exhausted"] = True
                return False
            counter.value = index + 1  # type: ignore[attr-defined]
        body, headers = signed_notification(index)
        if conn.sock is None:
            report["connects"] += 1
        try:
            conn.request("POST", PATH, body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            applied = response.status == 200 and json.loads(answer).get("result") == "applied"
        except (OSError, http.client.HTTPException, ValueError) as error:
            conn.close()
            applied, answer = False, repr(error).encode()
            response = None
        if not applied:
            report["errors"] += 1
            if len(report["samples"]) < 3:
                status = response.status if response is not None else "no answer"
                report["samples"].append(f"{BILL_NUMBERS[index]}: {status} {answer[:200]!r}")
        return True

    deadline = time.perf_counter() + warmup
    while time.perf_counter() < deadline and send_one():
        report["warmup"] += 1
    barrier.wait()  # type: ignore[attr-defined]
    start = end = time.perf_counter()
    deadline = start + seconds
    while end < deadline:
        before = time.perf_counter()
        if not send_one():
            break
        end = time.perf_counter()
        report["count"] += 1
        report["latencies"].append(end - before)
    conn.close()
    report.update(start=start, end=end)
    results.put(report)  # type: ignore[attr-defined]


@dataclass
class Phase:
    count: int = 0
    seconds: float = 0.0
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    exhausted: bool = False
    latencies: list[float] = field(default_factory=list)
    connects: int = 0
    warmup: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    activity: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def run_processes(
    target: object,
    argument_lists: list[tuple],
    observe: Callable[[list[int]], dict[str, float]] | None = None,
) -> tuple[list[dict], dict[str, float]]:
    """Starts one process per argument tuple (each gets a shared barrier and result queue last)
    and waits for all. With `observe`, this process joins the barrier too and calls it with the
    processes' pids as the timed part begins. Returns what each put on the queue and what
    `observe` returned."""
    context = multiprocessing.get_context("fork")
    # A process that dies before the barrier breaks it (after BARRIER_TIMEOUT) instead of hanging.
    barrier = context.Barrier(len(argument_lists) + (1 if observe else 0), timeout=BARRIER_TIMEOUT)
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(*arguments, barrier, results))  # type: ignore[arg-type]
        for arguments in argument_lists
    ]
    for process in processes:
        process.start()
    observed: dict[str, float] = {}
    if observe is not None:
        barrier.wait()
        observed = observe([process.pid for process in processes if process.pid])
    reports = [results.get(timeout=3600) for _ in processes]
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a benchmark process failed (exit {process.exitcode})")
    return reports, observed


def merge(reports: list[dict]) -> Phase:
    """Rows or notifications per second over the whole span, first start to last end."""
    phase = Phase(
        count=sum(r["count"] for r in reports),
        seconds=max(r["end"] for r in reports) - min(r["start"] for r in reports),
    )
    for report in reports:
        phase.errors += report.get("errors", 0)
        phase.samples += report.get("samples", [])
        phase.exhausted |= report.get("exhausted", False)
        phase.latencies += report.get("latencies", [])
        phase.connects += report.get("connects", 0)
        phase.warmup += report.get("warmup", 0)
    return phase


def measure_http(
    port: int, senders: int, options: argparse.Namespace, counter: object, server_pid: int, url: str
) -> Phase:
    sampler = ActivitySampler(url)

    def observe(pids: list[int]) -> dict[str, float]:
        sampler.start()
        cpu = cpu_during(CPU_WINDOW * options.seconds, url, server_pid, pids)
        sampler.stop()
        return cpu

    arguments = [(port, options.warmup, options.seconds, counter)] * senders
    reports, cpu = run_processes(sender, arguments, observe)
    phase = merge(reports)
    phase.activity = sampler.counts
    phase.cpu = cpu
    return phase


CPU_ROLES = ["server", "clients", "PostgreSQL", "Redis"]
# CPU is counted over the first 90% of the measured part, while every process is still alive.
CPU_WINDOW = 0.9


def cpu_during(
    seconds: float, url: str, server_pid: int, client_pids: list[int]
) -> dict[str, float]:
    """CPU seconds spent during the next `seconds`, by role: the server process (all its
    threads), the client processes (senders or inserting workers), PostgreSQL (the sessions on
    this database and the server's background processes), Redis, and the rest of the machine (the
    kernel's loopback networking, this script, other databases' sessions, anything else), with
    the machine's busy share. Linux /proc only; empty elsewhere."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        # This database's sessions and PostgreSQL's own processes, not other databases' sessions.
        ours = {
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "OR backend_type <> 'client backend'"
            )
        }
    roles = {server_pid: "server", **dict.fromkeys(client_pids, "clients")}
    try:
        before = cpu_snapshot(roles, ours)
        time.sleep(seconds)
        after = cpu_snapshot(roles, ours)
    except (OSError, ValueError, IndexError):
        return {}
    spent = dict.fromkeys(CPU_ROLES, 0.0)
    for pid, (role, cpu) in after["processes"].items():
        earlier = before["processes"].get(pid)
        spent[role] += cpu - (earlier[1] if earlier and earlier[0] == role else 0.0)
    busy = after["busy"] - before["busy"]
    return {
        "seconds": seconds,
        "busy %": 100 * busy / (after["all"] - before["all"]),
        **spent,
        "other": busy - sum(spent.values()),
    }


def cpu_snapshot(roles: dict[int, str], postgres_pids: set[int]) -> dict:
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = cpu[3] + cpu[4]  # idle + iowait
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        if pid in roles:
            role = roles[pid]
        elif name == "postgres" and pid in postgres_pids:
            role = "PostgreSQL"
        elif name.startswith("redis"):
            role = "Redis"
        else:
            continue
        fields = text[text.rindex(")") + 1 :].split()
        processes[pid] = (role, (int(fields[11]) + int(fields[12])) / ticks)  # utime + stime
    return {
        "all": sum(cpu[:8]) / ticks,
        "busy": (sum(cpu[:8]) - idle) / ticks,
        "processes": processes,
    }


class ActivitySampler(threading.Thread):
    """Samples what the server's database sessions are doing every 20 ms (pg_stat_activity):
    running SQL, waiting for a lock, waiting for the WAL, or idle while the platform's Python works
    (inside a transaction or between them)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.counts: Counter[str] = Counter()
        self.stopping = threading.Event()

    def run(self) -> None:
        import psycopg

        query = (
            "SELECT state, wait_event_type, wait_event, left(query, 300) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stopping.wait(0.02):
                for state, wait_type, wait_event, statement in conn.execute(query):
                    self.counts[activity_kind(state, wait_type, wait_event, statement)] += 1

    def stop(self) -> None:
        self.stopping.set()
        self.join()


def activity_kind(
    state: str | None, wait_type: str | None, wait_event: str | None, statement: str | None
) -> str:
    if state == "active":
        if wait_type == "Lock":
            # The statement waiting names the row it wants: SELECT … FROM "table" … FOR UPDATE.
            table = re.search(r'FROM "(\w+)"', statement or "")
            return f"waiting for a row lock on {table[1] if table else '?'} ({wait_event})"
        if wait_type:
            return f"in PostgreSQL, waiting on {wait_type}:{wait_event}"
        return "in PostgreSQL, running"
    if state == "idle in transaction":
        return "idle in transaction (Python at work)"
    return "idle between transactions (Python at work, or no request)"


def measure_raw(url: str, processes: int, options: argparse.Namespace) -> Phase:
    def observe(pids: list[int]) -> dict[str, float]:
        return cpu_during(CPU_WINDOW * options.seconds, url, 0, pids)

    arguments = [(url, k, options.warmup, options.seconds) for k in range(processes)]
    reports, cpu = run_processes(raw_insert_worker, arguments, observe)
    phase = merge(reports)
    phase.cpu = cpu
    return phase


def measure_copy(url: str, processes: int, options: argparse.Namespace) -> Phase:
    import psycopg

    rows = max(1, options.copy_rows // processes)
    phase = merge(run_processes(copy_worker, [(url, k, rows) for k in range(processes)])[0])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {COPY_TABLE}")
    return phase


# The server.


def serve(port: int, tasks: str) -> None:
    """Internal (--serve): the platform's runserver, threaded, without the autoreloader and with
    its per-request access log lowered to WARNING like the rest of the logs."""
    import logging

    import django

    django.setup()
    from django.core.management import call_command

    from absher.core.management.commands.runserver import Command, DeepBacklogWSGIServer

    class NoDelayWSGIServer(DeepBacklogWSGIServer):
        """Sends each answer at once: the handler writes the headers and the body separately, and
        with Nagle's algorithm on the body would wait for the client's delayed ACK (40 ms on
        Linux). Production servers (gunicorn) set TCP_NODELAY too."""

        def get_request(self) -> tuple[socket.socket, object]:
            conn, address = super().get_request()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return conn, address

    class BenchRunserver(Command):
        server_cls = NoDelayWSGIServer

    logging.getLogger("django.server").setLevel(logging.WARNING)
    tasks_mode_apply(tasks)
    call_command(BenchRunserver(), f"127.0.0.1:{port}", use_reloader=False, use_threading=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_start(tasks: str, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 (this interpreter and this file)
            [sys.executable, str(Path(__file__).resolve()), "--serve", str(port), "--tasks", tasks],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            probe.request("GET", "/readyz")
            ready = probe.getresponse()
            body = ready.read()
            probe.close()
            if ready.status == 200:
                return server, port
            print(f"  /readyz answered {ready.status}: {body[:200]!r}")
        except OSError:
            pass
        time.sleep(0.3)
    server_stop(server)
    sys.exit(f"The server did not become ready; its output:\n{log.read_text()[-3000:]}")


def server_stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# Checks and report.


def verify(sent: int, errors: int, tasks: str) -> list[str]:
    """What the database holds against what was sent; returns the problems found."""
    from django.db.models import Count

    from absher.notifications.models import OutboxSms
    from absher.payments.models import BankNotification, Bill, Fulfilment, Payment
    from absher.requests.models import ServiceRequest

    sent_numbers = set(BILL_NUMBERS[:sent])
    paid_numbers = set(Bill.objects.filter(status="paid").values_list("sadad_number", flat=True))
    results = dict(
        BankNotification.objects.values_list("result").annotate(n=Count("id")).order_by()
    )
    applied_twice = (
        BankNotification.objects.filter(result="applied")
        .values("bill_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    payments = Payment.objects.count()
    fulfilments = dict(Fulfilment.objects.values_list("status").annotate(n=Count("id")).order_by())
    requests_paid = ServiceRequest.objects.filter(status="paid").count()
    print(
        f"\ncheck: {sent:,} notifications sent ({errors} errors); payments {payments:,}; "
        f"bills paid {len(paid_numbers):,}; bank notifications {results}; "
        f"bills applied twice {applied_twice}; fulfilments {fulfilments}; "
        f"requests paid {requests_paid:,}; outbox SMS {OutboxSms.objects.count():,}"
    )
    problems = []
    if errors:
        problems.append(f"{errors} notifications were not answered 200 'applied'")
    if payments != sent or paid_numbers != sent_numbers:
        lost = len(sent_numbers - paid_numbers)
        extra = len(paid_numbers - sent_numbers)
        problems.append(
            f"payments {payments:,} for {sent:,} notifications sent "
            f"({lost} sent bills unpaid, {extra} paid bills never sent)"
        )
    if results.get("applied", 0) != sent or len(results) > 1:
        problems.append(f"bank notifications recorded: {results}, expected {sent:,} applied")
    if applied_twice:
        problems.append(f"{applied_twice} bills have more than one applied notification")
    if tasks == "eager" and (fulfilments.get("done", 0) != sent or requests_paid != sent):
        problems.append(f"fulfilments {fulfilments}, requests paid {requests_paid:,}")
    return problems


def row_sizes(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        sizes = [
            conn.execute(
                f"SELECT avg(pg_column_size(t.*))::int FROM {table} t"  # noqa: S608
            ).fetchone()[0]
            for table in ("payments_banknotification", RAW_TABLE)
        ]
    return f"average row size: payments_banknotification {sizes[0]} B, {RAW_TABLE} {sizes[1]} B"


def server_facts(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("synchronous_commit", "fsync", "shared_buffers", "commit_delay")
        }
    return f"PostgreSQL {version} (" + ", ".join(f"{k} {v}" for k, v in settings.items()) + ")"


def spread(values: list[float], digits: int = 0) -> str:
    if len(values) < 2:
        return ""
    return f" ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def percentile_ms(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))] * 1000


@dataclass
class Results:
    """Per concurrency, one entry per repetition."""

    concurrencies: list[int]
    http: dict[int, list[Phase]] = field(default_factory=dict)
    raw: dict[int, list[Phase]] = field(default_factory=dict)
    copy: dict[int, list[Phase]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for table in (self.http, self.raw, self.copy):
            table.update({c: [] for c in self.concurrencies})


def prepare(options: argparse.Namespace, url: str) -> None:
    """The fresh database migrated, the partner and the bills loaded, the baseline's tables made."""
    global BILL_AMOUNT
    started = time.perf_counter()
    platform_environment(url, options.database, options.tasks)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    tasks_mode_apply(options.tasks)
    call_command("migrate", interactive=False, verbosity=0)
    print(f"create + migrate: {time.perf_counter() - started:.1f} s")
    BILL_NUMBERS[:] = sadad_numbers(options.bills)
    BILL_AMOUNT, loaded = load(BILL_NUMBERS)
    print(loaded)
    baseline_tables_create(url)
    connection.close()  # nothing open is inherited by the forked processes


def tasks_mode_apply(tasks: str) -> None:
    """The production profile forces tasks onto the broker; --tasks eager runs them in-process, as
    the embedded default does."""
    import logging

    # memory:// names no host, which kombu says once per process when it makes its producer.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    if tasks == "eager":
        from django.conf import settings

        from config.celery import app

        settings.CELERY_TASK_ALWAYS_EAGER = True
        app.conf.task_always_eager = True
        app.conf.task_eager_propagates = True


def run_phases(
    options: argparse.Namespace, url: str, port: int, server_pid: int, counter: object
) -> Results:
    """Repetitions × concurrencies; in each, the candidate and the raw baseline (their order
    alternating between repetitions), then COPY."""
    results = Results(options.concurrencies)
    for repetition in range(1, options.repetitions + 1):
        for senders in options.concurrencies:
            order = ["http", "raw"] if repetition % 2 else ["raw", "http"]
            for kind in [*order, "copy"]:
                prefix = f"  rep {repetition} · {senders} "
                if kind == "http":
                    phase = measure_http(port, senders, options, counter, server_pid, url)
                    results.http[senders].append(phase)
                    print(
                        f"{prefix}sender(s): {phase.count:,} applied in {phase.seconds:.1f} s "
                        f"= {phase.rate:,.1f}/s (p50 {percentile_ms(phase.latencies, 0.5):.1f} ms"
                        f", p99 {percentile_ms(phase.latencies, 0.99):.1f} ms; "
                        f"{phase.warmup:,} in warm-up; errors {phase.errors}; "
                        f"reconnects {max(0, phase.connects - senders)})"
                    )
                    print(f"{' ' * len(prefix)}{cpu_line(cpu_per_unit(phase), 'notification')}")
                    if phase.exhausted:
                        print("  the bills ran out: raise --bills")
                elif kind == "raw":
                    phase = measure_raw(url, senders, options)
                    results.raw[senders].append(phase)
                    print(
                        f"{prefix}process(es): raw INSERT+COMMIT {phase.rate:,.0f} rows/s; "
                        f"{cpu_line(cpu_per_unit(phase), 'row')}"
                    )
                else:
                    phase = measure_copy(url, senders, options)
                    results.copy[senders].append(phase)
                    print(
                        f"{prefix}process(es): COPY {phase.count:,} rows {phase.rate:,.0f} rows/s"
                    )
    return results


def cpu_per_unit(phase: Phase) -> dict[str, float]:
    """The machine's busy share and CPU milliseconds per notification (or row), by role."""
    units = phase.rate * phase.cpu.get("seconds", 0.0)
    if not units:
        return {}
    return {
        "busy %": phase.cpu["busy %"],
        **{role: 1000 * phase.cpu[role] / units for role in [*CPU_ROLES, "other"]},
    }


def cpu_line(per_unit: dict[str, float], unit: str) -> str:
    if not per_unit:
        return "CPU not measured"
    return f"machine {per_unit['busy %']:.0f}% busy; CPU ms per {unit}: " + ", ".join(
        f"{role} {ms:.2f}" for role, ms in per_unit.items() if role != "busy %" and ms >= 0.005
    )


def anatomy(index: int) -> str:
    """One more notification, sent in-process through Django's test client (same settings and
    task mode as the server) to count what it does in the database."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    body, headers = signed_notification(index)
    client = Client(SERVER_NAME="127.0.0.1")
    commits = 0
    original_commit = connection._commit

    def counting_commit() -> None:
        nonlocal commits
        commits += 1
        original_commit()

    connection._commit = counting_commit  # type: ignore[method-assign]
    try:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                PATH,
                data=body,
                content_type="application/json",
                headers={k: v for k, v in headers.items() if k != "Content-Type"},
            )
    finally:
        connection._commit = original_commit  # type: ignore[method-assign]
    assert response.status_code == 200, response.content
    assert response.json()["result"] == "applied", response.content
    statements = [query["sql"] for query in captured.captured_queries]
    kinds = Counter(sql.split(None, 1)[0].upper() for sql in statements)
    inserted = Counter(
        match[1] for sql in statements if (match := re.match(r'INSERT INTO "(\w+)"', sql))
    )
    locked = Counter(
        match[1]
        for sql in statements
        if "FOR UPDATE" in sql and (match := re.search(r'FROM "(\w+)"', sql))
    )
    return (
        f"one notification: {len(statements)} SQL statements "
        f"({', '.join(f'{k} {n}' for k, n in kinds.most_common())}) in {commits} committed "
        f"transactions; rows inserted into {', '.join(f'{t} {n}' for t, n in inserted.items())}; "
        f"row locks on {', '.join(f'{t} {n}' for t, n in locked.items())}"
    )


def activity_summary(phases: list[Phase]) -> str:
    total = Counter[str]()
    for phase in phases:
        total.update(phase.activity)
    samples = sum(total.values())
    if not samples:
        return "no samples"
    return "; ".join(f"{100 * n / samples:.0f}% {kind}" for kind, n in total.most_common(5))


def report(options: argparse.Namespace, results: Results) -> None:
    print(
        f"\nMedian of {options.repetitions} repetitions (range in brackets). Raw = one INSERT + "
        "COMMIT per row into a copy of payments_banknotification (same columns and indexes, no "
        "foreign key) from as many processes as senders; COPY = the same rows, one COPY per "
        "process."
    )
    print(
        "| Senders | Notifications applied/s | p50 / p99 latency | Raw insert rows/s | "
        "Ratio applied/raw | COPY rows/s |"
    )
    print("|---|---|---|---|---|---|")
    for senders in options.concurrencies:
        applied = [phase.rate for phase in results.http[senders]]
        raw = [phase.rate for phase in results.raw[senders]]
        copied = [phase.rate for phase in results.copy[senders]]
        latencies = [x for phase in results.http[senders] for x in phase.latencies]
        print(
            f"| {senders} | {statistics.median(applied):,.1f}{spread(applied, 1)} | "
            f"{percentile_ms(latencies, 0.5):.0f} / {percentile_ms(latencies, 0.99):.0f} ms | "
            f"{statistics.median(raw):,.0f}{spread(raw)} | "
            f"{statistics.median(applied) / statistics.median(raw):.3f} | "
            f"{statistics.median(copied):,.0f}{spread(copied)} |"
        )
    print(
        "\nWhere the time goes (CPU: medians of the repetitions; other = the kernel's loopback "
        "networking, this script and any other process on the machine):"
    )
    for senders in options.concurrencies:
        phases = results.http[senders]
        for name, unit, measured in (
            ("notifications", "notification", phases),
            ("raw inserts", "row", results.raw[senders]),
        ):
            per_unit = [cpu for phase in measured if (cpu := cpu_per_unit(phase))]
            if per_unit:
                median = {key: statistics.median(c[key] for c in per_unit) for key in per_unit[0]}
                print(f"  {senders} × {name}: {cpu_line(median, unit)}")
        print(f"  {senders} × server's database sessions: {activity_summary(phases)}")


def main() -> None:
    options = parse_arguments()
    if options.serve:
        serve(options.serve, options.tasks)
        return
    url, maintenance_url = bench_url(options.database)
    database_recreate(maintenance_url, options.database)
    print("# POST /api/v1/integrations/sadad/payments — SADAD notifications applied per second")
    print(
        f"database {options.database} (recreated; {'kept' if options.keep_db else 'dropped'} "
        f"at the end); {os.cpu_count()} CPUs; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    try:
        problems = measure_and_check(options, url)
    finally:
        if not options.keep_db:
            database_drop(maintenance_url, options.database)
            print(f"\ndropped {options.database}")
    if problems:
        print("FAILED: " + "; ".join(problems))
        sys.exit(1)
    print("every notification sent was applied exactly once")


def measure_and_check(options: argparse.Namespace, url: str) -> list[str]:
    """Prepares the database, runs the phases, checks the outcome and prints the report; returns
    the problems found."""
    prepare(options, url)
    print(server_facts(url))
    print(
        "server: the platform's runserver (threaded, one process, TCP_NODELAY) on 127.0.0.1; "
        "config.settings.production with DEBUG off, JSON logs at WARNING, database connections "
        f"kept 60 s, Redis cache ({os.environ['REDIS_URL']}) for nonces, SMS via the outbox gateway"
    )
    print(f"tasks: {options.tasks} — {TASK_MODES[options.tasks]}")
    print(
        f"phases: {options.warmup:g} s warm-up + {options.seconds:g} s measured; "
        f"{options.repetitions} repetitions, candidate and raw baseline interleaved (order "
        "alternating), then COPY"
    )

    counter = multiprocessing.get_context("fork").Value("q", 0)
    log = Path(tempfile.gettempdir()) / f"{options.database}-server-{os.getpid()}.log"
    server, port = server_start(options.tasks, log)
    try:
        results = run_phases(options, url, port, server.pid, counter)
    finally:
        server_stop(server)
    server_output = log.read_text(errors="replace").strip()
    log.unlink(missing_ok=True)
    print(f"\nload average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    from django.db import connection

    http_phases = [phase for phases in results.http.values() for phase in phases]
    errors = sum(phase.errors for phase in http_phases)
    problems = verify(counter.value, errors, options.tasks)  # type: ignore[attr-defined]
    if any(phase.exhausted for phase in http_phases):
        problems.append("the bills ran out before the end of a phase (raise --bills)")
    if not problems and counter.value < len(BILL_NUMBERS):  # type: ignore[attr-defined]
        print(anatomy(counter.value))  # type: ignore[attr-defined]
    print(row_sizes(url))
    connection.close()
    report(options, results)
    samples = [sample for phase in http_phases for sample in phase.samples]
    if samples:
        print("first errors: " + "; ".join(samples[:5]))
    if problems and server_output:
        print(f"server output (tail):\n{server_output[-2000:]}")
    return problems


if __name__ == "__main__":
    main()
