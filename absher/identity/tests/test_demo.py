"""The demo registry: it imports cleanly, its people are who DEMO_PEOPLE says they are, and every
role later journeys pick really has the property they rely on."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from absher.core import clock
from absher.identity.constants import Calendar
from absher.identity.demo import DEMO_PEOPLE, EXPIRING_SOON_DAYS, REGISTRY_CSV, demo_person
from absher.identity.demo import demo_registry_load as load
from absher.identity.models import Person
from absher.identity.registry_csv import ImportReport
from absher.identity.rules import hijri_from_gregorian, id_number_parse, mobile_parse
from absher.identity.selectors import sponsor_current_of, workers_of
from absher.identity.services import registry_import_csv

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _a_fixed_day(moved_clock):
    moved_clock(TODAY)


def person(role: str) -> Person:
    return Person.objects.get(id_number=demo_person(role).id_number)


def sponsor_role(role: str) -> str | None:
    sponsor = sponsor_current_of(worker=person(role))
    roles = {demo.id_number: demo.role for demo in DEMO_PEOPLE}
    return roles[sponsor.id_number] if sponsor else None


def test_the_demo_csv_file_imports_cleanly_as_it_is():
    with REGISTRY_CSV.open("rb") as stream:
        report = registry_import_csv(stream=stream)

    assert (report.created, report.skipped) == (len(DEMO_PEOPLE), [])


def test_loading_the_demo_twice_on_the_same_day_changes_nothing():
    first = load()
    second = load()

    assert (first.created, first.skipped) == (len(DEMO_PEOPLE), [])
    assert second == ImportReport(unchanged=len(DEMO_PEOPLE))


def test_demo_people_are_the_people_of_the_demo_csv():
    with REGISTRY_CSV.open(encoding="utf-8", newline="") as source:
        rows = {row["id_number"]: row for row in csv.DictReader(source)}

    assert len(DEMO_PEOPLE) >= 32
    assert set(rows) == {demo.id_number for demo in DEMO_PEOPLE}
    assert len({demo.role for demo in DEMO_PEOPLE}) == len(DEMO_PEOPLE)
    assert len({demo.mobile for demo in DEMO_PEOPLE}) == len(DEMO_PEOPLE)
    for demo in DEMO_PEOPLE:
        row = rows[demo.id_number]
        assert (row["name_en"], row["name_ar"], row["mobile"]) == (
            demo.name_en,
            demo.name_ar,
            demo.mobile,
        )
        assert row["date_of_birth"] == demo.date_of_birth.isoformat()
        assert demo.hijri == hijri_from_gregorian(demo.date_of_birth)
        assert mobile_parse(demo.mobile) == demo.mobile
        # Factories use IDs whose second digit is 9; the demo never does.
        assert id_number_parse(demo.id_number).value[1] != "9"


def test_some_citizens_know_their_date_of_birth_in_hijri():
    citizens = [demo for demo in DEMO_PEOPLE if demo.id_number.startswith("1")]

    assert len(citizens) >= 6
    assert sum(demo.natural_calendar == Calendar.HIJRI for demo in citizens) >= 4


def test_the_sponsors_have_the_workers_their_roles_promise():
    load()

    many = list(workers_of(sponsor=person("sponsor_many_workers")))
    assert len(many) >= 4
    assert person("worker_clean_first_transfer") in many
    assert sponsor_role("worker_of_resident_sponsor") == "child_of_saudi_mother"
    assert sponsor_role("worker_iqama_expiring_soon") == "sponsor_domestic_workers"
    assert sponsor_role("child_of_saudi_mother") is None
    assert sponsor_role("resident_no_sponsor") is None


def test_the_new_sponsors_have_what_their_roles_promise():
    load()

    child = person("child_of_saudi_mother")
    assert (child.id_type, child.nationality, child.mother_nationality) == ("resident", "JO", "SA")
    fined = person("new_sponsor_traffic_fines")
    assert (fined.is_citizen, fined.traffic_fines_due_halalas) == (True, 250000)
    clean = person("new_sponsor_citizen")
    assert (clean.is_citizen, clean.traffic_fines_due_halalas) == (True, 0)
    foreign = person("resident_no_sponsor")
    assert (foreign.is_citizen, foreign.mother_nationality) == (False, "EG")


@pytest.mark.parametrize(
    ("role", "transfer_count"),
    [
        ("worker_clean_first_transfer", 0),
        ("worker_clean_second_transfer", 1),
        ("worker_clean_third_transfer", 2),
    ],
)
def test_the_clean_workers_pass_every_condition(role, transfer_count):
    load()
    worker = person(role)

    assert worker.transfer_count == transfer_count
    assert worker.residency_status == "valid"
    assert worker.iqama_expiry >= clock.today_local() + dt.timedelta(days=15)
    assert (worker.has_criminal_case, worker.owes_sponsor, worker.has_exit_visa) == (
        False,
        False,
        False,
    )
    assert worker.traffic_fines_due_halalas == 0
    assert sponsor_role(role) == "sponsor_many_workers"


def test_each_failing_worker_fails_their_own_condition():
    load()
    today = clock.today_local()

    expired = person("worker_expired_iqama")
    assert (expired.residency_status, expired.iqama_expiry < today) == ("expired", True)
    assert person("worker_absent").residency_status == "absent"
    assert person("worker_criminal_case").has_criminal_case is True
    assert person("worker_owes_sponsor").owes_sponsor is True
    assert person("worker_traffic_fines").traffic_fines_due_halalas == 80000
    assert person("worker_exit_visa").has_exit_visa is True
    assert person("worker_max_transfers").transfer_count == 4


def test_the_expiring_iqama_is_set_relative_to_the_day_the_demo_loads(moved_clock):
    # given the demo loaded on TODAY
    load()
    assert person("worker_iqama_expiring_soon").iqama_expiry == dt.date(2026, 12, 6)

    # when it is loaded again a month later
    moved_clock(TODAY + dt.timedelta(days=30))
    report = load()

    # then the iqama again expires in fewer than 15 days, and only that person changed
    assert person("worker_iqama_expiring_soon").iqama_expiry == dt.date(2027, 1, 5)
    assert EXPIRING_SOON_DAYS < 15
    assert (report.updated, report.unchanged) == (1, len(DEMO_PEOPLE) - 1)


def test_an_unknown_role_is_a_key_error():
    with pytest.raises(KeyError):
        demo_person("nobody")
