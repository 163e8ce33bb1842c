"""Reads of the national registry. Other apps look people up here, never through the models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.db.models import QuerySet

from absher.identity.models import Person, Sponsorship
from absher.identity.rules import normalize_digits

# Stays under every backend's limit of parameters in one query (SQLite's is the lowest).
LOOKUP_CHUNK = 500

T = TypeVar("T")


def person_get_by_id_number(*, id_number: str) -> Person | None:
    return Person.objects.filter(id_number=normalize_digits(id_number)).first()


def person_matches(*, id_number: str, date_of_birth: dt.date) -> Person | None:
    """The person with this ID number and this (Gregorian) date of birth, or None. Callers answer
    an unknown ID and a wrong date of birth the same way, so the registry cannot be enumerated."""
    return Person.objects.filter(
        id_number=normalize_digits(id_number), date_of_birth=date_of_birth
    ).first()


def sponsorship_current_of(*, worker: Person) -> Sponsorship | None:
    return (
        Sponsorship.objects.select_related("sponsor")
        .filter(worker=worker, ended_at__isnull=True)
        .first()
    )


def sponsor_current_of(*, worker: Person) -> Person | None:
    """The worker's current sponsor (الكفيل الحالي), or None (citizens, residents without one)."""
    return Person.objects.filter(sponsored__worker=worker, sponsored__ended_at__isnull=True).first()


def workers_of(*, sponsor: Person) -> QuerySet[Person]:
    """The sponsor's current workers (العمالة المكفولة), by ID number."""
    return Person.objects.filter(
        sponsorships__sponsor=sponsor, sponsorships__ended_at__isnull=True
    ).order_by("id_number")


def sponsorships_of(*, worker: Person) -> QuerySet[Sponsorship]:
    """The worker's sponsorship history, newest first (the current one, if any, leads)."""
    return (
        Sponsorship.objects.select_related("sponsor")
        .filter(worker=worker)
        .order_by("-started_at", "-pk")
    )


def chunked(values: Iterable[T], size: int = LOOKUP_CHUNK) -> Iterator[list[T]]:
    """Lists of at most `size` values, for `__in` lookups over any number of values."""
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def person_ids_by_id_number(*, id_numbers: Iterable[str]) -> dict[str, int]:
    """Primary keys of the registered people among `id_numbers` (any number of them)."""
    found: dict[str, int] = {}
    for batch in chunked(sorted(set(id_numbers))):
        found.update(Person.objects.filter(id_number__in=batch).values_list("id_number", "id"))
    return found
