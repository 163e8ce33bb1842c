"""The registry import holds one batch in memory, however long the file (a national export has
millions of rows): its peak Python memory for 10,000 rows is about that for 1,000."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from absher.identity.models import Person, Sponsorship
from absher.identity.rules import id_number_with_check_digit
from absher.identity.services import registry_import_csv
from absher.identity.tests.registry_files import citizen_row, registry_text, resident_row

pytestmark = pytest.mark.django_db

BATCH = 100


def registry_of(count: int, *, offset: int) -> bytes:
    """`count` people: two citizens, then a resident sponsored by the first, and so on."""
    rows = []
    for n in range(offset, offset + count):
        if n % 3 == 2:
            sponsor = id_number_with_check_digit(f"1{n - 2:08d}")
            rows.append(
                resident_row(
                    id_number=id_number_with_check_digit(f"2{n:08d}"),
                    mobile=f"+9665{n:08d}",
                    sponsor_id_number=sponsor,
                )
            )
        else:
            rows.append(
                citizen_row(
                    id_number=id_number_with_check_digit(f"1{n:08d}"), mobile=f"+9665{n:08d}"
                )
            )
    return registry_text(*rows).encode()


def peak_bytes(data: bytes) -> int:
    tracemalloc.start()
    try:
        registry_import_csv(stream=io.BytesIO(data), batch_size=BATCH)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_peak_memory_of_an_import_does_not_grow_with_the_file():
    # given a small and a ten times larger file (held as bytes before measuring), and a first
    # import that warms every cache
    small, large = registry_of(1_000, offset=0), registry_of(10_000, offset=9_999)
    registry_import_csv(stream=io.BytesIO(registry_of(150, offset=50_001)), batch_size=BATCH)

    # when each is imported while Python's allocations are traced
    small_peak = peak_bytes(small)
    large_peak = peak_bytes(large)

    # then both were imported and the larger one needed no more than a little more memory
    assert Person.objects.count() == 11_150
    assert Sponsorship.objects.count() == 333 + 3_333 + 50
    print(f"peak {small_peak:,} B for 1,000 rows, {large_peak:,} B for 10,000 rows")
    assert large_peak < 1.25 * small_peak
