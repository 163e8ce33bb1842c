"""Benchmark of GET /api/v1/me/suspensions among many persons and suspensions (issue 5).

Loads N persons and 2×N suspensions (spread at random over them, half of them lifted, every scope)
with COPY into a dedicated PostgreSQL database that it creates and migrates, gives one activated
account exactly 5 active suspensions (and 2 lifted ones), then calls the endpoint in-process through
Django's test client with a real access token and prints the latency percentiles, the queries per
request, and EXPLAIN ANALYZE of the selector's SQL (which should use the partial index
`suspensions_active_by_person`). A measurement, not a test.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/absher
    .venv/bin/python bench/me_suspensions.py --persons 10000
    .venv/bin/python bench/me_suspensions.py --persons 1000000

The database named by --database (default absher_bench) on the server of DATABASE_URL is dropped
and created again; the one in DATABASE_URL is not touched. Rows are generated as a stream and
written in chunks, so memory stays flat whatever N is."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHUNK_ROWS = 10_000
NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
THREE_YEARS = 3 * 365 * 24 * 3600
BENCH_AUTHORITIES = [
    ("bench-court", "المحكمة العامة بالرياض", "General Court, Riyadh"),
    ("bench-traffic", "الإدارة العامة للمرور", "General Department of Traffic"),
    ("bench-passports", "المديرية العامة للجوازات", "General Directorate of Passports"),
]
REASON_AR = "صدور حكم قضائي واجب النفاذ لم يُنفذ"
REASON_EN = "An enforceable court judgment has not been carried out"
LIFT_AR = "مراجعة دائرة التنفيذ في المحكمة وتنفيذ الحكم"
LIFT_EN = "Visit the court's enforcement circuit and carry out the judgment"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=10_000, help="persons to load (N)")
    parser.add_argument("--database", default="absher_bench", help="database to (re)create")
    parser.add_argument("--requests", type=int, default=500, help="timed requests")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests first")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database loaded by an earlier run with the same --persons (no load)",
    )
    return parser.parse_args()


def bench_url(database: str) -> tuple[str, str]:
    """(the bench database's URL, the server's maintenance database URL) from DATABASE_URL."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(
            "This benchmark measures PostgreSQL: set DATABASE_URL=postgres://… "
            f"(got {parts.scheme or 'nothing'}; SQLite is refused)."
        )
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


def copy_rows(table: str, columns: list[str], rows: Iterator[tuple]) -> int:
    """COPY … FROM STDIN in text format, CHUNK_ROWS lines at a time (memory stays flat)."""
    from django.db import connection

    def field(value: object) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        return str(value)

    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        lines: list[str] = []
        for row in rows:
            lines.append("\t".join(field(value) for value in row) + "\n")
            if len(lines) == CHUNK_ROWS:
                copy.write("".join(lines))
                count += len(lines)
                lines.clear()
        if lines:
            copy.write("".join(lines))
            count += len(lines)
    return count


def person_rows(n: int) -> Iterator[tuple]:
    from absher.identity.rules import id_number_with_check_digit

    born = dt.date(1980, 1, 1)
    for i in range(n):
        citizen = i % 2 == 0
        yield (
            id_number_with_check_digit(f"{'1' if citizen else '2'}{i:08d}"),
            "citizen" if citizen else "resident",
            "سعد بن عبدالله القحطاني",
            "Saad Abdullah Alqahtani",
            "M" if i % 3 else "F",
            "SA" if citizen else "IN",
            "",
            born + dt.timedelta(days=i % 9000),
            f"+9665{i % 100_000_000:08d}",
            None if citizen else dt.date(2027, 1, 1),
            "valid",
            False,
            False,
            0,
            False,
            0,
            NOW,
            NOW,
        )


PERSON_COLUMNS = [
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
]
SUSPENSION_COLUMNS = [
    "created_at",
    "updated_at",
    "reference",
    "reason_ar",
    "reason_en",
    "lift_procedure_ar",
    "lift_procedure_en",
    "scope_kind",
    "status",
    "placed_at",
    "placed_by_type",
    "placed_by_id",
    "lifted_at",
    "lifted_by_type",
    "lifted_by_id",
    "authority_id",
    "person_id",
    "scope_department_id",
    "scope_service_id",
]


