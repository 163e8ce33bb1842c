"""Writes to the national registry (السجل الوطني): the CSV import and the change of a worker's
sponsor. People cannot edit their record through the platform; these are the only writers."""

from __future__ import annotations

from typing import IO

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from absher.audit.services import audit_record
from absher.core import clock
from absher.core.errors import Conflict, InvalidInput
from absher.core.progress import SILENT, Progress
from absher.identity import registry_import
from absher.identity.models import Person, Sponsorship
from absher.identity.registry_csv import ImportReport, RowError
from absher.identity.rules import lazy_format

__all__ = [
    "ImportReport",
    "RowError",
    "person_lock",
    "registry_import_csv",
    "sponsorship_transfer",
]


def person_lock(*, person_id: int) -> Person:
    """The person's row, locked until the end of the transaction: every writer that changes a
    person's sponsorship takes this lock first."""
    return Person.objects.select_for_update().get(pk=person_id)


def registry_import_csv(
    *,
    stream: IO[bytes],
    skip_invalid: bool = False,
    progress: Progress = SILENT,
    batch_size: int = registry_import.BATCH_ROWS,
) -> ImportReport:
    """Loads a registry CSV export (SPEC 13) of any size in constant memory (see
    `registry_import`). Every row is checked before anything is written; a file with a bad row
    changes nothing (ApplicationError `registry_import_invalid`, each bad row in extra["errors"])
    unless `skip_invalid`, which imports the good rows and reports the others. Importing the same
    file twice changes nothing the second time. Memory grows only with the number of bad rows
    reported."""
    with registry_import.ImportScratch() as scratch:
        registry_import.rows_stage(
            stream=stream, scratch=scratch, progress=progress, batch_size=batch_size
        )
        registry_import.sponsors_check(
            scratch=scratch, skip_invalid=skip_invalid, batch_size=batch_size
        )
        errors = scratch.errors()
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
            registry_import.people_write(scratch=scratch, progress=progress, batch_size=batch_size)
            registry_import.sponsorships_write(
                scratch=scratch, report=report, progress=progress, batch_size=batch_size
            )
            report.created, report.updated, report.unchanged = scratch.outcome_counts()
            audit_record(
                action="registry.imported",
                actor_type="system",
                actor_id="import_registry",
                subject_type="registry",
                data=report.counts(),
            )
    return report


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
