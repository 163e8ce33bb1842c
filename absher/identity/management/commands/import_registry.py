"""`manage.py import_registry FILE [--skip-invalid]`: loads a national registry CSV export of any
size, with a progress line on stderr when it is a terminal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from absher.core.errors import ApplicationError
from absher.core.progress import SILENT, Progress, ProgressLine, Unended
from absher.identity.services import registry_import_csv


class Command(BaseCommand):
    help = (
        "Import the national registry from a CSV file (header row, UTF-8). Every row is checked "
        "first; a file with bad rows changes nothing unless --skip-invalid is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path of the CSV file, or - to read standard input.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and report the invalid ones instead of refusing the file.",
        )
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Show rows done, rows per second and the time left on stderr "
            "(default: when stderr is a terminal).",
        )
        parser.add_argument(
            "--language",
            choices=["en", "ar"],
            default="en",
            help="Language of the reasons printed for bad rows (default: en).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        show = options["progress"]
        if show is None:
            show = self.stderr.isatty()
        progress = ProgressLine(Unended(self.stderr)) if show else SILENT
        with translation.override(options["language"]):
            self._import(options["file"], skip_invalid=options["skip_invalid"], progress=progress)

    def _import(self, name: str, *, skip_invalid: bool, progress: Progress) -> None:
        try:
            if name == "-":
                report = registry_import_csv(
                    stream=sys.stdin.buffer, skip_invalid=skip_invalid, progress=progress
                )
            else:
                with Path(name).open("rb") as stream:
                    report = registry_import_csv(
                        stream=stream, skip_invalid=skip_invalid, progress=progress
                    )
        except OSError as exc:
            raise CommandError(f"Cannot read {name}: {exc.strerror or exc}") from None
        except ApplicationError as exc:
            self._bad_rows_write(exc.extra.get("errors", []))
            raise CommandError(str(exc.message)) from None

        self._bad_rows_write([{"line": e.line, "reason": e.reason} for e in report.skipped])
        self.stdout.write(
            f"Registry imported: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.skipped)} skipped; "
            f"{report.sponsorships_started} sponsorships started, "
            f"{report.sponsorships_ended} ended."
        )

    def _bad_rows_write(self, errors: list[dict[str, Any]]) -> None:
        for error in errors:
            self.stderr.write(f"line {error['line']}: {error['reason']}")
