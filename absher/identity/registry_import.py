"""The registry CSV import at the size of a national export, in constant memory.

Every row must be checked before anything is written (a file with a bad row changes nothing), and
some checks need the whole file: an ID number repeated a million lines further on, a sponsor whose
row comes after their worker's. So the file is read once into a scratch store on disk, a private
SQLite file whatever the platform's database is: each ID number's first line, the valid rows and
the reasons of the bad ones. The checks that need the whole file run there as SQL. Then the valid
rows are written from it in batches, in ID number order (the order two imports at once lock the
people they share in). Python holds one batch at a time; the scratch store's page cache is capped.
On PostgreSQL a batch is compared with the registry and written in one statement over arrays;
elsewhere (SQLite) through the ORM, row objects and all.

`absher.identity.services.registry_import_csv` runs these steps in order and owns the transaction
and the audit entry."""

from __future__ import annotations

import datetime as dt
import gc
import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from django.db import connection
from django.utils.translation import gettext_lazy as _

from absher.core import clock
from absher.core.progress import Progress
from absher.identity.models import Person, Sponsorship
from absher.identity.registry_csv import (
    PERSON_FIELDS,
    ImportReport,
    RegistryRow,
    RowError,
    rows_read,
)
from absher.identity.rules import lazy_format
from absher.identity.selectors import chunked

# Rows per write batch: what Python holds at a time while writing.
BATCH_ROWS = 5000
# Rows per INSERT statement: 17 columns × 1000 stays under PostgreSQL's 65,535 parameters.
INSERT_ROWS = 1000
# The scratch store's page cache, in KiB; the rest of it stays on disk.
SCRATCH_CACHE_KIB = 16 * 1024
# How often (in rows read) the progress is told.
PROGRESS_EVERY = 1000

_GOOD_COLUMNS = ("line", "id_number", "sponsor", *PERSON_FIELDS)
_DATE_FIELDS = frozenset({"date_of_birth", "iqama_expiry"})
_FLAG_FIELDS = frozenset({"has_criminal_case", "owes_sponsor", "has_exit_visa"})

# The outcome of each valid row once written.
UNCHANGED, CREATED, CHANGED = 0, 1, 2


def lookup_chunk() -> int:
    """Values per `IN (...)` lookup: SQLite limits a query's parameters, PostgreSQL hardly."""
    return 500 if connection.vendor == "sqlite" else 5000


def _to_scratch(name: str, value: Any) -> Any:
    if name in _DATE_FIELDS:
        return value.isoformat() if value is not None else None
    if name in _FLAG_FIELDS:
        return int(value)
    return value


def _from_scratch(name: str) -> Callable[[Any], Any]:
    if name in _DATE_FIELDS:
        return lambda text: dt.date.fromisoformat(text) if text is not None else None
    if name in _FLAG_FIELDS:
        return bool
    return lambda value: value


_READERS = tuple(_from_scratch(name) for name in PERSON_FIELDS)


def person_values(stored: Iterable[Any]) -> tuple[Any, ...]:
    """A scratch row's Person values, typed as the database gives them back (to compare)."""
    return tuple(read(value) for read, value in zip(_READERS, stored, strict=True))


