"""The SADAD bank channel (SPEC 6 and 13): a bank asks what an ID owes
(POST /api/v1/integrations/sadad/inquiry) and sends payment notifications
(POST /api/v1/integrations/sadad/payments), signed, timestamped and replay-proof. A notification is
applied exactly once; the same one again answers `duplicate`; every refusal answers a code the bank
can act on, changes nothing and is recorded for reconciliation."""

import datetime as dt

import pytest

from absher.accounts.constants import PartnerKind
from absher.accounts.tests.support import (
    T0,
    make_partner,
    make_person,
    signed_headers,
    signed_post,
)
from absher.audit.models import AuditEvent
from absher.identity.rules import id_number_with_check_digit
from absher.notifications.models import Message, SmsMessage
from absher.payments.constants import FulfilmentStatus
from absher.payments.models import BankNotification, Bill, BillEvent, Fulfilment, Payment
from absher.payments.services import bill_cancel, bill_refund, bills_expire_due
from absher.payments.tests.helpers import (  # noqa: F401
    INQUIRY,
    PAYMENTS,
    _test_fulfiller,
    issue,
    notification,
    notifications,
    notify,
    raw,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def bank(db):
    return make_partner("test-bank")


@pytest.fixture
def bill(person, test_fulfiller):
    return issue(person)


def notify_inquiry(api, bank, body, **options):
    return signed_post(api, bank, INQUIRY, body, **options)


def _refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code


# --- inquiry --------------------------------------------------------------------------------------


def test_the_inquiry_lists_the_unpaid_unexpired_bills_of_an_id(api, bank, person, moved_clock):
    first = issue(person)
    second = issue(
        person, amount=65000, service_code="iqama_renewal", lifetime=dt.timedelta(days=2)
    )
    short = issue(person, amount=10000, lifetime=dt.timedelta(hours=1))
    cancelled = issue(person, amount=20000)
    bill_cancel(sadad_number=cancelled.sadad_number, actor_type="system", actor_id="t", reason="x")
    issue(make_person(), amount=777)
    moved_clock(T0 + dt.timedelta(hours=1))

    response = notify_inquiry(api, bank, {"id_number": person.id_number})

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "sadad_number": first.sadad_number,
                "biller_code": "090",
                "amount": 30000,
                "service": "passport_renewal",
                "expires_at": "2026-03-30T10:05:00Z",
            },
            {
                "sadad_number": second.sadad_number,
                "biller_code": "090",
                "amount": 65000,
                "service": "iqama_renewal",
                "expires_at": "2026-03-03T10:05:00Z",
            },
        ]
    }
    assert short.sadad_number not in str(response.json())


def test_the_inquiry_filters_by_service(api, bank, person):
    issue(person)
    iqama = issue(person, amount=65000, service_code="iqama_renewal")

    response = notify_inquiry(
        api, bank, {"id_number": person.id_number, "service_code": "iqama_renewal"}
    )

    assert [item["sadad_number"] for item in response.json()["items"]] == [iqama.sadad_number]


def test_the_inquiry_of_a_paid_bill_lists_nothing(api, bank, bill, person):
    assert notify(api, bank, notification(bill)).json()["result"] == "applied"

    response = notify_inquiry(api, bank, {"id_number": person.id_number})

    assert response.json() == {"items": []}


def test_the_inquiry_is_in_the_persons_access_log(api, bank, bill, person):
    notify_inquiry(api, bank, {"id_number": person.id_number})

    event = AuditEvent.objects.get(action="sadad.bills_inquired")
    assert (event.is_access, event.actor_type, event.actor_id, event.person_id) == (
        True,
        "partner",
        "test-bank",
        person.pk,
    )
    assert event.data == {"service": "", "count": 1}


def test_the_inquiry_of_an_id_without_a_person_answers_nothing_and_records_nothing(api, bank):
    audit_before = AuditEvent.objects.count()

    response = notify_inquiry(api, bank, {"id_number": id_number_with_check_digit("100000000")})

    assert response.json() == {"items": []}
    assert AuditEvent.objects.count() == audit_before


def test_a_malformed_id_in_the_inquiry_is_refused(api, bank):
    response = notify_inquiry(api, bank, {"id_number": "12345"})

    _refused(response, 422, "invalid_id_number")


