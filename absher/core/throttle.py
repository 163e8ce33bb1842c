"""Fixed-window counters in the cache (Redis in production, local memory in the embedded default).

Hand-written rather than a rate-limit library because verification-code caps count only codes that
were never verified: a counter here can be given back (`counter_decrement`), which view-level rate
limiters cannot do.

The counter store is part of the security boundary: a limit that cannot be counted is not a limit.
Every operation here either answers from the store or raises `CountersUnavailable`; nothing treats
an unreachable store as "zero so far". Callers turn that into a refusal (fail closed)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)

_PROBE_KEY = "throttle:probe"


class CountersUnavailable(Exception):
    """The counter store did not answer (Redis down, refused, timed out)."""


@contextlib.contextmanager
def _store(operation: str) -> Iterator[None]:
    """Any failure of the cache backend becomes CountersUnavailable: backends raise their own
    exception types (django-redis: ConnectionInterrupted; redis-py: ConnectionError, TimeoutError;
    others: OSError), and every one of them means the same thing here."""
    try:
        yield
    except CountersUnavailable:
        raise
    except Exception as error:
        logger.warning(
            "throttle.store_unavailable",
            extra={"operation": operation, "error": type(error).__name__},
        )
        raise CountersUnavailable(operation) from error


def _bucket_key(name: str, window_seconds: int, moment: dt.datetime) -> str:
    bucket = int(moment.timestamp()) // window_seconds
    return f"throttle:{name}:{window_seconds}:{bucket}"


def counters_probe() -> None:
    """Raises CountersUnavailable unless the store answers now. For steps that change state before
    they touch a counter, so that an unreachable store refuses them before anything changes."""
    with _store("probe"):
        cache.get(_PROBE_KEY)


def counter_value(*, name: str, window_seconds: int, moment: dt.datetime) -> int:
    with _store("value"):
        return int(cache.get(_bucket_key(name, window_seconds, moment), 0))


def counter_increment(*, name: str, window_seconds: int, moment: dt.datetime) -> int:
    key = _bucket_key(name, window_seconds, moment)
    with _store("increment"):
        cache.add(key, 0, timeout=window_seconds * 2)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window_seconds * 2)
            return 1


def counter_decrement(*, name: str, window_seconds: int, moment: dt.datetime) -> None:
    key = _bucket_key(name, window_seconds, moment)
    with _store("decrement"):
        try:
            if int(cache.decr(key)) < 0:
                cache.set(key, 0, timeout=window_seconds * 2)
        except ValueError:  # the window has already passed
            pass


# Tallies: counters without a window (consecutive failures), and marks (a value until a moment).


def tally_increment(*, name: str, keep_seconds: int) -> int:
    """Adds one to a counter that lasts `keep_seconds` after it was started; atomic in Redis."""
    key = f"throttle:tally:{name}"
    with _store("tally_increment"):
        cache.add(key, 0, timeout=keep_seconds)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=keep_seconds)
            return 1


def tally_reset(*, name: str) -> None:
    with _store("tally_reset"):
        cache.delete(f"throttle:tally:{name}")


def mark_get(*, name: str) -> Any:
    with _store("mark_get"):
        return cache.get(f"throttle:mark:{name}")


def mark_set(*, name: str, value: Any, keep_seconds: int) -> None:
    with _store("mark_set"):
        cache.set(f"throttle:mark:{name}", value, timeout=keep_seconds)


def mark_add(*, name: str, value: Any, keep_seconds: int) -> bool:
    """Sets the mark unless it is already there; True when this call set it (atomic in Redis)."""
    with _store("mark_add"):
        return bool(cache.add(f"throttle:mark:{name}", value, timeout=keep_seconds))
