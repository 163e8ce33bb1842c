"""The scale data generator's rows, without a database: valid and unique ID and SADAD numbers,
one timeline for bills and suspensions, the audit hash computed exactly as the audit app does, the
same rows for the same seed, and a registry CSV that `import_registry` accepts."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from absher.audit.hashing import canonical_bytes
from absher.core.management import scale_data
from absher.core.management.scale_data import Catalogue, Plan
from absher.identity.models import Person, Sponsorship
from absher.identity.rules import id_number_parse, mobile_parse

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
CATALOGUE = Catalogue(
    authorities=[(11, "general-court", "court-system"), (12, "general-traffic", "general-traffic")],
    departments=[(21, "passports"), (22, "traffic")],
    suspendable_services=[(31, "passport_renewal"), (32, "iqama_renewal")],
    citizen_services=[(31, "passport_renewal", 30000), (32, "iqama_renewal", 65000)],
    resident_services=[(32, "iqama_renewal", 65000)],
    biller_code="090",
)


def plan(persons: int = 1000, suspensions: int = 2000, bills: int = 1000, seed: int = 1) -> Plan:
    return Plan(
        persons=persons,
        suspensions=suspensions,
        bills=bills,
        seed=seed,
        now=NOW,
        catalogue=CATALOGUE,
    )


@pytest.mark.parametrize(("suspensions", "bills"), [(2000, 1000), (7, 13), (1, 0), (0, 5), (3, 3)])
def test_every_tick_is_one_bill_or_one_suspension_and_each_finds_its_tick(suspensions, bills):
    p = plan(persons=10, suspensions=suspensions, bills=bills)

    bills_seen = [p.bill_at_tick(e) for e in range(p.ticks) if p.is_bill_tick(e)]
    suspensions_seen = [p.suspension_at_tick(e) for e in range(p.ticks) if not p.is_bill_tick(e)]

    assert bills_seen == list(range(bills))
    assert suspensions_seen == list(range(suspensions))
    assert all(p.is_bill_tick(p.bill_tick(b)) for b in range(bills))
    assert [p.bill_at_tick(p.bill_tick(b)) for b in range(bills)] == list(range(bills))
    assert [p.suspension_at_tick(p.suspension_tick(s)) for s in range(suspensions)] == list(
        range(suspensions)
    )


def test_id_numbers_are_valid_unique_and_of_the_right_kind():
    p = plan(persons=20_000)

    numbers = [p.id_number(i) for i in range(p.persons)]

    assert len(set(numbers)) == 20_000
    kinds = [id_number_parse(number).id_type for number in numbers]
    assert kinds.count("resident") == 6_000
    assert all(
        (kind == "resident") == p.is_resident(i) for i, kind in enumerate(kinds)
    )  # residents are the last three of every ten


def test_mobiles_are_saudi_mobile_numbers():
    p = plan(persons=20_000)

    mobiles = [p.person(i)[8] for i in range(p.persons)]

    assert all(mobile_parse(mobile) == mobile for mobile in mobiles)
    assert len(set(mobiles)) == 20_000


def test_sponsors_are_citizens_other_than_the_worker():
    p = plan(persons=5_000)

    sponsored = {i: p.sponsor_of(i) for i in range(p.persons) if p.sponsor_of(i) is not None}

    assert 1_300 < len(sponsored) < 1_500  # 95 % of the 1,500 residents
    assert all(p.is_resident(worker) for worker in sponsored)
    assert not any(p.is_resident(sponsor) for sponsor in sponsored.values())


def test_sadad_numbers_are_13_digits_never_starting_with_0_and_unique():
    p = plan(persons=100, suspensions=0, bills=50_000)

    numbers = [p.bill(b).sadad_number for b in range(p.bills)]

    assert len(set(numbers)) == 50_000
    assert all(len(number) == 13 and number.isdigit() and number[0] != "0" for number in numbers)


def test_a_bill_closes_after_its_issue_and_an_unpaid_one_has_not_expired():
    p = plan(persons=3_000, suspensions=6_000, bills=3_000)

    bills = [p.bill(b) for b in range(p.bills)]

    statuses = {
        status: sum(b.status == status for b in bills)
        for status in ("unpaid", "paid", "cancelled", "expired")
    }
    assert set(statuses) == {"unpaid", "paid", "cancelled", "expired"}
    assert all(count > 0 for count in statuses.values())
    assert all(b.closed_at is None for b in bills if b.status == "unpaid")
    assert all(b.expires_at >= p.now_us for b in bills if b.status == "unpaid")
    assert all(b.issued_at < b.closed_at for b in bills if b.closed_at is not None)
    assert all(b.expires_at <= b.closed_at for b in bills if b.status == "expired" and b.closed_at)
    assert all(b.closed_at < b.expires_at for b in bills if b.status == "paid" and b.closed_at)
    assert all(b.expires_at - b.issued_at <= 29 * 86_400_000_000 for b in bills)


def test_citizen_only_services_are_billed_to_citizens_only():
    p = plan(persons=2_000, suspensions=0, bills=2_000)

    for b in range(p.bills):
        bill = p.bill(b)
        if bill.service_code == "passport_renewal":
            assert not p.is_resident(bill.payer_pk - p.first.person)


def test_the_audit_lines_follow_time_and_cover_every_opening_and_closing():
    p = plan(persons=500, suspensions=1_000, bills=500)

    lines = list(p.audit_lines())

    assert [line.occurred_at for line in lines] == sorted(line.occurred_at for line in lines)
    assert len({line.occurred_at for line in lines}) == len(lines)
    actions = [line.action for line in lines]
    closed_bills = sum(p.bill(b).closed_at is not None for b in range(p.bills))
    lifted = sum(p.suspension(s).lifted_at is not None for s in range(p.suspensions))
    assert actions.count("bill.issued") == 500
    assert actions.count("suspension.placed") == 1_000
    assert actions.count("suspension.lifted") == lifted
    assert sum(action in ("bill.paid", "bill.cancelled", "bill.expired") for action in actions) == (
        closed_bills
    )
    assert all(0 < line.occurred_at <= p.now_us + 4 for line in lines)


def test_the_audit_hash_covers_exactly_what_the_audit_app_hashes():
    p = plan(persons=300, suspensions=600, bills=300)
    lines = list(p.audit_lines())
    one_of_each = {line.action: line for line in lines}
    assert set(one_of_each) == {
        "bill.issued",
        "bill.paid",
        "bill.cancelled",
        "bill.expired",
        "suspension.placed",
        "suspension.lifted",
    }

    for sequence, line in enumerate(one_of_each.values(), start=41):
        fields = {
            "sequence": sequence,
            "occurred_at": scale_data.moment_of(line.occurred_at),
            "actor_type": line.actor_type,
            "actor_id": line.actor_id,
            "action": line.action,
            "subject_type": line.subject_type,
            "subject_id": line.subject_id,
            "person_id": line.person_id,
            "ip": "",
            "request_id": "",
            "is_access": False,
            "data": json.loads(line.data),
            "prev_hash": "ab" * 32,
        }
        moment = scale_data.stamp(line.occurred_at)
        assert scale_data.audit_payload(
            line, moment=moment, sequence=sequence, prev_hash="ab" * 32
        ) == canonical_bytes(fields), line.action


def test_times_are_written_as_copy_and_the_audit_hash_read_them():
    moment = dt.datetime(2026, 2, 28, 23, 59, 58, 7, tzinfo=dt.UTC)
    us = scale_data.micros(moment)

    assert scale_data.stamp(us) == "2026-02-28 23:59:58.000007+00"
    assert scale_data.stamp_z(us) == "2026-02-28T23:59:58.000007Z"
    assert scale_data.moment_of(us) == moment


def test_a_code_that_would_need_escaping_is_refused():
    with pytest.raises(ValueError, match="not a plain code"):
        Catalogue(
            authorities=[(1, 'court"', "court")],
            departments=[],
            suspendable_services=[],
            citizen_services=[],
            resident_services=[],
            biller_code="090",
        )


def test_the_same_seed_gives_the_same_rows_and_another_seed_others():
    first, again, other = plan(seed=5), plan(seed=5), plan(seed=6)

    def sample(p: Plan) -> list[object]:
        return [
            *(p.person(i) for i in range(0, 1000, 97)),
            *(p.suspension(s) for s in range(0, 2000, 193)),
            *(p.bill(b) for b in range(0, 1000, 97)),
        ]

    assert sample(first) == sample(again)
    assert [a != b for a, b in zip(sample(first), sample(other), strict=True)].count(False) == 0


@pytest.mark.django_db
def test_a_database_other_than_postgresql_is_refused_with_the_reason(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")

    with pytest.raises(CommandError) as exc:
        call_command("generate_scale_data", "--persons", "10", stdout=io.StringIO())

    assert str(exc.value).startswith(
        "generate_scale_data loads with PostgreSQL's COPY and measures PostgreSQL; this "
        "database is sqlite. Point DATABASE_URL at a PostgreSQL database"
    )
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_the_persons_written_as_a_registry_csv_import_as_they_are(tmp_path):
    # given 600 generated persons written as a registry export
    path = tmp_path / "registry.csv"
    out = io.StringIO()
    call_command("generate_scale_data", "--persons", "600", "--registry-csv", str(path), stdout=out)
    assert out.getvalue() == f"Wrote 600 persons to {path}.\n"

    # when the export is imported
    call_command("import_registry", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    # then every person is in the registry with the generated values, residents sponsored
    p = Plan(persons=600, suspensions=1200, bills=600, seed=1, now=NOW)
    assert Person.objects.count() == 600
    for i in (0, 7, 8, 599):
        values = p.person(i)
        person = Person.objects.get(id_number=values[0])
        assert (person.name_en, person.mobile, person.date_of_birth) == (
            values[3],
            values[8],
            values[7],
        )
    assert Sponsorship.objects.count() == sum(p.sponsor_of(i) is not None for i in range(600))


def test_bills_without_persons_are_refused():
    with pytest.raises(CommandError) as exc:
        call_command("generate_scale_data", "--persons", "0", "--bills", "5", stdout=io.StringIO())

    assert str(exc.value) == "Suspensions and bills need persons: give --persons."