def test_the_inquiry_is_refused_to_a_partner_that_is_not_a_bank(api, bill, person):
    court = make_partner("test-court", PartnerKind.AUTHORITY)
    gateway = make_partner("test-gateway", PartnerKind.CARD_GATEWAY)

    for partner in (court, gateway):
        response = notify_inquiry(api, partner, {"id_number": person.id_number})
        _refused(response, 401, "bad_signature")
    assert not AuditEvent.objects.filter(action="sadad.bills_inquired").exists()


def test_an_inquiry_with_a_bad_stale_or_replayed_signature_is_refused_and_not_recorded(
    api, bank, bill, person
):
    body = {"id_number": person.id_number}
    data = raw(body)
    headers = signed_headers(partner=bank.code, secret=bank.secret, path=INQUIRY, raw=data)
    before = snapshot()

    bad = api.post_raw(INQUIRY, data, {**headers, "X-Signature": "f" * 64})
    stale = notify_inquiry(api, bank, body, timestamp=int(T0.timestamp()) - 301)
    first = notify_inquiry(api, bank, body, nonce="r" * 24)
    replay = notify_inquiry(api, bank, body, nonce="r" * 24)

    _refused(bad, 401, "bad_signature")
    _refused(stale, 401, "stale_timestamp")
    assert first.status_code == 200
    _refused(replay, 401, "replayed_request")
    assert AuditEvent.objects.filter(action="sadad.bills_inquired").count() == 1
    assert snapshot()["bills"] == before["bills"]
    assert notifications() == []


# --- applied --------------------------------------------------------------------------------------


def test_a_notification_is_applied(api, bank, bill, person, test_fulfiller):
    response = notify(api, bank, notification(bill, paid_at="2026-03-01T10:03:00+00:00"))

    assert response.status_code == 200
    assert response.json() == {
        "result": "applied",
        "sadad_number": bill.sadad_number,
        "amount": 30000,
        "bill_status": "paid",
    }
    bill.refresh_from_db()
    assert (bill.status, bill.paid_at, bill.paid_channel) == ("paid", T0, "sadad")
    payment = Payment.objects.get()
    assert (
        payment.bill_id,
        payment.channel,
        payment.amount_halalas,
        payment.partner_code,
        payment.external_reference,
        payment.paid_at,
    ) == (bill.pk, "sadad", 30000, "test-bank", "RJHI:TX-0001", T0 - dt.timedelta(minutes=2))
    assert notifications() == [(bill.sadad_number, "applied", "")]
    assert BankNotification.objects.get().bill_id == bill.pk


def test_a_payment_is_in_the_bills_history_and_the_audit(api, bank, bill):
    notify(api, bank, notification(bill))

    assert list(
        BillEvent.objects.filter(bill=bill)
        .order_by("id")
        .values_list("from_status", "to_status", "actor_type", "actor_id")
    ) == [("", "unpaid", "system", ""), ("unpaid", "paid", "partner", "test-bank")]
    paid = AuditEvent.objects.get(action="bill.paid")
    assert (paid.actor_type, paid.actor_id, paid.subject_id, paid.person_id) == (
        "partner",
        "test-bank",
        bill.sadad_number,
        bill.payer_id,
    )


def test_the_payer_is_told_in_the_inbox_and_by_sms(api, bank, bill, person):
    notify(api, bank, notification(bill))

    message = Message.objects.get(person=person, kind="bill_paid")
    assert message.body_en == f"SADAD bill {bill.sadad_number} of SAR 300.00 was paid."
    assert message.body_ar == f"تم سداد فاتورة سداد رقم {bill.sadad_number} بمبلغ 300.00 ريال."
    assert list(
        SmsMessage.objects.filter(person=person).order_by("id").values_list("body", flat=True)
    ) == [Message.objects.get(kind="bill_issued").body_ar, message.body_ar]


def test_paying_fulfils_the_bill_once(api, bank, bill, test_fulfiller):
    notify(api, bank, notification(bill))

    fulfilment = Fulfilment.objects.get()
    assert (fulfilment.bill_id, fulfilment.status, fulfilment.attempts) == (
        bill.pk,
        FulfilmentStatus.DONE,
        1,
    )
    assert test_fulfiller.runs == [bill.sadad_number]


