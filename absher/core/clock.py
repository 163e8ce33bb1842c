"""The one source of "now". Always aware UTC. Tests move it with `clock_override`; production
code never calls `timezone.now()` or `datetime.now()` directly, so deadlines can be tested to the
second."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

_override: dt.datetime | None = None


def now() -> dt.datetime:
    return _override if _override is not None else timezone.now()


def today_local() -> dt.date:
    """Today's date where the platform's people live (Asia/Riyadh)."""
    return now().astimezone(display_zone()).date()


def display_zone() -> ZoneInfo:
    return ZoneInfo(settings.DISPLAY_TIME_ZONE)


@contextlib.contextmanager
def clock_override(moment: dt.datetime) -> Iterator[None]:
    global _override
    if moment.tzinfo is None:
        raise ValueError("clock_override needs an aware datetime")
    previous, _override = _override, moment.astimezone(dt.UTC)
    try:
        yield
    finally:
        _override = previous


def set_override(moment: dt.datetime | None) -> None:
    """Move the clock (tests and demo tooling only)."""
    global _override
    _override = None if moment is None else moment.astimezone(dt.UTC)
