"""The right of access (PDPL): the export holds everything the platform keeps about the person, in
every app, and nothing of anyone else beyond what the person already sees; it never carries a
secret; each export is recorded in the audit log."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.accounts.models import OtpChallenge, User
from absher.audit.models import AuditEvent
from absher.audit.selectors import access_log_for
from absher.identity.models import Sponsorship
from absher.notifications.models import SmsMessage
from absher.notifications.services import sms_send
from absher.payments.models import Payment
from absher.payments.tests.helpers import issue
from absher.privacy.constants import EXPORT_FORMAT, EXPORTED_ACTION
from absher.privacy.services import personal_data_export
from absher.transfers.tests.helpers import citizen, create, user_of, worker_of

pytestmark = pytest.mark.django_db


def masked(id_number: str) -> str:
    return "••••••" + id_number[-4:]


def test_the_registry_record_and_the_account_without_its_password(household):
    export = personal_data_export(person=household.owner)

    owner = household.owner
    assert export["format"] == EXPORT_FORMAT
    assert export["person"]["id_number"] == owner.id_number
    assert export["person"]["name_ar"] == "منيرة سالم الشهري"
    assert export["person"]["date_of_birth"] == owner.date_of_birth.isoformat()
    assert export["person"]["mobile"] == owner.mobile
    assert export["person"]["has_criminal_case"] is False
    account = export["account"]
    assert account["username"] == household.account.username
    assert account["status"] == "active"
    assert "password" not in json.dumps(account)
    assert "session_epoch" not in account
    assert export["activation"]["method"] == "national_id"
    assert sorted(s["service_code"] for s in export["activation"]["services"]) == [
        "transfer_without_consent",
        "worker_services_transfer",
    ]
    assert export["notice"]["ar"].startswith("يحتوي هذا الملف")
    assert export["notice"]["en"].startswith("This file holds")


def test_no_secret_of_any_kind_is_exported(household):
    # A code still waiting in the queue (not yet redacted) and the account's password hash.
    user = User.objects.get(pk=household.account.pk)
    user.set_password("Sahara2030ok")
    user.save(update_fields=["password"])
    sms_send(
        to=household.owner.mobile,
        person=household.owner,
        text="رمز التحقق: 493817",
        is_sensitive=True,
    )

    text = json.dumps(personal_data_export(person=household.owner), ensure_ascii=False)

    assert user.password not in text
    assert "Sahara2030ok" not in text
    for challenge in OtpChallenge.objects.all():
        assert challenge.code_hmac not in text
    # The test's transaction never commits, so the codes are still in the queued SMS.
    bodies = SmsMessage.objects.filter(is_sensitive=True).values_list("body", flat=True)
    codes = {code for body in bodies for code in re.findall(r"\b\d{6}\b", body)}
    assert codes, "the household's flows sent codes"
    for code in codes:
        assert not re.search(rf"\b{code}\b", text), code
    assert "493817" in codes
    texts = [sms["text"] for sms in json.loads(text)["sms"]]
    assert texts[-1] == "[redacted]"
    assert len(texts) > 1
    assert "[redacted]" not in texts[:-1]  # the other texts are there as sent


def test_bills_payments_receipts_and_requests(household):
    export = personal_data_export(person=household.owner)

    bills = {bill["sadad_number"]: bill for bill in export["bills"]}
    paid = bills[household.paid_bill.sadad_number]
    payment = Payment.objects.get(bill=household.paid_bill)
    assert paid["status"] == "paid"
    assert paid["payment"]["receipt_code"] == payment.receipt_code
    assert paid["payment"]["channel"] == "sadad"
    assert [step["to"] for step in paid["history"]] == ["unpaid", "paid"]
    assert bills[household.unpaid_bill.sadad_number]["payment"] is None
    assert household.other_bill.sadad_number not in bills
    assert household.request.sadad_number in bills
    assert [r["id"] for r in export["service_requests"]] == [household.request.pk]
    assert export["service_requests"][0]["status"] == "awaiting_payment"


def test_transfers_as_every_party_with_other_sponsors_masked(household):
    export = personal_data_export(person=household.owner)

    transfers = {t["id"]: t for t in export["transfers"]}
    assert set(transfers) == {household.outgoing.pk, household.incoming.pk}
    outgoing = transfers[household.outgoing.pk]
    assert outgoing["role"] == "current_sponsor"
    assert outgoing["current_sponsor"]["id_number"] == household.owner.id_number
    assert outgoing["new_sponsor"]["id_number"] == masked(household.new_sponsor.id_number)
    assert outgoing["worker"]["id_number"] == household.worker.id_number
    assert [step["step"] for step in outgoing["timeline"]] == ["created"]
    incoming = transfers[household.incoming.pk]
    assert incoming["role"] == "new_sponsor"
    assert incoming["current_sponsor"]["id_number"] == masked(household.incoming_sponsor.id_number)

    as_worker = personal_data_export(person=household.worker)
    assert [(t["id"], t["role"]) for t in as_worker["transfers"]] == [
        (household.outgoing.pk, "worker")
    ]
    assert as_worker["transfers"][0]["current_sponsor"]["id_number"] == masked(
        household.owner.id_number
    )
    assert as_worker["sponsorships"]["as_worker"][0]["sponsor"] == {
        "id_number": masked(household.owner.id_number),
        "name_ar": "منيرة سالم الشهري",
        "name_en": "Munira Salem Alshehri",
    }


def test_cases_filed_in_full_and_cases_naming_me_without_the_filer(household):
    export = personal_data_export(person=household.owner)

    filed = export["cases"]["filed"]
    assert [case["reference"] for case in filed] == [household.filed_case.reference]
    assert len(filed[0]["documents"]) == 7
    assert {"sha256", "kind", "content_type"} <= set(filed[0]["documents"][0])
    assert [step["step"] for step in filed[0]["history"]] == ["filed"]
    assert export["cases"]["naming_me"] == [
        {
            "reference": household.case_against.reference,
            "role": "current_sponsor",
            "service_code": "transfer_without_consent",
            "status": "submitted",
            "submitted_at": household.case_against.submitted_at.isoformat(),
            "decided_at": None,
        }
    ]
    text = json.dumps(export, ensure_ascii=False)
    assert household.case_filer.id_number not in text
    assert "ريم عبدالرحمن الحربي" not in text


def test_sponsorships_suspensions_messages_and_the_access_log(household):
    export = personal_data_export(person=household.owner)

    workers = {s["worker"]["id_number"] for s in export["sponsorships"]["as_sponsor"]}
    assert workers == set(
        Sponsorship.objects.filter(sponsor=household.owner).values_list(
            "worker__id_number", flat=True
        )
    )
    assert len(workers) == 2
    assert {(s["reference"], s["status"]) for s in export["suspensions"]} == {
        ("CRT-ACTIVE", "active"),
        ("CRT-LIFTED", "lifted"),
    }
    kinds = [message["kind"] for message in export["messages"]]
    assert "test.notice" in kinds
    assert "test.other" not in kinds
    assert [(a["action"], a["actor"]) for a in export["access_log"]] == [
        ("call_centre.suspensions_viewed", "call_centre_19999")
    ]
    assert {"bill.paid", "suspension.placed", "transfer_case.filed"} <= {
        event["action"] for event in export["activity"]
    }
    worker_activity = personal_data_export(person=household.worker)["activity"]
    assert "transfer.created" in {event["action"] for event in worker_activity}


def test_nothing_of_someone_else(household):
    text = json.dumps(personal_data_export(person=household.owner), ensure_ascii=False)

    assert household.other.id_number not in text
    assert household.other_bill.sadad_number not in text
    assert "سارة حمد الدوسري" not in text
    assert "رسالة لشخص آخر" not in text


def test_a_person_without_an_account_gets_the_registry_record(db):
    person = citizen()

    export = personal_data_export(person=person)

    assert export["account"] is None
    assert export["person"]["id_number"] == person.id_number
    assert export["bills"] == []
    assert export["activation"] == {
        "method": None,
        "activated_at": None,
        "codes": [],
        "in_person": [],
        "services": [],
    }


def test_each_export_is_recorded_in_the_audit_log_and_not_as_a_look_up(household):
    before = AuditEvent.objects.count()

    personal_data_export(person=household.owner, channel="portal")

    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.actor_type, event.actor_id) == (
        EXPORTED_ACTION,
        "person",
        str(household.account.pk),
    )
    assert (event.subject_type, event.subject_id) == ("person", str(household.owner.pk))
    assert event.person_id == household.owner.pk
    assert event.data == {"channel": "portal"}
    assert not event.is_access
    assert EXPORTED_ACTION not in set(
        access_log_for(person=household.owner).values_list("action", flat=True)
    )


def test_the_number_of_queries_does_not_grow_with_the_data(db):
    sponsor = citizen()
    user = user_of(sponsor)

    def new_sponsor():
        person = citizen()
        user_of(person)
        return person

    issue(sponsor)
    create(user, worker_of(sponsor), new_sponsor())
    with CaptureQueriesContext(connection) as few:
        personal_data_export(person=sponsor)

    for _ in range(3):
        issue(sponsor)
        create(user, worker_of(sponsor), new_sponsor())
    with CaptureQueriesContext(connection) as many:
        personal_data_export(person=sponsor)

    assert len(many.captured_queries) == len(few.captured_queries)