def test_paid_at_five_minutes_ahead_is_still_accepted(api, bank, bill):
    response = notify(
        api, bank, notification(bill, paid_at=(T0 + dt.timedelta(minutes=5)).isoformat())
    )

    assert response.json()["result"] == "applied"


def test_the_longest_bank_code_and_reference_are_kept_whole(api, bank, bill):
    response = notify(api, bank, notification(bill, bank_code="B" * 16, bank_reference="R" * 64))

    assert response.json()["result"] == "applied"
    assert Payment.objects.get().external_reference == "B" * 16 + ":" + "R" * 64
    assert (
        notify(api, bank, notification(bill, bank_code="B" * 16, bank_reference="R" * 64)).json()[
            "result"
        ]
        == "duplicate"
    )


def test_a_paid_at_without_a_time_zone_is_taken_as_utc(api, bank, bill):
    response = notify(api, bank, notification(bill, paid_at="2026-03-01T10:00:00"))

    assert response.json()["result"] == "applied"
    assert Payment.objects.get().paid_at == dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def test_a_bill_can_be_paid_until_just_before_it_expires(api, bank, bill, moved_clock):
    moved_clock(bill.expires_at - dt.timedelta(seconds=1))

    assert notify(api, bank, notification(bill)).json()["result"] == "applied"


# --- duplicate and replay -------------------------------------------------------------------------


def test_the_same_notification_again_freshly_signed_is_a_duplicate(api, bank, bill, test_fulfiller):
    body = notification(bill)
    notify(api, bank, body)
    before = snapshot()

    again = notify(api, bank, body)
    once_more = notify(api, bank, {**body, "paid_at": (T0 + dt.timedelta(minutes=1)).isoformat()})

    assert again.status_code == once_more.status_code == 200
    assert again.json() == {
        "result": "duplicate",
        "sadad_number": bill.sadad_number,
        "amount": 30000,
        "bill_status": "paid",
    }
    assert once_more.json()["result"] == "duplicate"
    assert snapshot() == before
    assert test_fulfiller.runs == [bill.sadad_number]
    assert [result for _, result, _ in notifications()] == ["applied", "duplicate", "duplicate"]


def test_an_exact_replay_with_the_same_nonce_is_refused_and_not_recorded(api, bank, bill):
    body = notification(bill)
    first = notify(api, bank, body, nonce="n" * 32)
    before = snapshot()

    replay = notify(api, bank, body, nonce="n" * 32)

    assert first.json()["result"] == "applied"
    _refused(replay, 401, "replayed_request")
    assert snapshot() == before
    assert notifications() == [(bill.sadad_number, "applied", "")]


def test_a_replay_of_a_refused_notification_is_refused_as_a_replay(api, bank, bill):
    body = notification(bill, amount=1)
    notify(api, bank, body, nonce="m" * 32)

    replay = notify(api, bank, body, nonce="m" * 32)

    _refused(replay, 401, "replayed_request")
    assert notifications() == [(bill.sadad_number, "rejected", "amount_mismatch")]


# --- signatures -----------------------------------------------------------------------------------


def _signed_raw(api, partner, body, **overrides):
    data = raw(body)
    headers = signed_headers(partner=partner.code, secret=partner.secret, path=PAYMENTS, raw=data)
    headers.update(overrides)
    return api.post_raw(PAYMENTS, data, headers)


def test_a_bad_signature_is_refused_and_recorded_for_reconciliation(api, bank, bill):
    before = snapshot()

    wrong = _signed_raw(api, bank, notification(bill), **{"X-Signature": "0" * 64})
    unknown = _signed_raw(api, bank, notification(bill), **{"X-Partner": "no-such-bank"})
    short_nonce = _signed_raw(api, bank, notification(bill), **{"X-Nonce": "short"})
    unsigned = api.post(PAYMENTS, notification(bill))

    for response in (wrong, unknown, short_nonce, unsigned):
        _refused(response, 401, "bad_signature")
    assert snapshot() == before
    assert notifications() == [(bill.sadad_number, "rejected", "bad_signature")] * 4
    assert not BankNotification.objects.filter(bill__isnull=False).exists()


def test_a_body_changed_after_signing_is_refused(api, bank, bill):
    signed = raw(notification(bill))
    headers = signed_headers(partner=bank.code, secret=bank.secret, path=PAYMENTS, raw=signed)

    response = api.post_raw(PAYMENTS, raw(notification(bill, amount=1)), headers)

    _refused(response, 401, "bad_signature")
    assert notifications() == [(bill.sadad_number, "rejected", "bad_signature")]