def suspension_rows(
    *,
    count: int,
    first_person_id: int,
    persons: int,
    authority_ids: list[int],
    department_ids: list[int],
    service_ids: list[int],
    seed: int,
) -> Iterator[tuple]:
    """`count` suspensions on persons chosen at random: half lifted; scopes all 50%, department
    30%, service 20%."""
    chooser = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    for j in range(count):
        placed_at = NOW - dt.timedelta(seconds=chooser.randrange(THREE_YEARS))
        is_lifted = chooser.random() < 0.5
        draw = chooser.random()
        if draw < 0.5:
            kind, department, service = "all", None, None
        elif draw < 0.8:
            kind, department, service = "department", chooser.choice(department_ids), None
        else:
            kind, department, service = "service", None, chooser.choice(service_ids)
        yield (
            placed_at,
            placed_at,
            f"BENCH-{j:09d}",
            REASON_AR,
            REASON_EN,
            LIFT_AR,
            LIFT_EN,
            kind,
            "lifted" if is_lifted else "active",
            placed_at,
            "partner",
            "bench",
            placed_at + dt.timedelta(days=30) if is_lifted else None,
            "partner" if is_lifted else "",
            "bench" if is_lifted else "",
            chooser.choice(authority_ids),
            first_person_id + chooser.randrange(persons),
            department,
            service,
        )


def load(n: int, authority_ids: list[int], seed: int) -> None:
    """COPY n persons and 2×n suspensions, then VACUUM ANALYZE; prints how long each took."""
    from django.db import connection
    from django.db.models import Max, Min

    from absher.catalog.models import Department, Service
    from absher.identity.models import Person
    from absher.suspensions.models import Suspension

    load_started = time.perf_counter()
    loaded_persons = copy_rows(Person._meta.db_table, PERSON_COLUMNS, person_rows(n))
    persons_done = time.perf_counter()
    bounds = Person.objects.aggregate(first=Min("pk"), last=Max("pk"))
    first_id, last_id = bounds["first"], bounds["last"]
    assert last_id - first_id + 1 == n, "persons are expected to have consecutive ids"
    loaded_suspensions = copy_rows(
        Suspension._meta.db_table,
        SUSPENSION_COLUMNS,
        suspension_rows(
            count=2 * n,
            first_person_id=first_id,
            persons=n,
            authority_ids=authority_ids,
            department_ids=list(Department.objects.values_list("pk", flat=True)),
            service_ids=list(
                Service.objects.filter(is_suspendable=True).values_list("pk", flat=True)
            ),
            seed=seed,
        ),
    )
    suspensions_done = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Person._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {Suspension._meta.db_table}")
    analysed = time.perf_counter()
    print(
        f"load: persons {loaded_persons:,} rows in {persons_done - load_started:.1f} s "
        f"({loaded_persons / (persons_done - load_started):,.0f} rows/s); "
        f"suspensions {loaded_suspensions:,} rows in {suspensions_done - persons_done:.1f} s "
        f"({loaded_suspensions / (suspensions_done - persons_done):,.0f} rows/s); "
        f"vacuum analyze {analysed - suspensions_done:.1f} s; "
        f"total {analysed - load_started:.1f} s"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process after the load: {peak_mb:.0f} MB")


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, round(fraction * len(sorted_values) + 0.5)) - 1
    return sorted_values[min(rank, len(sorted_values) - 1)]


