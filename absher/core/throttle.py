"""Fixed-window counters in the cache (Redis in production, local memory in the embedded default).

Hand-written rather than a rate-limit library because verification-code caps count only codes that
were never verified: a counter here can be given back (`counter_decrement`), which view-level rate
limiters cannot do."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache


def _bucket_key(name: str, window_seconds: int, moment: dt.datetime) -> str:
    bucket = int(moment.timestamp()) // window_seconds
    return f"throttle:{name}:{window_seconds}:{bucket}"


def counter_value(*, name: str, window_seconds: int, moment: dt.datetime) -> int:
    return int(cache.get(_bucket_key(name, window_seconds, moment), 0))


def counter_increment(*, name: str, window_seconds: int, moment: dt.datetime) -> int:
    key = _bucket_key(name, window_seconds, moment)
    cache.add(key, 0, timeout=window_seconds * 2)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds * 2)
        return 1


def counter_decrement(*, name: str, window_seconds: int, moment: dt.datetime) -> None:
    key = _bucket_key(name, window_seconds, moment)
    try:
        if int(cache.decr(key)) < 0:
            cache.set(key, 0, timeout=window_seconds * 2)
    except ValueError:  # the window has already passed
        pass
