"""Two registry imports at the same moment (PostgreSQL, real threads): neither fails, and the
registry ends as one of them would have left it alone."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from absher.audit.constants import TRUNCATE_SETTING
from absher.audit.models import AuditEvent
from absher.identity.models import Person, Sponsorship
from absher.identity.services import registry_import_csv
from absher.identity.tests.registry_files import (
    OTHER_SPONSOR_ID,
    OTHER_WORKER_ID,
    SPONSOR_ID,
    WORKER_ID,
    citizen_row,
    registry_text,
    resident_row,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_truncate_allowed"),
]


@pytest.fixture
def audit_truncate_allowed(transactional_db: None) -> Iterator[None]:
    """The flush ending a transactional test empties the audit log too, which its PostgreSQL
    trigger allows only when the session asks (audit migration 0002). Torn down before the flush."""
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"SET {TRUNCATE_SETTING} = 'on'")


def at_once(*files: str) -> list[BaseException]:
    barrier = threading.Barrier(len(files))
    errors: list[BaseException] = []

    def importer(text: str) -> Callable[[], None]:
        def run() -> None:
            try:
                barrier.wait()
                registry_import_csv(stream=io.BytesIO(text.encode()))
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=importer(text)) for text in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_the_same_file_imported_twice_at_once_creates_each_person_once():
    text = registry_text(
        citizen_row(),
        resident_row(),
        resident_row(id_number=OTHER_WORKER_ID, mobile="+966551000002"),
    )

    assert at_once(text, text) == []

    assert sorted(Person.objects.values_list("id_number", flat=True)) == sorted(
        [SPONSOR_ID, WORKER_ID, OTHER_WORKER_ID]
    )
    assert Sponsorship.objects.filter(ended_at__isnull=True).count() == 2
    assert Sponsorship.objects.count() == 2
    assert AuditEvent.objects.filter(action="registry.imported").count() == 2


def test_two_files_naming_different_sponsors_at_once_leave_one_current_sponsor():
    # given both sponsors registered, and two files moving the worker to each of them
    registry_import_csv(
        stream=io.BytesIO(
            registry_text(
                citizen_row(), citizen_row(id_number=OTHER_SPONSOR_ID, mobile="+966501000002")
            ).encode()
        )
    )
    to_first = registry_text(resident_row(sponsor_id_number=SPONSOR_ID))
    to_second = registry_text(resident_row(sponsor_id_number=OTHER_SPONSOR_ID))

    # when both are imported at the same moment
    assert at_once(to_first, to_second) == []

    # then the history holds both sponsorships and exactly one of them is current
    sponsorships = Sponsorship.objects.filter(worker__id_number=WORKER_ID)
    assert sponsorships.count() == 2
    assert sponsorships.filter(ended_at__isnull=True).count() == 1
    assert {s.sponsor.id_number for s in sponsorships} == {SPONSOR_ID, OTHER_SPONSOR_ID}