def test_a_stale_timestamp_is_refused_and_recorded_for_reconciliation(api, bank, bill):
    before = snapshot()
    stamp = int(T0.timestamp())

    late = notify(api, bank, notification(bill), timestamp=stamp - 301)
    early = notify(api, bank, notification(bill), timestamp=stamp + 301)

    _refused(late, 401, "stale_timestamp")
    _refused(early, 401, "stale_timestamp")
    assert snapshot() == before
    assert notifications() == [(bill.sadad_number, "rejected", "stale_timestamp")] * 2


def test_a_partner_that_is_not_a_bank_cannot_notify_payments(api, bill):
    court = make_partner("test-court", PartnerKind.AUTHORITY)
    before = snapshot()

    response = notify(api, court, notification(bill))

    _refused(response, 401, "bad_signature")
    assert snapshot() == before
    assert notifications() == [(bill.sadad_number, "rejected", "bad_signature")]


def test_an_inactive_bank_cannot_notify(api, bank, bill):
    bank.is_active = False
    bank.save(update_fields=["is_active"])

    _refused(notify(api, bank, notification(bill)), 401, "bad_signature")
    assert notifications() == [(bill.sadad_number, "rejected", "bad_signature")]


# --- refusals, each recorded ----------------------------------------------------------------------


def test_an_unknown_bill_is_not_found(api, bank, bill):
    before = snapshot()

    response = notify(api, bank, notification(bill, sadad_number="1000000000000"))

    _refused(response, 404, "bill_not_found")
    assert response.json()["message"] == "No bill has this SADAD number."
    assert snapshot() == before
    assert notifications() == [("1000000000000", "rejected", "bill_not_found")]
    assert BankNotification.objects.get().bill_id is None


@pytest.mark.parametrize("amount", [29999, 30001, 3000000])
def test_an_amount_that_is_not_the_bills_is_refused(api, bank, bill, amount):
    before = snapshot()

    response = notify(api, bank, notification(bill, amount=amount))

    _refused(response, 422, "amount_mismatch")
    assert snapshot() == before
    recorded = BankNotification.objects.get()
    assert (recorded.result, recorded.reason, recorded.amount_halalas, recorded.bill_id) == (
        "rejected",
        "amount_mismatch",
        amount,
        bill.pk,
    )


@pytest.mark.parametrize("amount", [0, -1, -30000, 10**13])
def test_an_amount_that_is_not_a_positive_number_of_halalas_is_refused(api, bank, bill, amount):
    before = snapshot()

    response = notify(api, bank, notification(bill, amount=amount))

    _refused(response, 422, "invalid_amount")
    assert snapshot() == before
    assert notifications() == [(bill.sadad_number, "rejected", "invalid_amount")]
    assert BankNotification.objects.get().amount_halalas is None


@pytest.mark.parametrize("amount", [30000.0, 300.5, "30000", True, None, [30000]])
def test_an_amount_as_a_float_a_text_or_a_bool_is_a_validation_error(api, bank, bill, amount):
    before = snapshot()

    response = notify(api, bank, notification(bill, amount=amount))

    _refused(response, 422, "validation_error")
    assert response.json()["details"]["fields"][0]["field"] == "amount"
    assert snapshot() == before
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    "number", ["123456789012", "12345678901234", "١٢٣٤٥٦٧٨٩٠١٢٣", "12345678901a3"]
)
def test_a_malformed_sadad_number_is_refused(api, bank, bill, number):
    response = notify(api, bank, notification(bill, sadad_number=number))

    _refused(response, 422, "invalid_sadad_number")
    assert notifications() == [(number, "rejected", "invalid_sadad_number")]


@pytest.mark.parametrize("field", ["bank_code", "bank_reference"])
def test_a_blank_bank_reference_is_refused(api, bank, bill, field):
    response = notify(api, bank, notification(bill, **{field: "  "}))

    _refused(response, 422, "invalid_bank_reference")
    assert Payment.objects.count() == 0


def test_a_missing_field_is_a_validation_error(api, bank, bill):
    body = notification(bill)
    del body["bank_reference"]

    response = notify(api, bank, body)

    _refused(response, 422, "validation_error")
    assert notifications() == []


