"""The demo people run a whole transfer, and the demo workers and new sponsors meant to fail a
condition fail exactly that one: what the README's demo walk-through relies on."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from absher.accounts.models import User
from absher.catalog.models import Service
from absher.identity.demo import demo_person
from absher.identity.models import Person
from absher.identity.selectors import sponsor_current_of
from absher.transfers.conditions import conditions_evaluate
from absher.transfers.tests.helpers import accept, create, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("load_demo", "--quiet")


def person(role: str) -> Person:
    return Person.objects.get(id_number=demo_person(role).id_number)


def user(role: str) -> User:
    return User.objects.get(person=person(role))


def test_abdullah_transfers_rajesh_to_faisal_who_accepts_and_pays(demo):
    rajesh = person("worker_clean_first_transfer")
    faisal = person("new_sponsor_citizen")

    transfer = create(
        user("sponsor_many_workers"),
        rajesh,
        faisal,
        date_of_birth=demo_person("new_sponsor_citizen").hijri,
        calendar="hijri",
    )
    accepted = accept(user("new_sponsor_citizen"), transfer)
    assert accepted.bill.amount_halalas == 200_000
    pay(accepted.bill)

    transfer.refresh_from_db()
    assert transfer.status == "completed"
    assert sponsor_current_of(worker=rajesh) == faisal


@pytest.mark.parametrize(
    ("worker", "new_sponsor", "failed"),
    [
        ("worker_clean_second_transfer", "new_sponsor_citizen", []),
        ("worker_clean_third_transfer", "new_sponsor_citizen_second", []),
        ("worker_spare_1", "child_of_saudi_mother", []),
        (
            "worker_expired_iqama",
            "new_sponsor_citizen",
            ["worker_iqama_expired", "worker_iqama_expiring"],
        ),
        ("worker_absent", "new_sponsor_citizen", ["worker_reported_absent"]),
        ("worker_criminal_case", "new_sponsor_citizen", ["worker_criminal_case"]),
        ("worker_owes_sponsor", "new_sponsor_citizen", ["worker_owes_sponsor"]),
        ("worker_suspended", "new_sponsor_citizen", ["worker_suspended"]),
        ("worker_traffic_fines", "new_sponsor_citizen", ["worker_traffic_fines"]),
        ("worker_exit_visa", "new_sponsor_citizen", ["worker_exit_visa"]),
        ("worker_max_transfers", "new_sponsor_citizen", ["worker_transfer_limit"]),
        ("worker_iqama_expiring_soon", "new_sponsor_citizen", ["worker_iqama_expiring"]),
        ("worker_spare_2", "new_sponsor_traffic_fines", ["new_sponsor_traffic_fines"]),
        ("worker_spare_2", "new_sponsor_not_activated", ["new_sponsor_not_activated"]),
        (
            "worker_spare_2",
            "resident_no_sponsor",
            ["new_sponsor_not_saudi", "new_sponsor_not_activated"],
        ),
        (
            "worker_several_failures",
            "new_sponsor_citizen",
            [
                "worker_iqama_expired",
                "worker_criminal_case",
                "worker_owes_sponsor",
                "worker_traffic_fines",
                "worker_iqama_expiring",
            ],
        ),
    ],
)
def test_each_demo_case_fails_what_it_is_meant_to(demo, worker, new_sponsor, failed):
    worker_person = person(worker)

    failures = conditions_evaluate(
        worker=worker_person,
        current_sponsor=sponsor_current_of(worker=worker_person),
        new_sponsor=person(new_sponsor),
        service=Service.objects.get(code="worker_services_transfer"),
    )

    assert [failure.code for failure in failures] == failed
