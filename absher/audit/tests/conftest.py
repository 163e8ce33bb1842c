from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from absher.audit.constants import TRUNCATE_SETTING
from absher.identity.models import Person
from absher.identity.rules import id_number_with_check_digit

_serial = itertools.count(1)


@pytest.fixture
def make_person(db: None) -> Callable[..., Person]:
    def make(**overrides: object) -> Person:
        n = next(_serial)
        fields: dict[str, object] = {
            "id_number": id_number_with_check_digit(f"1{n:08d}"),
            "id_type": "citizen",
            "name_ar": "محمد العتيبي",
            "name_en": "Mohammed Alotaibi",
            "gender": "M",
            "nationality": "SA",
            "date_of_birth": dt.date(1990, 1, 1),
            "mobile": f"+9665{n:08d}",
        }
        fields.update(overrides)
        return Person.objects.create(**fields)

    return make


@pytest.fixture
def person(make_person: Callable[..., Person]) -> Person:
    return make_person()


@pytest.fixture
def audit_truncate_allowed(transactional_db: None) -> Iterator[None]:
    """A transactional test ends with a flush that TRUNCATEs every table; on PostgreSQL the audit
    trigger lets that through only when the session asks (see migration 0002)."""
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET {TRUNCATE_SETTING} = 'on'")