def test_an_expired_bill_is_refused_before_the_sweep(api, bank, bill, moved_clock):
    moved_clock(bill.expires_at)
    before = snapshot()

    response = notify(api, bank, notification(bill))

    _refused(response, 422, "bill_expired")
    assert snapshot() == before
    assert Bill.objects.get().status == "unpaid"
    assert notifications() == [(bill.sadad_number, "rejected", "bill_expired")]


def test_an_expired_bill_is_refused_after_the_sweep(api, bank, bill, moved_clock):
    moved_clock(bill.expires_at + dt.timedelta(days=1))
    assert bills_expire_due() == 1
    before = snapshot()

    response = notify(api, bank, notification(bill))

    _refused(response, 422, "bill_expired")
    assert snapshot() == before
    assert Bill.objects.get().status == "expired"


def test_a_cancelled_bill_is_refused(api, bank, bill):
    bill_cancel(sadad_number=bill.sadad_number, actor_type="system", actor_id="t", reason="test")
    before = snapshot()

    response = notify(api, bank, notification(bill))

    _refused(response, 422, "bill_cancelled")
    assert snapshot() == before
    assert notifications() == [(bill.sadad_number, "rejected", "bill_cancelled")]


def test_a_bill_paid_by_another_reference_is_refused(api, bank, bill, test_fulfiller):
    notify(api, bank, notification(bill, bank_reference="TX-A"))
    before = snapshot()

    response = notify(api, bank, notification(bill, bank_reference="TX-B"))
    other_bank = notify(api, make_partner("other-bank"), notification(bill))

    _refused(response, 409, "bill_already_paid")
    _refused(other_bank, 409, "bill_already_paid")
    assert snapshot() == before
    assert test_fulfiller.runs == [bill.sadad_number]
    assert [reason for _, _, reason in notifications()] == [
        "",
        "bill_already_paid",
        "bill_already_paid",
    ]


def test_a_refunded_bill_is_not_paid_again(api, bank, bill):
    notify(api, bank, notification(bill, bank_reference="TX-A"))
    bill_refund(sadad_number=bill.sadad_number, actor_type="system", actor_id="t", reason="test")
    before = snapshot()

    response = notify(api, bank, notification(bill, bank_reference="TX-B"))
    resent = notify(api, bank, notification(bill, bank_reference="TX-A"))

    _refused(response, 409, "bill_already_paid")
    assert resent.json() == {
        "result": "duplicate",
        "sadad_number": bill.sadad_number,
        "amount": 30000,
        "bill_status": "refunded",
    }
    assert snapshot() == before


def test_a_reference_used_for_another_bill_is_refused(api, bank, bill, person):
    other = issue(person, amount=65000, service_code="iqama_renewal")
    notify(api, bank, notification(bill))
    before = snapshot()

    response = notify(api, bank, notification(other))

    _refused(response, 409, "reference_reused")
    assert snapshot() == before
    assert Bill.objects.get(pk=other.pk).status == "unpaid"
    assert notifications()[-1] == (other.sadad_number, "rejected", "reference_reused")


def test_the_same_reference_from_another_bank_code_is_another_payment(api, bank, bill, person):
    other = issue(person, amount=65000, service_code="iqama_renewal")
    notify(api, bank, notification(bill, bank_code="RJHI"))

    response = notify(api, bank, notification(other, bank_code="NCBK"))

    assert response.json()["result"] == "applied"
    assert Payment.objects.count() == 2


def test_a_paid_at_more_than_five_minutes_ahead_is_refused(api, bank, bill):
    before = snapshot()
    ahead = T0 + dt.timedelta(minutes=5, seconds=1)

    response = notify(api, bank, notification(bill, paid_at=ahead.isoformat()))

    _refused(response, 422, "paid_at_in_future")
    assert snapshot() == before
    assert notifications() == [(bill.sadad_number, "rejected", "paid_at_in_future")]


@pytest.mark.parametrize(
    ("paid_at", "stored"),
    [
        ("0001-01-01T00:00:00+01:00", None),
        ("1999-12-31T23:59:59+00:00", None),
        (0, None),
    ],
)
def test_a_paid_at_that_is_not_a_real_payment_time_is_refused(api, bank, bill, paid_at, stored):
    before = snapshot()

    response = notify(api, bank, notification(bill, paid_at=paid_at))

    _refused(response, 422, "invalid_paid_at")
    assert snapshot() == before
    recorded = BankNotification.objects.get()
    assert (recorded.reason, recorded.paid_at) == ("invalid_paid_at", stored)