class ImportScratch:
    """The import's working set, in a SQLite file of its own in a temporary directory (under
    `$TMPDIR`), removed when the import ends. Nothing in it outlives the import, so it is written
    without a journal or syncing."""

    def __init__(self, directory: str | None = None) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix="absher-registry-", dir=directory)
        self.db = sqlite3.connect(
            Path(self._directory.name) / "scratch.sqlite3", isolation_level=None
        )
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "locking_mode = EXCLUSIVE",
            "temp_store = FILE",
            f"cache_size = -{SCRATCH_CACHE_KIB}",
        ):
            self.db.execute(f"PRAGMA {pragma}")
        person_columns = ", ".join(PERSON_FIELDS)
        self.db.executescript(
            f"""
            CREATE TABLE seen (id_number TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE good (
                line INTEGER PRIMARY KEY,
                id_number TEXT NOT NULL UNIQUE,
                sponsor TEXT NOT NULL,
                {person_columns},
                outcome INTEGER NOT NULL DEFAULT {UNCHANGED},
                sponsor_changed INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE bad (
                line INTEGER PRIMARY KEY,
                id_number TEXT NOT NULL,
                sponsor TEXT NOT NULL,
                reason TEXT NOT NULL
            );
            CREATE TABLE registered (id_number TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TABLE changed (
                worker INTEGER PRIMARY KEY, sponsor INTEGER, id_number TEXT NOT NULL
            );
            """
        )
        self.db.execute("BEGIN")

    def __enter__(self) -> ImportScratch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        self._directory.cleanup()

    # --- reading the file ---

    def first_line(self, id_number: str, line: int) -> int | None:
        inserted = self.db.execute(
            "INSERT INTO seen (id_number, line) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (id_number, line),
        )
        if inserted.rowcount == 1:
            return None
        earlier: int = self.db.execute(
            "SELECT line FROM seen WHERE id_number = ?", (id_number,)
        ).fetchone()[0]
        return earlier

    def good_add(self, rows: list[RegistryRow]) -> None:
        self.db.executemany(
            f"INSERT INTO good ({', '.join(_GOOD_COLUMNS)}) "  # noqa: S608  # nosec B608  # column names are this module's constants; values are bound parameters
            f"VALUES ({', '.join('?' for _ in _GOOD_COLUMNS)})",
            (
                (
                    row.line,
                    row.id_number,
                    row.sponsor_id_number,
                    *(_to_scratch(name, getattr(row, name)) for name in PERSON_FIELDS),
                )
                for row in rows
            ),
        )

    def bad_add(self, rows: list[tuple[int, str, str, str]]) -> None:
        self.db.executemany(
            "INSERT INTO bad (line, id_number, sponsor, reason) VALUES (?, ?, ?, ?)", rows
        )

    # --- the checks over the whole file ---

    def sponsors_named(self, size: int) -> Iterator[list[str]]:
        """Every ID number named as a sponsor by a row (valid or not), in sorted chunks."""
        after = ""
        while True:
            chunk = [
                sponsor
                for (sponsor,) in self.db.execute(
                    "SELECT sponsor FROM good WHERE sponsor > ? "
                    "UNION SELECT sponsor FROM bad WHERE sponsor > ? "
                    "ORDER BY 1 LIMIT ?",
                    (after, after, size),
                )
            ]
            if not chunk:
                return
            yield chunk
            after = chunk[-1]

    def registered_add(self, id_numbers: Iterable[str]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO registered (id_number) VALUES (?)",
            ((id_number,) for id_number in id_numbers),
        )

    def bad_sponsors_unknown(self, problem: str) -> None:
        """A bad row naming a sponsor who is neither registered nor in the file also says so."""
        self.db.execute(
            "UPDATE bad SET reason = reason || '; ' || ? WHERE sponsor != '' "
            "AND sponsor NOT IN (SELECT id_number FROM registered) "
            "AND sponsor NOT IN (SELECT id_number FROM seen)",
            (problem,),
        )

    def orphans_take(
        self, *, sponsors_available: str
    ) -> Iterator[tuple[int, str, str, int | None]]:
        """Removes the valid rows whose sponsor is not available and yields them (line, ID number,
        sponsor, the sponsor's first line in the file or None). `sponsors_available` is the SQL
        set of ID numbers a sponsor must be in."""
        self.db.execute("DROP TABLE IF EXISTS temp.orphans")
        self.db.execute(
            "CREATE TEMP TABLE orphans AS "  # noqa: S608  # nosec B608  # `sponsors_available` is one of this module's fixed subqueries
            "SELECT good.line, good.id_number, good.sponsor, seen.line AS sponsor_line "
            "FROM good LEFT JOIN seen ON seen.id_number = good.sponsor "
            "WHERE good.sponsor != '' "
            "AND good.sponsor NOT IN (SELECT id_number FROM registered) "
            f"AND good.sponsor NOT IN ({sponsors_available})"
        )
        self.db.execute("DELETE FROM good WHERE line IN (SELECT line FROM temp.orphans)")
        after = 0
        while rows := self.db.execute(
            "SELECT line, id_number, sponsor, sponsor_line FROM temp.orphans "
            "WHERE line > ? ORDER BY line LIMIT ?",
            (after, BATCH_ROWS),
        ).fetchall():
            yield from rows
            after = rows[-1][0]

    def errors(self) -> list[RowError]:
        return [
            RowError(line=line, reason=reason)
            for line, reason in self.db.execute("SELECT line, reason FROM bad ORDER BY line")
        ]

    def good_count(self) -> int:
        count: int = self.db.execute("SELECT count(*) FROM good").fetchone()[0]
        return count

    # --- writing ---

    def good_batches(self, columns: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
        """The valid rows' `columns` (the first of them the ID number), `size` at a time, in ID
        number order. Keyset pages: the rows may be updated between two pages."""
        after = ""
        while rows := self.db.execute(
            f"SELECT {columns} FROM good WHERE id_number > ? ORDER BY id_number LIMIT ?",  # noqa: S608  # nosec B608  # `columns` are this module's constants; values are bound parameters
            (after, size),
        ).fetchall():
            yield rows
            after = rows[-1][0]

    def outcomes_set(self, outcomes: list[tuple[int, str]]) -> None:
        self.db.executemany("UPDATE good SET outcome = ? WHERE id_number = ?", outcomes)

    def changed_add(self, changes: list[tuple[int, int | None, str]]) -> None:
        self.db.executemany(
            "INSERT INTO changed (worker, sponsor, id_number) VALUES (?, ?, ?)", changes
        )

    def changed_count(self) -> int:
        count: int = self.db.execute("SELECT count(*) FROM changed").fetchone()[0]
        return count

    def changed_batches(self, size: int) -> Iterator[list[tuple[int, int | None, str]]]:
        """The workers whose sponsor changes (worker pk, new sponsor pk, ID number), in primary
        key order: the order every writer locks people in."""
        after = 0
        while rows := self.db.execute(
            "SELECT worker, sponsor, id_number FROM changed WHERE worker > ? "
            "ORDER BY worker LIMIT ?",
            (after, size),
        ).fetchall():
            yield rows
            after = rows[-1][0]

    def sponsor_changed_set(self, id_numbers: list[str]) -> None:
        self.db.executemany(
            "UPDATE good SET sponsor_changed = 1 WHERE id_number = ?",
            ((id_number,) for id_number in id_numbers),
        )

    def outcome_counts(self) -> tuple[int, int, int]:
        """(created, updated, unchanged): updated counts a changed sponsor too."""
        created, updated, total = self.db.execute(
            f"SELECT count(*) FILTER (WHERE outcome = {CREATED}), "  # noqa: S608  # nosec B608  # the outcomes are this module's integer constants
            f"count(*) FILTER (WHERE outcome = {CHANGED} "
            f"OR (outcome = {UNCHANGED} AND sponsor_changed = 1)), "
            "count(*) FROM good"
        ).fetchone()
        return created, updated, total - created - updated


# --- step 1: read and check every row -------------------------------------------------------------


class _CountedLines:
    """The lines of a binary stream, counting the bytes read (for the progress)."""

    def __init__(self, stream: Iterable[bytes]) -> None:
        self.stream = stream
        self.position = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self.stream:
            self.position += len(line)
            yield line


def stream_size(stream: IO[bytes]) -> int | None:
    """The size of a file or an in-memory buffer; None for a pipe."""
    try:
        status = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        pass
    else:
        return status.st_size if stat.S_ISREG(status.st_mode) else None
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        size = stream.seek(0, os.SEEK_END)
        stream.seek(here)
    except (AttributeError, OSError, ValueError):
        return None
    return size


def rows_stage(
    *,
    stream: IO[bytes],
    scratch: ImportScratch,
    progress: Progress,
    batch_size: int = BATCH_ROWS,
) -> None:
    """Reads and checks every row of the file into `scratch`: the valid ones, and the others with
    the reason (in the active language). Raises an ApplicationError when the file as a whole
    cannot be read."""
    lines = _CountedLines(stream)
    progress.stage("checking rows", total=stream_size(stream), unit="bytes")
    good: list[RegistryRow] = []
    bad: list[tuple[int, str, str, str]] = []
    count = 0
    for count, row in enumerate(rows_read(lines, scratch), start=1):
        if isinstance(row, RegistryRow):
            good.append(row)
            if len(good) == batch_size:
                scratch.good_add(good)
                good = []
        else:
            bad.append((row.line, row.id_number, row.sponsor_id_number, row.reason()))
            if len(bad) == batch_size:
                scratch.bad_add(bad)
                bad = []
        if count % PROGRESS_EVERY == 0:
            progress.advance(count, measure=lines.position)
    scratch.good_add(good)
    scratch.bad_add(bad)
    progress.advance(count, measure=lines.position)
    progress.finish()


def _sponsor_unknown() -> str:
    return "sponsor_id_number: " + str(
        _("No person with this ID number is in the file or in the registry.")
    )


def _sponsor_skipped(line: int) -> str:
    return "sponsor_id_number: " + str(
        lazy_format(
            _("The sponsor's row (line %(line)d) cannot be imported, so neither can this one."),
            {"line": line},
        )
    )


def sponsors_check(
    *, scratch: ImportScratch, skip_invalid: bool, batch_size: int = BATCH_ROWS
) -> None:
    """The checks that need the whole file and the registry: every sponsor named must be
    registered or have a row of the file.

    Without `skip_invalid` a bad sponsor row is reported on its own line (fixing it fixes its
    workers' rows). With `skip_invalid` a skipped sponsor row takes its workers' rows with it, and
    theirs in turn."""
    for chunk in scratch.sponsors_named(min(batch_size, lookup_chunk())):
        scratch.registered_add(
            Person.objects.filter(id_number__in=chunk).values_list("id_number", flat=True)
        )
    scratch.bad_sponsors_unknown(_sponsor_unknown())
    if not skip_invalid:
        orphans = scratch.orphans_take(sponsors_available="SELECT id_number FROM seen")
        _orphans_report(scratch, orphans)
        return
    while True:
        orphans = scratch.orphans_take(sponsors_available="SELECT id_number FROM good")
        if not _orphans_report(scratch, orphans):
            return


def _orphans_report(
    scratch: ImportScratch, orphans: Iterator[tuple[int, str, str, int | None]]
) -> int:
    count = 0
    for batch in chunked(orphans, BATCH_ROWS):
        scratch.bad_add(
            [
                (
                    line,
                    id_number,
                    sponsor,
                    _sponsor_unknown() if sponsor_line is None else _sponsor_skipped(sponsor_line),
                )
                for line, id_number, sponsor, sponsor_line in batch
            ]
        )
        count += len(batch)
    return count


# --- step 2: write the valid rows -----------------------------------------------------------------


def _batch_done(progress: Progress, done: int) -> None:
    progress.advance(done)
    # The ORM leaves reference cycles behind every batch (compilers, querysets); collecting the
    # young generations here keeps the peak at one batch's worth instead of whatever piles up
    # before the collector's own thresholds are reached.
    gc.collect(1)


def people_write(
    *, scratch: ImportScratch, progress: Progress, batch_size: int = BATCH_ROWS
) -> None:
    """Creates and updates the people of the valid rows, `batch_size` at a time in ID number
    order, and records in `scratch` which were created and which changed. A person whose row
    matches the registry is not written at all (not even `updated_at`)."""
    write = _people_upsert_postgresql if connection.vendor == "postgresql" else _people_upsert
    progress.stage("writing people", total=scratch.good_count())
    done = 0
    for batch in scratch.good_batches(", ".join(("id_number", *PERSON_FIELDS)), batch_size):
        rows = [(id_number, person_values(stored)) for id_number, *stored in batch]
        scratch.outcomes_set(write(rows))
        done += len(batch)
        _batch_done(progress, done)
    progress.finish()


def _people_upsert(rows: list[tuple[str, tuple[Any, ...]]]) -> list[tuple[int, str]]:
    """Reads the people of `rows`, then creates and updates those that differ; returns (CREATED
    or CHANGED, ID number) for each written."""
    existing: dict[str, tuple[Any, ...]] = {}
    for chunk in chunked([id_number for id_number, _values in rows], lookup_chunk()):
        for id_number, *values in Person.objects.filter(id_number__in=chunk).values_list(
            "id_number", *PERSON_FIELDS
        ):
            existing[id_number] = tuple(values)
    people: list[Person] = []
    outcomes: list[tuple[int, str]] = []
    for id_number, values in rows:
        before = existing.get(id_number)
        if before == values:
            continue
        outcomes.append((CREATED if before is None else CHANGED, id_number))
        people.append(Person(id_number=id_number, **dict(zip(PERSON_FIELDS, values, strict=True))))
    # Relies on the unique ID number rather than on what was read: a concurrent import of the same
    # person updates the row instead of failing.
    if people:
        Person.objects.bulk_create(
            people,
            batch_size=INSERT_ROWS,
            update_conflicts=True,
            unique_fields=["id_number"],
            update_fields=[*PERSON_FIELDS, "updated_at"],
        )
    return outcomes


def _people_upsert_postgresql(rows: list[tuple[str, tuple[Any, ...]]]) -> list[tuple[int, str]]:
    """What `_people_upsert` does, in one statement: the batch goes in as one array per column,
    and PostgreSQL compares and writes (through the ORM a row costs tens of microseconds of
    Python; here a few). The update is skipped where nothing differs; `existing` is read in the
    statement's snapshot, before its own insert, to tell a created person from a changed one,
    one ID number at a time (see `_sponsors_compare_postgresql` for why)."""
    if not rows:
        return []
    columns = ("id_number", *PERSON_FIELDS)
    fields = {field.name: field for field in Person._meta.concrete_fields}
    quote = connection.ops.quote_name
    column = {name: quote(fields[name].column or name) for name in columns}
    arrays = ", ".join(f"%s::{fields[name].cast_db_type(connection)}[]" for name in columns)
    names = ", ".join(column[name] for name in columns)
    changes = ", ".join(f"{column[n]} = EXCLUDED.{column[n]}" for n in PERSON_FIELDS)
    current = ", ".join(f"person.{column[n]}" for n in PERSON_FIELDS)
    incoming = ", ".join(f"EXCLUDED.{column[n]}" for n in PERSON_FIELDS)
    table = quote(Person._meta.db_table)
    statement = (
        f"WITH incoming ({names}) AS (SELECT * FROM unnest({arrays})), "  # noqa: S608  # nosec B608  # the model's own table and column names; values are parameters
        "existing AS (SELECT incoming.id_number FROM incoming "
        f"CROSS JOIN LATERAL (SELECT 1 FROM {table} person "
        "WHERE person.id_number = incoming.id_number LIMIT 1) found), "
        f"written AS (INSERT INTO {table} AS person (created_at, updated_at, {names}) "
        f"SELECT %s, %s, {names} FROM incoming ORDER BY id_number "
        f"ON CONFLICT (id_number) DO UPDATE SET {changes}, updated_at = EXCLUDED.updated_at "
        f"WHERE ({current}) IS DISTINCT FROM ({incoming}) RETURNING person.id_number) "
        "SELECT written.id_number, existing.id_number IS NULL "
        "FROM written LEFT JOIN existing USING (id_number)"
    )
    now = clock.now()
    parameters = [[row[0] for row in rows]] + [
        [values[k] for _id_number, values in rows] for k in range(len(PERSON_FIELDS))
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, [*parameters, now, now])
        return [
            (CREATED if created else CHANGED, id_number) for id_number, created in cursor.fetchall()
        ]


def _pks_by_id_number(id_numbers: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunked(sorted(set(id_numbers)), lookup_chunk()):
        found.update(Person.objects.filter(id_number__in=chunk).values_list("id_number", "id"))
    return found


def sponsorships_write(
    *,
    scratch: ImportScratch,
    report: ImportReport,
    progress: Progress,
    batch_size: int = BATCH_ROWS,
) -> None:
    """Makes each valid row's sponsor the worker's current one. First finds the workers whose
    sponsor changes; then, in primary key order, locks them, decides again on what is current now
    (another import may have moved them meanwhile), ends the old sponsorships and starts the new
    ones. Records in `scratch` whose sponsor changed."""
    progress.stage("comparing sponsors", total=scratch.good_count())
    done = 0
    compare = (
        _sponsors_compare_postgresql if connection.vendor == "postgresql" else _sponsors_compare
    )
    for batch in scratch.good_batches("id_number, sponsor", batch_size):
        scratch.changed_add(compare(batch))
        done += len(batch)
        _batch_done(progress, done)
    progress.finish()

    progress.stage("moving sponsorships", total=scratch.changed_count())
    done = 0
    for changed in scratch.changed_batches(batch_size):
        wanted = {worker: sponsor for worker, sponsor, _id_number in changed}
        _people_lock(wanted)
        changes = _sponsorship_changes(wanted)
        if changes:
            _sponsorships_move(changes, report)
            moved = set(changes)
            scratch.sponsor_changed_set(
                [id_number for worker, _sponsor, id_number in changed if worker in moved]
            )
        done += len(changed)
        _batch_done(progress, done)
    progress.finish()


def _sponsors_compare(batch: list[tuple[str, str]]) -> list[tuple[int, int | None, str]]:
    """(worker pk, wanted sponsor pk or None, ID number) of the rows of `batch` (ID number,
    sponsor's ID number or "") whose current sponsor is another."""
    pk_of = _pks_by_id_number(
        [id_number for id_number, _sponsor in batch]
        + [sponsor for _id_number, sponsor in batch if sponsor]
    )
    wanted = {pk_of[id_number]: pk_of[sponsor] if sponsor else None for id_number, sponsor in batch}
    id_number_of = {pk_of[id_number]: id_number for id_number, _sponsor in batch}
    return [
        (worker, sponsor, id_number_of[worker])
        for worker, (_current, sponsor) in _sponsorship_changes(wanted).items()
    ]


def _sponsors_compare_postgresql(
    batch: list[tuple[str, str]],
) -> list[tuple[int, int | None, str]]:
    """What `_sponsors_compare` does, in one query per batch. Each person is found by its unique
    ID number (`LIMIT 1` keeps each lookup a lookup): joined as a set, the planner would hash the
    whole registry for every batch, its statistics not knowing yet of the rows this import added."""
    quote = connection.ops.quote_name
    people = quote(Person._meta.db_table)
    sponsorships = quote(Sponsorship._meta.db_table)
    statement = (
        "SELECT worker.id, sponsor.id, batch.id_number "  # noqa: S608  # nosec B608  # the models' own table names; values are parameters
        "FROM unnest(%s::text[], %s::text[]) AS batch (id_number, sponsor) "
        f"CROSS JOIN LATERAL (SELECT id FROM {people} "
        "WHERE id_number = batch.id_number LIMIT 1) worker "
        f"LEFT JOIN LATERAL (SELECT id FROM {people} "
        "WHERE id_number = NULLIF(batch.sponsor, '') LIMIT 1) sponsor ON true "
        f"LEFT JOIN {sponsorships} current "
        "ON current.worker_id = worker.id AND current.ended_at IS NULL "
        "WHERE current.sponsor_id IS DISTINCT FROM sponsor.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [[row[0] for row in batch], [row[1] for row in batch]])
        return [(worker, sponsor, id_number) for worker, sponsor, id_number in cursor.fetchall()]


def _people_lock(person_ids: Iterable[int]) -> None:
    # One order for everyone (by primary key), so two writers never wait on each other in a circle.
    for chunk in chunked(sorted(set(person_ids)), lookup_chunk()):
        list(Person.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values("pk"))


def _sponsorship_changes(
    wanted: dict[int, int | None],
) -> dict[int, tuple[int | None, int | None]]:
    """worker pk -> (current sponsorship pk to end or None, new sponsor pk or None), for the workers
    whose current sponsor is not the wanted one."""
    current: dict[int, tuple[int | None, int | None]] = {}
    for chunk in chunked(list(wanted), lookup_chunk()):
        for pk, worker, sponsor in Sponsorship.objects.filter(
            worker_id__in=chunk, ended_at__isnull=True
        ).values_list("pk", "worker_id", "sponsor_id"):
            current[worker] = (pk, sponsor)
    changes: dict[int, tuple[int | None, int | None]] = {}
    for worker_pk, wanted_sponsor in wanted.items():
        current_pk, current_sponsor = current.get(worker_pk, (None, None))
        if current_sponsor != wanted_sponsor:
            changes[worker_pk] = (current_pk, wanted_sponsor)
    return changes


def _sponsorships_move(
    changes: dict[int, tuple[int | None, int | None]], report: ImportReport
) -> None:
    now = clock.now()
    ended = [current for current, _sponsor in changes.values() if current is not None]
    for chunk in chunked(ended, lookup_chunk()):
        Sponsorship.objects.filter(pk__in=chunk).update(ended_at=now, updated_at=now)
    started = [
        Sponsorship(worker_id=worker, sponsor_id=sponsor, started_at=now)
        for worker, (_current, sponsor) in changes.items()
        if sponsor is not None
    ]
    Sponsorship.objects.bulk_create(started, batch_size=INSERT_ROWS)
    report.sponsorships_ended += len(ended)
    report.sponsorships_started += len(started)
