"""Per channel, for one day (UTC): notifications received against payments applied, and every
mismatch. Exits non-zero when there is a mismatch, so a scheduler can alert."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from absher.core import clock
from absher.core.money import format_sar
from absher.payments.selectors import reconciliation_for


class Command(BaseCommand):
    help = "Reconcile one day's payment notifications with the payments applied."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (UTC); default: yesterday")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        else:
            day = clock.now().date() - dt.timedelta(days=1)
        mismatches = 0
        self.stdout.write(f"Reconciliation for {day.isoformat()} (UTC)")
        for line in reconciliation_for(day=day):
            self.stdout.write(
                f"  {line.channel:<6} received {line.received:>6}  applied {line.applied:>6}  "
                f"duplicate {line.duplicate:>5}  rejected {line.rejected:>5}  "
                f"payments {line.payments:>6}  amount SAR {format_sar(line.amount_applied_halalas)}"
            )
            for reason, count in sorted(line.rejections.items()):
                self.stdout.write(f"      rejected {reason}: {count}")
            for mismatch in line.mismatches:
                self.stdout.write(f"      mismatch: {mismatch}")
            mismatches += len(line.mismatches)
        if mismatches:
            raise CommandError(f"{mismatches} mismatch(es)")
