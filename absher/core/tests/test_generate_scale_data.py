"""`manage.py generate_scale_data` on PostgreSQL, at a small scale: the counts, every constraint and
index back in place and holding, the audit chain verified, and the API serving a generated person.
Refuses a database that already holds data unless --force."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from absher.accounts.models import Authority
from absher.accounts.tests.support import make_person
from absher.audit.models import AuditChainHead, AuditEvent
from absher.audit.selectors import audit_chain_verify
from absher.audit.services import audit_record
from absher.core.management.scale_data import TABLES
from absher.identity.models import Person, Sponsorship
from absher.identity.rules import id_number_is_valid
from absher.payments.models import Bill, BillEvent, Payment
from absher.requests.models import ServiceRequest
from absher.suspensions.models import Suspension
from absher.suspensions.tests.helpers import account, signed_in

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_truncate_allowed", "standard_catalogue"),
]

NOW = "2026-03-01T10:00:00+00:00"


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command(
        "generate_scale_data", "--seed", "7", "--now", NOW, *args, stdout=out, stderr=io.StringIO()
    )
    return out.getvalue()


def schema() -> set[tuple[object, ...]]:
    """Every index (its columns, whether unique, partial, valid) and constraint (its kind, whether
    validated) of the loaded tables."""
    tables = [model._meta.db_table for model in TABLES]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, i.relname, x.indkey::text, x.indisunique, x.indpred IS NOT NULL, "
            "x.indisvalid FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(%s) "
            "UNION SELECT cl.relname, co.conname, co.contype::text, co.convalidated, "
            "co.condeferrable, co.condeferred "
            "FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid "
            "WHERE cl.relname = ANY(%s)",
            [tables, tables],
        )
        return set(cursor.fetchall())


def test_a_small_load_is_complete_valid_and_served_by_the_api(api):
    # given an empty, migrated database with its standard catalogue
    before = schema()

    # when 2,000 persons, 4,000 suspensions and 2,000 bills are generated
    out = generate("--persons", "2000")

    # then every table has its rows
    assert "identity_person" in out
    assert Person.objects.count() == 2000
    assert Suspension.objects.count() == 4000
    assert Bill.objects.count() == 2000
    assert ServiceRequest.objects.count() == 2000
    closed = Bill.objects.exclude(status="unpaid").count()
    paid = Bill.objects.filter(status="paid").count()
    lifted = Suspension.objects.filter(status="lifted").count()
    assert 0 < paid < closed < 2000
    assert 0 < lifted < 4000
    assert BillEvent.objects.count() == 2000 + closed
    assert Payment.objects.count() == paid
    assert AuditEvent.objects.count() == 2000 + closed + 4000 + lifted
    assert Sponsorship.objects.filter(ended_at__isnull=True).count() > 500

    # and the data keeps the platform's rules: the indexes and constraints dropped for the load
    # are back (rebuilding them checked every row), ID numbers pass the check digit
    assert schema() == before
    assert all(id_number_is_valid(n) for n in Person.objects.values_list("id_number", flat=True))
    assert set(Suspension.objects.values_list("authority_id", flat=True)) <= set(
        Authority.objects.values_list("pk", flat=True)
    )
    assert not Bill.objects.filter(status="unpaid", expires_at__lte="2026-03-01T10:00Z").exists()
    assert not Bill.objects.filter(status="paid", payment__isnull=True).exists()

    # and the audit chain verifies, its head at the last entry
    report = audit_chain_verify()
    assert (report.ok, report.checked) == (True, AuditEvent.objects.count())
    assert AuditChainHead.objects.get().last_sequence == AuditEvent.objects.count()
    verified = io.StringIO()
    call_command("verify_audit_chain", stdout=verified)
    assert verified.getvalue().startswith("OK: ")

    # and a generated person with active suspensions sees exactly those through the API
    suspended = (
        Suspension.objects.filter(status="active").values_list("person_id", flat=True).first()
    )
    person = Person.objects.get(pk=suspended)
    signed_in(api, account(person))
    response = api.get("/api/v1/me/suspensions")
    assert response.status_code == 200, response.json()
    assert sorted(item["reference"] for item in response.json()["items"]) == sorted(
        Suspension.objects.filter(person=person, status="active").values_list(
            "reference", flat=True
        )
    )

    # and new rows take the next primary keys (the sequences were moved past the loaded ones)
    assert make_person().pk == Person.objects.order_by("-pk").values_list("pk", flat=True)[1] + 1


def test_keeping_the_indexes_loads_the_same_rows():
    out = generate("--persons", "300", "--indexes", "keep")

    assert "secondary indexes" not in out
    assert (Person.objects.count(), Suspension.objects.count(), Bill.objects.count()) == (
        300,
        600,
        300,
    )
    assert audit_chain_verify().ok is True


def test_a_database_with_data_is_refused_and_left_as_it_was():
    make_person()

    with pytest.raises(CommandError) as exc:
        generate("--persons", "100")

    assert str(exc.value) == (
        "This database already holds data (1 identity.Person): refusing to mix generated rows "
        "into it. Use an empty, migrated database, or --force."
    )
    assert (Person.objects.count(), Suspension.objects.count(), AuditEvent.objects.count()) == (
        1,
        0,
        0,
    )


def test_with_force_the_rows_are_added_after_what_is_there_and_the_chain_goes_on():
    # given a person and an audit log of its own
    person = make_person()
    audit_record(action="registry.imported", actor_type="system", subject_type="registry")

    # when
    generate("--persons", "200", "--force")

    # then the earlier rows are kept and the chain runs from the earlier entry through the new ones
    assert Person.objects.count() == 201
    assert Person.objects.filter(pk=person.pk).exists()
    assert AuditEvent.objects.order_by("sequence").first().action == "registry.imported"
    assert audit_chain_verify().ok is True
