"""`manage.py generate_scale_data`: fill a PostgreSQL database with national-scale data (by default
10,000,000 persons, 20,000,000 suspensions and 10,000,000 bills with their history and audit
entries) for benchmarks and capacity tests. See `absher.core.management.scale_data` for what the
rows are; `bench/README.md` for figures."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, IntegrityError, connection, transaction

from absher.core import clock
from absher.core.management import scale_data
from absher.core.progress import SILENT, Progress, ProgressLine, Unended, duration_text


def _count(text: str) -> int:
    value = int(text.replace("_", "").replace(",", ""))
    if value < 0:
        raise argparse.ArgumentTypeError("a count is 0 or more")
    return value


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("an ISO 8601 time, such as 2026-03-01T10:00Z") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time zone, such as 2026-03-01T10:00+03:00")
    return moment.astimezone(dt.UTC)


class Command(BaseCommand):
    help = (
        "Load scale data into PostgreSQL with COPY: persons, sponsorships, suspensions, service "
        "requests with their bills, bill history, payments and the audit entries of the bills "
        "and suspensions (a valid hash chain). Refuses SQLite, and a database that already has "
        "people, bills, suspensions, accounts or audit entries unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=_count, default=10_000_000)
        parser.add_argument(
            "--suspensions", type=_count, default=None, help="Default: twice the persons."
        )
        parser.add_argument("--bills", type=_count, default=None, help="Default: the persons.")
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed gives the same rows (default 1)."
        )
        parser.add_argument(
            "--now",
            type=_moment,
            default=None,
            help="The end of the generated three years (default: the start of this hour). Give "
            "it with the seed to reproduce a load exactly.",
        )
        parser.add_argument(
            "--indexes",
            choices=["rebuild", "keep"],
            default="rebuild",
            help="rebuild: drop the secondary indexes, unique constraints and foreign keys of the "
            "loaded tables first and build them once at the end (default); keep: maintain them "
            "row by row.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even though the database already holds data (the generated rows are "
            "added; ID numbers of an earlier load with the same seed collide).",
        )
        parser.add_argument(
            "--registry-csv",
            metavar="FILE",
            help="Write the persons as a registry CSV export (for import_registry) instead of "
            "loading anything.",
        )
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Show each table's rows, rows per second and time left on stderr "
            "(default: when stderr is a terminal).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        persons: int = options["persons"]
        suspensions = options["suspensions"]
        bills = options["bills"]
        now = options["now"] or clock.now().replace(minute=0, second=0, microsecond=0)
        suspensions = 2 * persons if suspensions is None else suspensions
        bills = persons if bills is None else bills
        if not persons and (suspensions or bills):
            raise CommandError("Suspensions and bills need persons: give --persons.")
        plan = scale_data.Plan(
            persons=persons,
            suspensions=suspensions,
            bills=bills,
            seed=options["seed"],
            now=now.astimezone(dt.UTC),
        )
        show = options["progress"]
        if show is None:
            show = self.stderr.isatty()
        progress = ProgressLine(Unended(self.stderr)) if show else SILENT
        if options["registry_csv"]:
            path = Path(options["registry_csv"])
            with path.open("w", encoding="utf-8", newline="") as stream:
                scale_data.registry_csv_write(plan, stream, progress)
            self.stdout.write(f"Wrote {plan.persons:,} persons to {path}.")
            return
        self._load(
            plan,
            rebuild_indexes=options["indexes"] == "rebuild",
            force=options["force"],
            progress=progress,
        )

    def _load(
        self, plan: scale_data.Plan, *, rebuild_indexes: bool, force: bool, progress: Progress
    ) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_scale_data loads with PostgreSQL's COPY and measures PostgreSQL; this "
                f"database is {connection.vendor}. Point DATABASE_URL at a PostgreSQL database "
                "(a dedicated one: the load takes minutes and tens of gigabytes at full size)."
            )
        present = scale_data.data_present()
        if present and not force:
            found = ", ".join(f"{count:,} {label}" for label, count in present.items())
            raise CommandError(
                f"This database already holds data ({found}): refusing to mix generated rows "
                "into it. Use an empty, migrated database, or --force."
            )
        started = time.perf_counter()
        try:
            with transaction.atomic():
                plan.catalogue = scale_data.catalogue_read(biller_code=settings.SADAD_BILLER_CODE)
                if plan.bills and not (
                    plan.catalogue.citizen_services and plan.catalogue.resident_services
                ):
                    raise CommandError(
                        "The catalogue has no fee-bearing e-service for citizens and for "
                        "residents to bill: migrate the database (its standard catalogue) first."
                    )
                plan.first = scale_data.first_ids()
                report = scale_data.load(plan, rebuild_indexes=rebuild_indexes, progress=progress)
                commit_started = time.perf_counter()
            report.commit = time.perf_counter() - commit_started
        except IntegrityError as exc:
            raise CommandError(
                f"A generated row collides with one already in the database ({exc}). "
                "Load into an empty database, or use another --seed."
            ) from None
        except DatabaseError as exc:
            raise CommandError(f"The load failed and was rolled back: {exc}") from None
        report.analyze = scale_data.analyze()
        self._summary(plan, report, time.perf_counter() - started)

    def _summary(self, plan: scale_data.Plan, report: scale_data.LoadReport, total: float) -> None:
        write = self.stdout.write
        write(
            f"Loaded seed {plan.seed}, now {plan.now.isoformat()}, "
            f"in {duration_text(total)} ({total:.1f} s):"
        )
        for table, rows, seconds in report.tables:
            rate = rows / seconds if seconds else 0.0
            write(f"  {table:<34} {rows:>13,} rows {seconds:>9.1f} s {rate:>11,.0f} rows/s")
        if report.indexes:
            built = sum(seconds for _name, seconds in report.indexes)
            write(
                f"  {'secondary indexes and keys':<34} {len(report.indexes):>13,} built "
                f"{built:>8.1f} s (dropped in {report.indexes_dropped:.1f} s)"
            )
            for name, seconds in sorted(report.indexes, key=lambda item: -item[1])[:5]:
                write(f"    {name:<60} {seconds:>8.1f} s")
        write(f"  {'commit':<34} {'':>13} {report.commit:>14.1f} s")
        write(f"  {'analyze':<34} {'':>13} {report.analyze:>14.1f} s")
        if report.audit_head is not None:
            write(f"Audit chain head: sequence {report.audit_head.sequence:,}.")