def main() -> None:
    options = parse_arguments()
    url, maintenance_url = bench_url(options.database)
    n = options.persons
    print(f"# GET /api/v1/me/suspensions — {n:,} persons, {2 * n:,} suspensions")
    print(
        f"database {options.database} ({'reused' if options.reuse else 'recreated'}), "
        "settings config.settings.test"
    )

    started = time.perf_counter()
    if not options.reuse:
        database_recreate(maintenance_url, options.database)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from absher.accounts.constants import AccountStatus, ActivationMethod
    from absher.accounts.models import Authority, User
    from absher.accounts.services.tokens import tokens_issue
    from absher.core import clock
    from absher.identity.models import Person
    from absher.identity.rules import id_number_with_check_digit
    from absher.suspensions.models import Suspension
    from absher.suspensions.selectors import suspensions_active_for
    from absher.suspensions.services import suspension_lift, suspension_place

    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter()
    print(f"{'' if options.reuse else 'create + '}migrate: {migrated - started:.1f} s")

    authorities = [
        Authority.objects.get_or_create(code=code, defaults={"name_ar": ar, "name_en": en})[0]
        for code, ar, en in BENCH_AUTHORITIES
    ]
    if options.reuse:
        print(
            f"reused: {Person.objects.count():,} persons, {Suspension.objects.count():,} "
            "suspensions already loaded (no load this run)"
        )
    else:
        load(n, [a.pk for a in authorities], options.seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size(%s))", [Suspension._meta.db_table]
        )
        suspensions_size = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('suspensions_active_by_person'))")
        partial_index_size = cursor.fetchone()[0]
    print(
        f"suspensions table with indexes: {suspensions_size}; "
        f"partial index suspensions_active_by_person: {partial_index_size}; "
        f"active rows: {Suspension.objects.filter(status='active').count():,}"
    )

    # The subject: an activated account with exactly 5 active suspensions (and 2 lifted ones).
    subject, _ = Person.objects.get_or_create(
        id_number=id_number_with_check_digit("199999999"),
        defaults={
            "id_type": "citizen",
            "name_ar": "نورة بنت خالد العتيبي",
            "name_en": "Noura Khalid Alotaibi",
            "gender": "F",
            "nationality": "SA",
            "date_of_birth": dt.date(1990, 5, 17),
            "mobile": "+966501234567",
        },
    )
    user, _ = User.objects.get_or_create(
        username="bench.subject",
        defaults={
            "person": subject,
            "mobile": subject.mobile,
            "status": AccountStatus.ACTIVE,
            "activation_method": ActivationMethod.NATIONAL_ID,
            "activated_at": clock.now(),
        },
    )
    scopes = [
        "all",
        "department:traffic",
        "service:passport_renewal",
        "department:passports",
        "service:worker_services_transfer",
        "all",
        "department:civil_affairs",
    ]
    for k, scope in enumerate(scopes):
        suspension_place(
            authority=authorities[k % 3],
            id_number=subject.id_number,
            reference=f"SUBJECT-{k}",
            reason_ar=REASON_AR,
            reason_en=REASON_EN,
            lift_procedure_ar=LIFT_AR,
            lift_procedure_en=LIFT_EN,
            scope=scope,
            actor_type="system",
            actor_id="bench",
        )
    for k in (5, 6):
        suspension_lift(
            authority=authorities[k % 3],
            reference=f"SUBJECT-{k}",
            actor_type="system",
            actor_id="bench",
        )
    token = tokens_issue(user=user).access_token
    client = Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})

    def call() -> None:
        response = client.get("/api/v1/me/suspensions")
        assert response.status_code == 200, response.content
        assert len(response.json()["items"]) == 5, response.content

    for _ in range(options.warmup):
        call()
    with CaptureQueriesContext(connection) as captured:
        call()
    queries = list(captured.captured_queries)  # before the next request resets the log
    timings = []
    for _ in range(options.requests):
        before = time.perf_counter()
        call()
        timings.append((time.perf_counter() - before) * 1000)
    timings.sort()
    print(
        f"\n{options.requests} requests after {options.warmup} warm-up, in-process "
        "(django.test.Client: full middleware stack, real access token; the test client keeps "
        "the database connection between requests)"
    )
    print("  load average during the run: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        f"  p50 {percentile(timings, 0.50):.2f} ms · p95 {percentile(timings, 0.95):.2f} ms · "
        f"p99 {percentile(timings, 0.99):.2f} ms · mean {statistics.fmean(timings):.2f} ms · "
        f"max {timings[-1]:.2f} ms"
    )
    print(f"  queries per request: {len(queries)}")
    for query in queries:
        print(f"    {query['sql'][:160]}")

    plan = suspensions_active_for(person=subject).explain(analyze=True, buffers=True)
    print("\nEXPLAIN (ANALYZE, BUFFERS) of suspensions_active_for(person=…):")
    print("  " + plan.replace("\n", "\n  "))
    print(
        "\npartial index suspensions_active_by_person used: "
        + ("yes" if "suspensions_active_by_person" in plan else "NO")
    )

    connection.close()
    if options.drop:
        database_drop(maintenance_url, options.database)
        print(f"dropped {options.database}")


if __name__ == "__main__":
    main()
