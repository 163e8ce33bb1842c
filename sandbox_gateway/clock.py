"""The sandbox's own clock (aware UTC), which tests can move. It does not follow the platform's
clock: the two are separate systems that agree only through the times they send each other."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

_override: dt.datetime | None = None


def now() -> dt.datetime:
    return _override or timezone.now()


def set_override(moment: dt.datetime | None) -> None:
    global _override
    _override = moment
