"""Administrators reconcile payments: for one day (UTC, as the `reconcile_payments` command counts
it) and per channel, the bank notifications received against
the payments applied, with every mismatch listed. Read only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from absher.accounts.constants import StaffRole
from absher.backoffice.access import StaffRequest, staff_required
from absher.backoffice.forms import ReconciliationDayForm
from absher.core import clock
from absher.payments.selectors import ReconciliationLine, reconciliation_for

ONE_DAY = dt.timedelta(days=1)
CHANNEL_LABELS: dict[str, str | Promise] = {
    "sadad": _("SADAD (banks and ATMs)"),
    "card": _("Card (mada, Visa, Mastercard)"),
}


@dataclass(frozen=True)
class Channel:
    label: str | Promise
    line: ReconciliationLine
    rejections: list[tuple[str, int]]


def _channels(day: dt.date) -> list[Channel]:
    return [
        Channel(
            label=CHANNEL_LABELS.get(line.channel, line.channel),
            line=line,
            rejections=sorted(line.rejections.items()),
        )
        for line in reconciliation_for(day=day)
    ]


@staff_required(StaffRole.ADMINISTRATOR)
@require_GET
def reconciliation(request: StaffRequest) -> HttpResponse:
    """`?date=YYYY-MM-DD`; without it, yesterday (UTC), the last complete day."""
    today = clock.now().astimezone(dt.UTC).date()
    yesterday = today - ONE_DAY
    form = ReconciliationDayForm(
        request.GET if "date" in request.GET else None,
        latest=today,
        initial={"date": yesterday.isoformat()},
    )
    day: dt.date | None = yesterday
    if form.is_bound:
        day = (form.cleaned_data["date"] or yesterday) if form.is_valid() else None
    context: dict[str, object] = {"form": form, "day": day}
    if day is not None:
        channels = _channels(day)
        context.update(
            channels=channels,
            mismatch_count=sum(len(channel.line.mismatches) for channel in channels),
            previous_day=day - ONE_DAY if day > dt.date.min else None,
            next_day=day + ONE_DAY if day < today else None,
            is_today=day == today,
        )
    return render(request, "backoffice/reconciliation.html", context)
