"""Writes to the national registry (السجل الوطني): the CSV import and the change of a worker's
sponsor. People cannot edit their record through the platform; these are the only writers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import IO, Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from absher.audit.services import audit_record
from absher.core import clock
from absher.core.errors import Conflict, InvalidInput
from absher.identity.models import Person, Sponsorship
from absher.identity.registry_csv import (
    PERSON_FIELDS,
    BadRow,
    ImportReport,
    RegistryRow,
    RowError,
    rows_read,
)
from absher.identity.rules import lazy_format
from absher.identity.selectors import chunked, person_ids_by_id_number

__all__ = [
    "ImportReport",
    "RowError",
    "person_lock",
    "registry_import_csv",
    "sponsorship_transfer",
]

WRITE_BATCH = 1000


def person_lock(*, person_id: int) -> Person:
    """The person's row, locked until the end of the transaction: every writer that changes a
    person's sponsorship takes this lock first."""
    return Person.objects.select_for_update().get(pk=person_id)


def _people_lock(person_ids: Iterable[int]) -> None:
    # One order for everyone (by primary key), so two writers never wait on each other in a circle.
    for batch in chunked(sorted(set(person_ids))):
        list(Person.objects.select_for_update().filter(pk__in=batch).order_by("pk").values("pk"))


def registry_import_csv(*, stream: IO[bytes], skip_invalid: bool = False) -> ImportReport:
    """Loads a registry CSV export (SPEC 13). Every row is checked before anything is written; a
    file with a bad row changes nothing (ApplicationError `registry_import_invalid`, each bad row
    in extra["errors"]) unless `skip_invalid`, which imports the good rows and reports the others.
    Importing the same file twice changes nothing the second time."""
    good, bad = _rows_validate(stream, skip_invalid=skip_invalid)
    errors = [RowError(line=row.line, reason=row.reason()) for row in sorted(bad, key=_line)]
    if errors and not skip_invalid:
        raise InvalidInput(
            "registry_import_invalid",
            lazy_format(
                ngettext_lazy(
                    "%(count)d row of the file is invalid; nothing was imported.",
                    "%(count)d rows of the file are invalid; nothing was imported.",
                    "count",
                ),
                {"count": len(errors)},
            ),
            {"errors": [{"line": error.line, "reason": error.reason} for error in errors]},
        )
    report = ImportReport(skipped=errors)
    with transaction.atomic():
        created, fields_changed, pk_of = _people_write(good)
        sponsor_changed = _sponsorships_write(good, pk_of, report)
        report.created = len(created)
        report.updated = len(fields_changed | (sponsor_changed - created))
        report.unchanged = len(good) - report.created - report.updated
        audit_record(
            action="registry.imported",
            actor_type="system",
            actor_id="import_registry",
            subject_type="registry",
            data=report.counts(),
        )
    return report


def _line(row: RegistryRow | BadRow) -> int:
    return row.line


def _id_number(row: RegistryRow) -> str:
    return row.id_number


def _rows_validate(
    stream: IO[bytes], *, skip_invalid: bool
) -> tuple[list[RegistryRow], list[BadRow]]:
    good: list[RegistryRow] = []
    bad: list[BadRow] = []
    first_line_of: dict[str, int] = {}
    wanted: set[str] = set()
    for row in rows_read(stream):
        if isinstance(row, RegistryRow):
            good.append(row)
        else:
            bad.append(row)
        if row.id_number:
            first_line_of.setdefault(row.id_number, row.line)
        if row.sponsor_id_number:
            wanted.add(row.sponsor_id_number)
    good_ids = {row.id_number for row in good}
    registered = set(person_ids_by_id_number(id_numbers=wanted))

    # A sponsor is known when the registry has them or the file has a row for them.
    bad = [
        replace(row, problems=(*row.problems, _sponsor_unknown()))
        if _is_unknown(row.sponsor_id_number, registered, first_line_of)
        else row
        for row in bad
    ]
    # Without skip_invalid a bad sponsor row is reported on its own line (fixing it fixes its
    # workers' rows). With skip_invalid a skipped sponsor row takes its workers' rows with it, and
    # theirs in turn.
    available = registered | (good_ids if skip_invalid else set(first_line_of))
    while orphans := [
        row for row in good if row.sponsor_id_number and row.sponsor_id_number not in available
    ]:
        orphan_lines = {row.line for row in orphans}
        good = [row for row in good if row.line not in orphan_lines]
        for row in orphans:
            if skip_invalid and row.id_number not in registered:
                available.discard(row.id_number)
            sponsor_line = first_line_of.get(row.sponsor_id_number)
            problem = _sponsor_unknown() if sponsor_line is None else _sponsor_skipped(sponsor_line)
            bad.append(
                BadRow(
                    line=row.line,
                    id_number=row.id_number,
                    sponsor_id_number=row.sponsor_id_number,
                    problems=(problem,),
                )
            )
    return good, bad


def _is_unknown(sponsor: str, registered: set[str], first_line_of: dict[str, int]) -> bool:
    return bool(sponsor) and sponsor not in registered and sponsor not in first_line_of


def _sponsor_unknown() -> tuple[str, Any]:
    return (
        "sponsor_id_number",
        _("No person with this ID number is in the file or in the registry."),
    )


def _sponsor_skipped(line: int) -> tuple[str, Any]:
    return (
        "sponsor_id_number",
        lazy_format(
            _("The sponsor's row (line %(line)d) cannot be imported, so neither can this one."),
            {"line": line},
        ),
    )


