"""SADAD bills (SPEC 6): one service issues every bill with a random 13-digit SADAD number beside
the platform's biller code, living at most 29 days, for a whole positive number of halalas; the
payer is told in the inbox and by SMS; a person sees their own bills (GET /api/v1/me/bills) and one
of them (GET /api/v1/bills/{sadad_number}), and another person's bill is a 404, never a 403."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.accounts.constants import AccountStatus
from absher.accounts.tests.support import T0, make_person
from absher.audit.models import AuditEvent
from absher.catalog.models import Service
from absher.core.errors import ApplicationError
from absher.notifications.models import Message, SmsMessage
from absher.payments import services
from absher.payments.models import Bill, BillEvent
from absher.payments.tests.helpers import TEST_PURPOSE, issue, snapshot
from absher.suspensions.tests.helpers import account, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


def _create(person, **overrides):
    fields = {
        "payer": person,
        "service": Service.objects.get(code="passport_renewal"),
        "amount_halalas": 30000,
        "purpose": TEST_PURPOSE,
        "purpose_id": "1",
    }
    fields.update(overrides)
    return services.bill_create(**fields)


# --- numbers --------------------------------------------------------------------------------------


def test_a_bill_has_a_13_digit_sadad_number_and_the_platforms_biller_code(person, settings):
    settings.SADAD_BILLER_CODE = "123"

    bill = issue(person)

    assert len(bill.sadad_number) == 13
    assert bill.sadad_number.isascii()
    assert bill.sadad_number.isdigit()
    assert bill.sadad_number[0] != "0"
    assert bill.biller_code == "123"


def test_bill_numbers_are_unique_and_never_in_sequence(person):
    bills = [issue(person) for _ in range(40)]

    numbers = [int(bill.sadad_number) for bill in bills]
    assert len(set(numbers)) == 40
    steps = {later - earlier for earlier, later in itertools.pairwise(numbers)}
    assert len(steps) > 1
    assert 1 not in steps
    assert -1 not in steps
    # Spread over the whole range, not clustered like a counter with a random start.
    assert max(numbers) - min(numbers) > 10**11


def test_a_number_already_taken_is_drawn_again(person, monkeypatch):
    taken = issue(person).sadad_number
    draws = iter([taken, "4000000000001"])
    monkeypatch.setattr(services, "sadad_number_new", lambda: next(draws))

    bill = issue(person)

    assert bill.sadad_number == "4000000000001"
    assert Bill.objects.count() == 2


def test_one_unpaid_bill_per_purpose(person):
    _create(person, purpose_id="77")
    before = snapshot()

    with pytest.raises(ApplicationError) as refusal:
        _create(person, purpose_id="77")

    assert (refusal.value.code, refusal.value.http_status) == ("bill_exists", 409)
    assert snapshot() == before


def test_a_purpose_without_a_fulfilment_handler_gets_no_bill(person):
    with pytest.raises(ValueError, match="no fulfilment handler"):
        _create(person, purpose="nobody_handles_this")

    assert Bill.objects.count() == 0


# --- lifetime -------------------------------------------------------------------------------------


def test_a_bill_lives_29_days_by_default(person):
    bill = issue(person)

    assert bill.issued_at == T0
    assert bill.expires_at == T0 + dt.timedelta(days=29)


def test_a_shorter_lifetime_is_kept(person):
    bill = issue(person, lifetime=dt.timedelta(days=3))

    assert bill.expires_at == T0 + dt.timedelta(days=3)


@pytest.mark.parametrize(
    "lifetime",
    [dt.timedelta(days=29, seconds=1), dt.timedelta(days=30), dt.timedelta(0), dt.timedelta(-1)],
)
def test_a_lifetime_beyond_29_days_or_not_positive_is_refused(person, lifetime):
    with pytest.raises(ValueError, match="29 days"):
        issue(person, lifetime=lifetime)

    assert Bill.objects.count() == 0


# --- amounts --------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, -1, -30000, 300.0, 1.5, "30000", True, False, None, 10**13])
def test_an_amount_that_is_not_a_whole_positive_number_of_halalas_is_refused(person, amount):
    before = snapshot()

    with pytest.raises(ApplicationError) as refusal:
        _create(person, amount_halalas=amount)

    assert (refusal.value.code, refusal.value.http_status) == ("invalid_amount", 422)
    assert snapshot() == before


def test_one_halala_is_a_valid_amount(person):
    assert issue(person, amount=1).amount_halalas == 1


# --- what issuing records and tells ---------------------------------------------------------------


def test_issuing_writes_the_history_the_audit_and_tells_the_payer(person):
    bill = issue(person)

    assert list(BillEvent.objects.values_list("from_status", "to_status", "actor_type")) == [
        ("", "unpaid", "system")
    ]
    event = AuditEvent.objects.get(action="bill.issued")
    assert (event.subject_type, event.subject_id, event.person_id) == (
        "bill",
        bill.sadad_number,
        person.pk,
    )
    assert event.data == {"amount": 30000, "purpose": TEST_PURPOSE, "service": "passport_renewal"}
    message = Message.objects.get(person=person)
    assert message.kind == "bill_issued"
    assert message.body_en == (
        f"SADAD bill {bill.sadad_number} (biller 090) of SAR 300.00 was issued for "
        "Passport renewal."
    )
    assert message.body_ar == (
        f"صدرت فاتورة سداد رقم {bill.sadad_number} (رمز المفوتر 090) بمبلغ 300.00 ريال "
        "لخدمة تجديد جواز السفر."
    )
    assert list(SmsMessage.objects.filter(person=person).values_list("to", "body")) == [
        (person.mobile, message.body_ar)
    ]


# --- GET /api/v1/me/bills and /api/v1/bills/{sadad_number} ----------------------------------------


def _bill_json(bill):
    return {
        "sadad_number": bill.sadad_number,
        "biller_code": "090",
        "amount_halalas": bill.amount_halalas,
        "status": "unpaid",
        "service_code": bill.service.code,
        "service_name_ar": bill.service.name_ar,
        "service_name_en": bill.service.name_en,
        "issued_at": bill.issued_at.isoformat().replace("+00:00", "Z"),
        "expires_at": bill.expires_at.isoformat().replace("+00:00", "Z"),
        "paid_at": None,
        "paid_channel": "",
    }


def test_my_bills_lists_my_own_bills_newest_first(api, person, moved_clock):
    older = issue(person)
    moved_clock(T0 + dt.timedelta(hours=1))
    newer = issue(person, amount=65000, service_code="iqama_renewal")
    issue(make_person(), amount=111)
    signed_in(api, account(person))

    response = api.get("/api/v1/me/bills")

    assert response.status_code == 200
    assert response.json() == {"items": [_bill_json(newer), _bill_json(older)]}


def test_my_bills_is_empty_without_bills(api, person):
    signed_in(api, account(person))

    assert api.get("/api/v1/me/bills").json() == {"items": []}


def test_my_bills_takes_the_same_number_of_queries_for_one_bill_or_many(api, person):
    signed_in(api, account(person))
    issue(person)
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/v1/me/bills").json()["items"]) == 1
    for code in (
        "iqama_renewal",
        "driving_licence_renewal",
        "exit_reentry_visa",
        "passport_renewal",
    ):
        issue(person, service_code=code)

    with CaptureQueriesContext(connection) as five:
        assert len(api.get("/api/v1/me/bills").json()["items"]) == 5

    assert len(five.captured_queries) == len(one.captured_queries)


def test_one_of_my_bills(api, person):
    signed_in(api, account(person))
    bill = issue(person)

    response = api.get(f"/api/v1/bills/{bill.sadad_number}")

    assert response.status_code == 200
    assert response.json() == _bill_json(bill)


def test_another_persons_bill_is_not_found_exactly_like_a_missing_one(api, person):
    signed_in(api, account(person))
    theirs = issue(make_person())

    other = api.get(f"/api/v1/bills/{theirs.sadad_number}")
    missing = api.get("/api/v1/bills/9999999999999")

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert other.json() == {
        "code": "bill_not_found",
        "message": "No bill has this SADAD number.",
        "details": {},
    }


def test_bills_need_a_signed_in_activated_account(api, person):
    issue(person)
    anonymous = api.get("/api/v1/me/bills")
    signed_in(api, account(person, status=AccountStatus.REGISTERED))

    registered = api.get("/api/v1/me/bills")

    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    assert (registered.status_code, registered.json()["code"]) == (403, "account_not_activated")


def test_the_bill_message_is_in_the_language_asked_for(api, person):
    signed_in(api, account(person))

    response = api.get("/api/v1/bills/1234567890123", headers={"Accept-Language": "ar"})

    assert response.status_code == 404
    assert response.json()["message"] == "لا توجد فاتورة بهذا الرقم."