def test_a_paid_at_beyond_any_real_time_is_refused_and_recorded_without_it(api, bank, bill):
    response = notify(api, bank, notification(bill, paid_at="9999-12-31T23:59:59-10:00"))

    _refused(response, 422, "paid_at_in_future")
    recorded = BankNotification.objects.get()
    assert (recorded.reason, recorded.paid_at) == ("paid_at_in_future", None)


def test_a_payment_stamped_before_the_bill_was_issued_is_refused(api, bank, bill):
    before = snapshot()
    early = bill.issued_at - dt.timedelta(minutes=5, seconds=1)

    response = notify(api, bank, notification(bill, paid_at=early.isoformat()))

    _refused(response, 422, "paid_at_before_issue")
    assert snapshot() == before
    assert notifications() == [(bill.sadad_number, "rejected", "paid_at_before_issue")]


def test_a_payment_stamped_within_five_minutes_before_the_issue_is_accepted(api, bank, bill):
    skewed = bill.issued_at - dt.timedelta(minutes=5)

    response = notify(api, bank, notification(bill, paid_at=skewed.isoformat()))

    assert response.json()["result"] == "applied"


def test_refusals_are_in_the_language_asked_for(api, bank, bill):
    data = raw(notification(bill, amount=1))
    headers = signed_headers(partner=bank.code, secret=bank.secret, path=PAYMENTS, raw=data)

    response = api.post_raw(PAYMENTS, data, {**headers, "Accept-Language": "ar"})

    _refused(response, 422, "amount_mismatch")
    assert response.json()["message"] == "المبلغ المسدد لا يطابق مبلغ الفاتورة."


# --- time offsets that PostgreSQL cannot store as given ------------------------------------------


def test_a_paid_at_with_a_far_offset_is_applied_in_utc(api, bank, bill):
    # 06:03 at +20:00 is 10:03 UTC; PostgreSQL refuses offsets beyond ±15:59 as input.
    response = notify(api, bank, notification(bill, paid_at="2026-03-02T06:03:00+20:00"))

    assert response.status_code == 200
    assert response.json()["result"] == "applied"
    assert Payment.objects.get().paid_at == T0 - dt.timedelta(minutes=2)
    assert BankNotification.objects.get().paid_at == T0 - dt.timedelta(minutes=2)


def test_a_refused_notification_with_a_far_offset_is_recorded_in_utc(api, bank, bill):
    # 08:00 at -22:44 is 06:44 UTC the next day: more than five minutes ahead, so refused.
    response = notify(api, bank, notification(bill, paid_at="2026-03-01T08:00:00-22:44"))

    assert response.status_code == 422
    assert response.json()["code"] == "paid_at_in_future"
    assert not Payment.objects.exists()
    recorded = BankNotification.objects.get()
    assert (recorded.result, recorded.reason) == ("rejected", "paid_at_in_future")
    assert recorded.paid_at == dt.datetime(2026, 3, 2, 6, 44, tzinfo=dt.UTC)


# --- NUL characters, which JSON can carry and PostgreSQL text cannot ------------------------------


def test_a_bank_reference_with_a_nul_character_is_refused_and_recorded(api, bank, bill):
    before = snapshot()

    response = notify(api, bank, notification(bill, bank_reference="TX-\u00000001"))

    _refused(response, 422, "invalid_bank_reference")
    assert snapshot() == before
    recorded = BankNotification.objects.get()
    assert (recorded.result, recorded.reason) == ("rejected", "invalid_bank_reference")
    assert recorded.bank_reference == "TX-\ufffd0001"


def test_an_unsigned_notification_with_nul_characters_is_refused_and_recorded(api, bank, bill):
    body = notification(bill, sadad_number="\u0000", bank_code="RJ\u0000HI")

    response = api.post(PAYMENTS, body)

    _refused(response, 401, "bad_signature")
    recorded = BankNotification.objects.get()
    assert (recorded.sadad_number, recorded.bank_code, recorded.reason) == (
        "\ufffd",
        "RJ\ufffdHI",
        "bad_signature",
    )