def _people_write(rows: list[RegistryRow]) -> tuple[set[str], set[str], dict[str, int]]:
    """Creates and updates the people of `rows`; returns the ID numbers created, those updated,
    and the primary keys of those that existed before."""
    existing: dict[str, tuple[Any, ...]] = {}
    pk_of: dict[str, int] = {}
    for batch in chunked([row.id_number for row in rows]):
        for pk, id_number, *values in Person.objects.filter(id_number__in=batch).values_list(
            "pk", "id_number", *PERSON_FIELDS
        ):
            existing[id_number] = tuple(values)
            pk_of[id_number] = pk

    created: set[str] = set()
    updated: set[str] = set()
    batch_to_write: list[Person] = []
    # In ID number order, so that two imports at once lock the rows they share in the same order.
    for row in sorted(rows, key=_id_number):
        values = row.person_values()
        before = existing.get(row.id_number)
        if before == values:
            continue
        (created if before is None else updated).add(row.id_number)
        batch_to_write.append(
            Person(id_number=row.id_number, **dict(zip(PERSON_FIELDS, values, strict=True)))
        )
        if len(batch_to_write) == WRITE_BATCH:
            _people_upsert(batch_to_write)
            batch_to_write = []
    _people_upsert(batch_to_write)
    return created, updated, pk_of


def _people_upsert(people: list[Person]) -> None:
    # Relies on the unique ID number rather than on what was read: a concurrent import of the same
    # person updates the row instead of failing.
    if people:
        Person.objects.bulk_create(
            people,
            update_conflicts=True,
            unique_fields=["id_number"],
            update_fields=[*PERSON_FIELDS, "updated_at"],
        )


def _sponsorships_write(
    rows: list[RegistryRow], pk_of: dict[str, int], report: ImportReport
) -> set[str]:
    """Makes each row's sponsor the worker's current one; returns the ID numbers of the workers
    whose sponsor changed. `pk_of` has the primary keys of the people who existed already."""
    sponsors = {row.sponsor_id_number for row in rows if row.sponsor_id_number}
    unknown = {row.id_number for row in rows if row.id_number not in pk_of} | (
        sponsors - set(pk_of)
    )
    pk_of = {**pk_of, **person_ids_by_id_number(id_numbers=unknown)}
    wanted = {
        pk_of[row.id_number]: pk_of[row.sponsor_id_number] if row.sponsor_id_number else None
        for row in rows
    }
    changes = _sponsorship_changes(wanted)
    if changes:
        # Lock the workers concerned, then decide again on what is current now.
        _people_lock(changes)
        changes = _sponsorship_changes({worker: wanted[worker] for worker in changes})
    if not changes:
        return set()

    now = clock.now()
    ended = [current for current, _sponsor in changes.values() if current is not None]
    for batch in chunked(ended):
        Sponsorship.objects.filter(pk__in=batch).update(ended_at=now, updated_at=now)
    started = [
        Sponsorship(worker_id=worker, sponsor_id=sponsor, started_at=now)
        for worker, (_current, sponsor) in changes.items()
        if sponsor is not None
    ]
    Sponsorship.objects.bulk_create(started, batch_size=WRITE_BATCH)
    report.sponsorships_ended += len(ended)
    report.sponsorships_started += len(started)
    id_number_of = {pk: id_number for id_number, pk in pk_of.items()}
    return {id_number_of[worker] for worker in changes}


def _sponsorship_changes(
    wanted: dict[int, int | None],
) -> dict[int, tuple[int | None, int | None]]:
    """worker pk -> (current sponsorship pk to end or None, new sponsor pk or None), for the workers
    whose current sponsor is not the wanted one."""
    current: dict[int, tuple[int | None, int | None]] = {}
    for batch in chunked(list(wanted)):
        for pk, worker, sponsor in Sponsorship.objects.filter(
            worker_id__in=batch, ended_at__isnull=True
        ).values_list("pk", "worker_id", "sponsor_id"):
            current[worker] = (pk, sponsor)
    changes: dict[int, tuple[int | None, int | None]] = {}
    for worker_pk, wanted_sponsor in wanted.items():
        current_pk, current_sponsor = current.get(worker_pk, (None, None))
        if current_sponsor != wanted_sponsor:
            changes[worker_pk] = (current_pk, wanted_sponsor)
    return changes


def sponsorship_transfer(*, worker: Person, new_sponsor: Person) -> Sponsorship:
    """Moves a worker to a new sponsor (نقل الكفالة) once a transfer completes: ends the current
    sponsorship, starts the new one and counts the transfer, under the worker's row lock. The
    transfer's own service checks the conditions and writes the audit event in the same
    transaction."""
    with transaction.atomic():
        locked = person_lock(person_id=worker.pk)
        current = Sponsorship.objects.filter(worker=locked, ended_at__isnull=True).first()
        if current is None:
            raise Conflict("worker_has_no_sponsor", _("The worker has no current sponsor."))
        if new_sponsor.pk in (locked.pk, current.sponsor_id):
            raise Conflict(
                "sponsor_unchanged",
                _("The new sponsor must be someone other than the worker and the current sponsor."),
            )
        now = clock.now()
        current.ended_at = now
        current.save(update_fields=["ended_at", "updated_at"])
        started = Sponsorship.objects.create(worker=locked, sponsor=new_sponsor, started_at=now)
        Person.objects.filter(pk=locked.pk).update(
            transfer_count=F("transfer_count") + 1, updated_at=now
        )
    worker.refresh_from_db(fields=["transfer_count", "updated_at"])
    return started
