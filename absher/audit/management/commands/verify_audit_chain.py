"""`manage.py verify_audit_chain`: recompute the audit log's hash chain; exit non-zero at the first
entry that cannot be trusted, naming it."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from absher.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain from its first entry to the chain head."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="Entries read per query (memory use is constant).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify(batch_size=options["batch_size"])
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {report.checked} audit events verified"))
            return
        where = (
            f"sequence {report.broken_sequence}"
            if report.broken_sequence is not None
            else "the chain head"
        )
        action = f" ({report.broken_action})" if report.broken_action else ""
        raise CommandError(
            f"audit chain broken at {where}{action}: {report.reason}; "
            f"{report.checked} events verified before it"
        )
