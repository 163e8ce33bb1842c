"""The transfer flow through its services (SPEC 8): the current sponsor's session, preview and
request; the new sponsor's acceptance with a code or rejection; cancellation; the 15-day window
to the second; the fee by the worker's previous transfers; payment moving the worker once; a
condition broken after payment refunding the bill; the worker-consent policy; the path for a
transfer approved without the sponsor's consent. Every refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from absher.accounts.constants import AccountStatus, OtpPurpose
from absher.accounts.models import OtpChallenge, ServiceActivation
from absher.accounts.tests.support import T0
from absher.audit.models import AuditEvent
from absher.audit.selectors import audit_chain_verify
from absher.core.errors import ApplicationError
from absher.identity.models import Person, Sponsorship
from absher.identity.rules import hijri_from_gregorian, id_number_with_check_digit
from absher.notifications.models import Message, SmsMessage
from absher.payments.models import Bill, Fulfilment
from absher.payments.services import bills_expire_due, fulfilment_process
from absher.suspensions.tests.helpers import authority_partner, place
from absher.transfers import services
from absher.transfers.constants import BILL_PURPOSE
from absher.transfers.models import TransferEvent, TransferRequest, TransferSession
from absher.transfers.selectors import transfer_status_now
from absher.transfers.tests.helpers import (
    SAR,
    accept,
    citizen,
    code_sent_to,
    create,
    current_sponsor_id,
    kinds_for,
    pay,
    preview,
    resident,
    session_for,
    snapshot,
    steps,
    user_of,
    worker_of,
    wrong,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def refused(call, expected: str, /, *args, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as refusal:
        call(*args, **kwargs)
    assert refusal.value.code == expected, (refusal.value.code, refusal.value.extra)
    return refusal.value


@pytest.fixture
def transfer(sponsor_user, worker, new_sponsor, new_sponsor_user):
    return create(sponsor_user, worker, new_sponsor)


# --- the session (the source's step 5) ------------------------------------------------------------


def test_the_session_starts_with_a_code_and_lives_ten_minutes(sponsor_user):
    challenge = services.transfer_session_start(user=sponsor_user)

    assert challenge.purpose == OtpPurpose.TRANSFER_START
    assert challenge.mobile == sponsor_user.mobile
    session = services.transfer_session_verify(
        user=sponsor_user,
        challenge_id=str(challenge.public_id),
        code=code_sent_to(sponsor_user.mobile),
    )
    assert session.expires_at == T0 + dt.timedelta(minutes=10)
    assert session.used_at is None
    assert AuditEvent.objects.filter(action="transfer_session.started").count() == 1


def test_a_wrong_code_opens_no_session(sponsor_user):
    challenge = services.transfer_session_start(user=sponsor_user)

    refused(
        services.transfer_session_verify,
        "otp_invalid",
        user=sponsor_user,
        challenge_id=str(challenge.public_id),
        code=wrong(code_sent_to(sponsor_user.mobile)),
    )
    assert TransferSession.objects.count() == 0


def test_the_transfer_service_must_be_activated_first(sponsor):
    user = user_of(sponsor, transfer_service=False)
    before = snapshot()

    refused(services.transfer_session_start, "service_not_activated", user=user)
    assert snapshot() == before
    assert OtpChallenge.objects.count() == 0


def test_a_registered_account_cannot_start(sponsor):
    user = user_of(sponsor, status=AccountStatus.REGISTERED)

    refused(services.transfer_session_start, "account_not_activated", user=user)
    assert OtpChallenge.objects.count() == 0


def test_a_suspended_sponsor_is_refused_naming_the_suspension(sponsor, sponsor_user):
    court = authority_partner("test-court").authority
    place(court, sponsor, "CRT-9", "service:worker_services_transfer")

    refusal = refused(services.transfer_session_start, "service_suspended", user=sponsor_user)

    assert refusal.http_status == 403
    assert refusal.extra["reference"] == "CRT-9"
    assert OtpChallenge.objects.count() == 0


def test_one_session_serves_many_previews_for_ten_minutes(
    sponsor_user, sponsor, new_sponsor, new_sponsor_user, moved_clock
):
    workers = [worker_of(sponsor) for _ in range(3)]
    session = session_for(sponsor_user)

    for worker in workers:
        assert preview(sponsor_user, worker, new_sponsor, session=session).worker == worker
    moved_clock(T0 + dt.timedelta(minutes=9, seconds=59))
    assert preview(sponsor_user, workers[0], new_sponsor, session=session).fee_halalas
    moved_clock(T0 + dt.timedelta(minutes=10))
    refusal = refused(
        preview, "transfer_session_expired", sponsor_user, workers[0], new_sponsor, session=session
    )
    assert refusal.http_status == 410


def test_a_session_that_made_a_transfer_serves_no_more(
    sponsor_user, sponsor, worker, new_sponsor, new_sponsor_user
):
    session = session_for(sponsor_user)
    create(sponsor_user, worker, new_sponsor, session=session)
    other = worker_of(sponsor)

    refused(preview, "transfer_session_expired", sponsor_user, other, new_sponsor, session=session)


def test_a_session_belongs_to_whoever_opened_it(
    sponsor_user, worker, new_sponsor, new_sponsor_user
):
    session = session_for(sponsor_user)
    other_sponsor = citizen()
    other_user = user_of(other_sponsor)
    their_worker = worker_of(other_sponsor)

    refused(
        preview, "transfer_session_expired", other_user, their_worker, new_sponsor, session=session
    )


def test_a_malformed_session_is_stale(sponsor_user, worker, new_sponsor, new_sponsor_user):
    refused(
        services.transfer_preview,
        "transfer_session_expired",
        user=sponsor_user,
        transfer_session="not-a-session",
        worker_id=worker.pk,
        new_sponsor_id_number=new_sponsor.id_number,
        new_sponsor_date_of_birth=new_sponsor.date_of_birth.isoformat(),
    )


# --- preview --------------------------------------------------------------------------------------


def test_the_preview_shows_both_parties_and_the_fee_and_sends_the_confirmation_code(
    sponsor_user, sponsor, worker, new_sponsor, new_sponsor_user
):
    session = session_for(sponsor_user)
    before = snapshot()

    reviewed = preview(sponsor_user, worker, new_sponsor, session=session)

    assert (reviewed.worker, reviewed.current_sponsor, reviewed.new_sponsor) == (
        worker,
        sponsor,
        new_sponsor,
    )
    assert reviewed.fee_halalas == 2_000 * SAR
    assert reviewed.challenge.purpose == OtpPurpose.TRANSFER_CONFIRM
    assert reviewed.challenge.payload == {
        "session": str(session.token),
        "worker_id": worker.pk,
        "new_sponsor_id": new_sponsor.pk,
        "fee_halalas": 200_000,
    }
    after = snapshot()
    assert after.pop("audit")[len(before["audit"]) :] == [(len(before["audit"]) + 1, "otp.issued")]
    before.pop("audit")
    assert after == before


def test_the_new_sponsors_date_of_birth_may_be_hijri(
    sponsor_user, worker, new_sponsor, new_sponsor_user
):
    hijri = hijri_from_gregorian(new_sponsor.date_of_birth)

    reviewed = preview(sponsor_user, worker, new_sponsor, date_of_birth=hijri, calendar="hijri")

    assert reviewed.new_sponsor == new_sponsor


def test_a_worker_of_another_sponsor_is_refused(sponsor_user, new_sponsor, new_sponsor_user):
    someone_elses = worker_of(citizen())
    before = snapshot()

    refusal = refused(preview, "worker_not_found", sponsor_user, someone_elses, new_sponsor)

    assert refusal.http_status == 404
    assert snapshot()["transfers"] == before["transfers"]
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_CONFIRM).count() == 0


def test_a_wrong_date_of_birth_and_an_unknown_id_get_the_same_refusal(
    sponsor_user, worker, new_sponsor, new_sponsor_user
):
    session = session_for(sponsor_user)
    wrong_date = refused(
        preview,
        "identity_mismatch",
        sponsor_user,
        worker,
        new_sponsor,
        session=session,
        date_of_birth="1990-01-01",
    )
    stranger = Person(
        id_number=id_number_with_check_digit("199999999"), date_of_birth=new_sponsor.date_of_birth
    )
    unknown = refused(preview, "identity_mismatch", sponsor_user, worker, stranger, session=session)

    assert (wrong_date.http_status, str(wrong_date.message)) == (
        unknown.http_status,
        str(unknown.message),
    )
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_CONFIRM).count() == 0


@pytest.mark.parametrize(
    ("id_number", "date_of_birth", "code"),
    [("12345", "1990-05-30", "invalid_id_number"), (None, "1445-13-01", "invalid_date")],
)
def test_malformed_input_is_refused_for_its_own_reason(
    sponsor_user, worker, new_sponsor, new_sponsor_user, id_number, date_of_birth, code
):
    refused(
        services.transfer_preview,
        code,
        user=sponsor_user,
        transfer_session=str(session_for(sponsor_user).token),
        worker_id=worker.pk,
        new_sponsor_id_number=id_number or new_sponsor.id_number,
        new_sponsor_date_of_birth=date_of_birth,
        calendar="hijri" if code == "invalid_date" else "gregorian",
    )


def test_the_sponsor_naming_themselves_is_refused_with_the_condition(sponsor_user, sponsor, worker):
    refusal = refused(preview, "transfer_conditions_failed", sponsor_user, worker, sponsor)

    assert refusal.http_status == 422
    assert [f["code"] for f in refusal.extra["failed"]] == ["new_sponsor_is_current_sponsor"]
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_CONFIRM).count() == 0


def test_failed_conditions_are_all_listed_before_any_code(sponsor_user, sponsor):
    worker = worker_of(sponsor, has_criminal_case=True, owes_sponsor=True)
    not_activated = citizen()

    refusal = refused(preview, "transfer_conditions_failed", sponsor_user, worker, not_activated)

    with translation.override("en"):
        failed = [(f["code"], str(f["message"])[:20]) for f in refusal.extra["failed"]]
    assert failed == [
        ("new_sponsor_not_activated", "The new sponsor has "),
        ("worker_criminal_case", "The worker has an op"),
        ("worker_owes_sponsor", "The worker's financi"),
    ]
    assert OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_CONFIRM).count() == 0


# --- creation -------------------------------------------------------------------------------------


def test_the_code_creates_the_request_pending_for_fifteen_days(
    sponsor_user, sponsor, worker, new_sponsor, new_sponsor_user
):
    transfer = create(sponsor_user, worker, new_sponsor)

    assert transfer.status == "pending_acceptance"
    assert (transfer.current_sponsor, transfer.new_sponsor, transfer.worker) == (
        sponsor,
        new_sponsor,
        worker,
    )
    assert transfer.created_at == T0
    assert transfer.expires_at == T0 + dt.timedelta(days=15)
    assert transfer.fee_halalas == 200_000
    assert transfer.bill is None
    assert steps(transfer) == [("created", "", "pending_acceptance", "current_sponsor")]
    created = AuditEvent.objects.get(action="transfer.created")
    assert (created.subject_id, created.person_id, created.actor_id) == (
        str(transfer.pk),
        worker.pk,
        str(sponsor_user.pk),
    )
    assert TransferSession.objects.get().used_at == T0
    assert current_sponsor_id(worker) == sponsor.pk


def test_every_party_is_told_of_the_new_request_in_arabic_and_english(
    transfer, sponsor, worker, new_sponsor
):
    for person in (sponsor, new_sponsor):
        message = Message.objects.get(person=person, kind="transfer_created")
        assert "Rajesh Kumar" in message.body_en
        assert "راجيش كومار" in message.body_ar
    told_worker = Message.objects.get(person=worker, kind="transfer_created")
    assert "Faisal Abdulaziz Al-Dossary" in told_worker.body_en
    assert "فيصل عبدالعزيز الدوسري" in told_worker.body_ar
    incoming = Message.objects.get(person=new_sponsor, kind="transfer_created")
    assert "2026-03-16 13:05" in incoming.body_en  # the deadline, Riyadh time
    # The worker (a resident without an account) gets the SMS in English, the others in Arabic.
    worker_sms = SmsMessage.objects.filter(to=worker.mobile).order_by("-id").first()
    assert worker_sms.body.startswith("Your sponsor")
    sponsor_sms = SmsMessage.objects.filter(to=new_sponsor.mobile).order_by("-id").first()
    assert sponsor_sms.body.startswith("طلب الكفيل")


def test_a_wrong_confirmation_code_creates_nothing(
    sponsor_user, worker, new_sponsor, new_sponsor_user
):
    reviewed = preview(sponsor_user, worker, new_sponsor)

    refused(
        services.transfer_create,
        "otp_invalid",
        user=sponsor_user,
        challenge_id=str(reviewed.challenge.public_id),
        code=wrong(code_sent_to(sponsor_user.mobile)),
    )
    assert TransferRequest.objects.count() == 0


def test_the_confirmation_code_is_bound_to_its_sponsor(
    sponsor_user, worker, new_sponsor, new_sponsor_user
):
    reviewed = preview(sponsor_user, worker, new_sponsor)
    intruder = user_of(citizen())

    refused(
        services.transfer_create,
        "challenge_not_found",
        user=intruder,
        challenge_id=str(reviewed.challenge.public_id),
        code=code_sent_to(sponsor_user.mobile),
    )
    assert TransferRequest.objects.count() == 0


def test_conditions_are_checked_again_at_creation(
    sponsor_user, worker, new_sponsor, new_sponsor_user
):
    reviewed = preview(sponsor_user, worker, new_sponsor)
    Person.objects.filter(pk=worker.pk).update(has_exit_visa=True)

    refusal = refused(
        services.transfer_create,
        "transfer_conditions_failed",
        user=sponsor_user,
        challenge_id=str(reviewed.challenge.public_id),
        code=code_sent_to(sponsor_user.mobile),
    )

    assert [f["code"] for f in refusal.extra["failed"]] == ["worker_exit_visa"]
    assert TransferRequest.objects.count() == 0
    assert TransferSession.objects.get().used_at is None


def test_a_session_gone_stale_before_the_code_creates_nothing(
    sponsor_user, worker, new_sponsor, new_sponsor_user, moved_clock
):
    session = session_for(sponsor_user)
    moved_clock(T0 + dt.timedelta(minutes=8))
    reviewed = preview(sponsor_user, worker, new_sponsor, session=session)
    moved_clock(T0 + dt.timedelta(minutes=10))  # the code is still valid, the session is not

    refused(
        services.transfer_create,
        "transfer_session_expired",
        user=sponsor_user,
        challenge_id=str(reviewed.challenge.public_id),
        code=code_sent_to(sponsor_user.mobile),
    )
    assert TransferRequest.objects.count() == 0


def test_a_second_open_request_for_one_worker_is_refused(
    transfer, sponsor_user, worker, new_sponsor
):
    other = citizen()
    user_of(other)
    before = snapshot()

    refusal = refused(preview, "transfer_open", sponsor_user, worker, other)

    assert refusal.http_status == 409
    assert snapshot()["transfers"] == before["transfers"]


def test_two_previews_then_two_confirmations_open_one_request(
    sponsor_user, worker, new_sponsor, new_sponsor_user
):
    other = citizen()
    user_of(other)
    session = session_for(sponsor_user)
    first = preview(sponsor_user, worker, new_sponsor, session=session)
    first_code = code_sent_to(sponsor_user.mobile)
    second = preview(sponsor_user, worker, other, session=session)

    # A newer preview replaces the code of the previous one.
    refused(
        services.transfer_create,
        "otp_superseded",
        user=sponsor_user,
        challenge_id=str(first.challenge.public_id),
        code=first_code,
    )
    transfer = services.transfer_create(
        user=sponsor_user,
        challenge_id=str(second.challenge.public_id),
        code=code_sent_to(sponsor_user.mobile),
    )
    assert transfer.new_sponsor == other
    assert TransferRequest.objects.count() == 1


def test_a_request_whose_window_passed_does_not_hold_the_worker(
    transfer, sponsor_user, worker, new_sponsor, moved_clock
):
    moved_clock(T0 + 15 * DAY)

    again = create(sponsor_user, worker, new_sponsor)

    transfer.refresh_from_db()
    assert transfer.status == "expired"
    assert again.status == "pending_acceptance"
    assert steps(transfer)[-1] == ("expired", "pending_acceptance", "expired", "system")


# --- the new sponsor: acceptance ------------------------------------------------------------------


def test_acceptance_issues_the_fee_bill_to_the_new_sponsor(
    transfer, new_sponsor_user, new_sponsor, sponsor, worker
):
    accepted = accept(new_sponsor_user, transfer)

    assert accepted.status == "awaiting_payment"
    assert accepted.accepted_at == T0
    bill = Bill.objects.get()
    assert accepted.bill == bill
    assert (bill.payer, bill.amount_halalas, bill.purpose, bill.purpose_id, bill.status) == (
        new_sponsor,
        200_000,
        BILL_PURPOSE,
        str(transfer.pk),
        "unpaid",
    )
    assert bill.service.code == "worker_services_transfer"
    assert steps(transfer)[-1] == (
        "accepted",
        "pending_acceptance",
        "awaiting_payment",
        "new_sponsor",
    )
    for person in (sponsor, worker, new_sponsor):
        assert "transfer_accepted" in kinds_for(person)
    assert (
        bill.sadad_number
        in Message.objects.get(person=new_sponsor, kind="transfer_accepted").body_en
    )
    assert current_sponsor_id(worker) == sponsor.pk
    assert audit_chain_verify().ok


def test_the_acceptance_code_is_sent_only_when_every_condition_holds(
    transfer, new_sponsor_user, new_sponsor
):
    Person.objects.filter(pk=new_sponsor.pk).update(traffic_fines_due_halalas=10_000)
    before = snapshot()

    refusal = refused(
        services.transfer_accept_start,
        "transfer_conditions_failed",
        user=new_sponsor_user,
        transfer_id=transfer.pk,
    )

    assert [f["code"] for f in refusal.extra["failed"]] == ["new_sponsor_traffic_fines"]
    assert snapshot() == before
    assert not OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_ACCEPT).exists()


def test_a_condition_broken_between_the_code_and_its_entry_refuses_acceptance(
    transfer, new_sponsor_user, worker
):
    challenge = services.transfer_accept_start(user=new_sponsor_user, transfer_id=transfer.pk)
    Person.objects.filter(pk=worker.pk).update(has_criminal_case=True)

    refusal = refused(
        services.transfer_accept,
        "transfer_conditions_failed",
        user=new_sponsor_user,
        transfer_id=transfer.pk,
        challenge_id=str(challenge.public_id),
        code=code_sent_to(new_sponsor_user.mobile),
    )

    assert [f["code"] for f in refusal.extra["failed"]] == ["worker_criminal_case"]
    transfer.refresh_from_db()
    assert (transfer.status, transfer.bill_id) == ("pending_acceptance", None)
    assert Bill.objects.count() == 0


def test_someone_elses_request_does_not_exist_for_them(transfer, sponsor_user, worker):
    stranger_user = user_of(citizen())
    before = snapshot()

    for user in (stranger_user, sponsor_user):
        refusal = refused(
            services.transfer_accept_start, "transfer_not_found", user=user, transfer_id=transfer.pk
        )
        assert refusal.http_status == 404
    refused(
        services.transfer_reject, "transfer_not_found", user=stranger_user, transfer_id=transfer.pk
    )
    refused(
        services.transfer_cancel, "transfer_not_found", user=stranger_user, transfer_id=transfer.pk
    )
    assert snapshot() == before


def test_an_acceptance_code_is_bound_to_its_request(
    sponsor_user, sponsor, new_sponsor, new_sponsor_user
):
    first = create(sponsor_user, worker_of(sponsor), new_sponsor)
    second = create(sponsor_user, worker_of(sponsor), new_sponsor)
    challenge = services.transfer_accept_start(user=new_sponsor_user, transfer_id=first.pk)

    refused(
        services.transfer_accept,
        "challenge_not_found",
        user=new_sponsor_user,
        transfer_id=second.pk,
        challenge_id=str(challenge.public_id),
        code=code_sent_to(new_sponsor_user.mobile),
    )
    assert set(TransferRequest.objects.values_list("status", flat=True)) == {"pending_acceptance"}


def test_accepting_twice_is_refused(transfer, new_sponsor_user):
    accept(new_sponsor_user, transfer)
    before = snapshot()

    refusal = refused(
        services.transfer_accept_start,
        "transfer_already_accepted",
        user=new_sponsor_user,
        transfer_id=transfer.pk,
    )

    assert (refusal.http_status, refusal.extra) == (409, {"status": "awaiting_payment"})
    assert snapshot() == before
    assert Bill.objects.count() == 1


def test_accepting_a_cancelled_request_is_refused(transfer, sponsor_user, new_sponsor_user):
    services.transfer_cancel(user=sponsor_user, transfer_id=transfer.pk)
    before = snapshot()

    refused(
        services.transfer_accept_start,
        "transfer_cancelled",
        user=new_sponsor_user,
        transfer_id=transfer.pk,
    )
    assert snapshot() == before


def test_a_cancellation_between_the_code_and_its_entry_wins(
    transfer, sponsor_user, new_sponsor_user
):
    challenge = services.transfer_accept_start(user=new_sponsor_user, transfer_id=transfer.pk)
    services.transfer_cancel(user=sponsor_user, transfer_id=transfer.pk)

    refused(
        services.transfer_accept,
        "transfer_cancelled",
        user=new_sponsor_user,
        transfer_id=transfer.pk,
        challenge_id=str(challenge.public_id),
        code=code_sent_to(new_sponsor_user.mobile),
    )
    assert Bill.objects.count() == 0


# --- the 15-day window, to the second -------------------------------------------------------------


def test_acceptance_at_14_days_23_hours_59_minutes_succeeds(
    transfer, new_sponsor_user, moved_clock
):
    moved_clock(T0 + dt.timedelta(days=14, hours=23, minutes=59))

    assert accept(new_sponsor_user, transfer).status == "awaiting_payment"


def test_acceptance_at_the_last_second_succeeds(transfer, new_sponsor_user, moved_clock):
    moved_clock(T0 + 15 * DAY - dt.timedelta(seconds=1))
    challenge = services.transfer_accept_start(user=new_sponsor_user, transfer_id=transfer.pk)

    accepted = services.transfer_accept(
        user=new_sponsor_user,
        transfer_id=transfer.pk,
        challenge_id=str(challenge.public_id),
        code=code_sent_to(new_sponsor_user.mobile),
    )
    assert accepted.status == "awaiting_payment"


def test_acceptance_at_15_days_and_1_second_fails_without_the_sweep(
    transfer, new_sponsor_user, moved_clock
):
    moved_clock(T0 + dt.timedelta(days=15, seconds=1))
    before = snapshot()

    refusal = refused(
        services.transfer_accept_start,
        "transfer_expired",
        user=new_sponsor_user,
        transfer_id=transfer.pk,
    )

    assert refusal.extra == {"status": "expired"}
    assert snapshot() == before
    assert TransferRequest.objects.get().status == "pending_acceptance"  # the sweep has not run
    assert transfer_status_now(TransferRequest.objects.get()) == "expired"


def test_a_code_asked_for_in_time_but_entered_after_the_window_fails(
    transfer, new_sponsor_user, moved_clock
):
    moved_clock(T0 + 15 * DAY - dt.timedelta(seconds=30))
    challenge = services.transfer_accept_start(user=new_sponsor_user, transfer_id=transfer.pk)
    moved_clock(T0 + 15 * DAY)

    refused(
        services.transfer_accept,
        "transfer_expired",
        user=new_sponsor_user,
        transfer_id=transfer.pk,
        challenge_id=str(challenge.public_id),
        code=code_sent_to(new_sponsor_user.mobile),
    )
    assert Bill.objects.count() == 0


def test_the_window_is_a_setting(sponsor_user, worker, new_sponsor, new_sponsor_user, settings):
    settings.TRANSFER_ACCEPTANCE_DAYS = 7

    assert create(sponsor_user, worker, new_sponsor).expires_at == T0 + 7 * DAY


def test_neither_rejection_nor_cancellation_after_the_window(
    transfer, sponsor_user, new_sponsor_user, moved_clock
):
    moved_clock(T0 + 15 * DAY)

    refused(
        services.transfer_reject, "transfer_expired", user=new_sponsor_user, transfer_id=transfer.pk
    )
    refused(
        services.transfer_cancel, "transfer_expired", user=sponsor_user, transfer_id=transfer.pk
    )


# --- rejection and cancellation -------------------------------------------------------------------


def test_the_new_sponsor_rejects(transfer, new_sponsor_user, sponsor, worker, new_sponsor):
    rejected = services.transfer_reject(
        user=new_sponsor_user, transfer_id=transfer.pk, reason="  لا أحتاج إلى عامل  "
    )

    assert (rejected.status, rejected.close_reason, rejected.closed_at) == (
        "rejected",
        "لا أحتاج إلى عامل",
        T0,
    )
    assert steps(transfer)[-1] == ("rejected", "pending_acceptance", "rejected", "new_sponsor")
    for person in (sponsor, worker, new_sponsor):
        assert kinds_for(person)[-1] == "transfer_rejected"
    refused(
        services.transfer_reject,
        "transfer_rejected",
        user=new_sponsor_user,
        transfer_id=transfer.pk,
    )


def test_the_current_sponsor_cancels_before_acceptance(
    transfer, sponsor_user, sponsor, worker, new_sponsor
):
    cancelled = services.transfer_cancel(user=sponsor_user, transfer_id=transfer.pk)

    assert cancelled.status == "cancelled"
    assert steps(transfer)[-1] == (
        "cancelled",
        "pending_acceptance",
        "cancelled",
        "current_sponsor",
    )
    for person in (sponsor, worker, new_sponsor):
        assert kinds_for(person)[-1] == "transfer_cancelled"
    assert AuditEvent.objects.filter(action="transfer.cancelled", actor_id=str(sponsor_user.pk))


def test_no_cancellation_after_acceptance(transfer, sponsor_user, new_sponsor_user):
    accept(new_sponsor_user, transfer)
    before = snapshot()

    refused(
        services.transfer_cancel,
        "transfer_already_accepted",
        user=sponsor_user,
        transfer_id=transfer.pk,
    )
    assert snapshot() == before


def test_the_new_sponsor_cannot_cancel_nor_the_sponsor_reject(
    transfer, sponsor_user, new_sponsor_user
):
    refused(
        services.transfer_cancel,
        "transfer_not_found",
        user=new_sponsor_user,
        transfer_id=transfer.pk,
    )
    refused(
        services.transfer_reject, "transfer_not_found", user=sponsor_user, transfer_id=transfer.pk
    )
    assert TransferRequest.objects.get().status == "pending_acceptance"


# --- the fee --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "riyals"), [(0, 2_000), (1, 4_000), (2, 6_000), (3, 6_000)])
def test_the_fee_follows_the_workers_previous_transfers(
    sponsor_user, sponsor, new_sponsor, new_sponsor_user, count, riyals
):
    worker = worker_of(sponsor, transfer_count=count)

    transfer = accept(new_sponsor_user, create(sponsor_user, worker, new_sponsor))

    assert transfer.fee_halalas == riyals * SAR
    assert transfer.bill.amount_halalas == riyals * SAR


def test_the_fee_schedule_is_a_setting(
    sponsor_user, sponsor, new_sponsor, new_sponsor_user, settings
):
    settings.TRANSFER_FEES_HALALAS = [100_000, 150_000]
    worker = worker_of(sponsor, transfer_count=3)

    assert preview(sponsor_user, worker, new_sponsor).fee_halalas == 150_000


# --- payment completes the transfer ---------------------------------------------------------------


def test_paying_the_bill_moves_the_worker_once_and_keeps_the_history(
    transfer, new_sponsor_user, sponsor, worker, new_sponsor
):
    accepted = accept(new_sponsor_user, transfer)

    assert pay(accepted.bill) == "done"

    transfer.refresh_from_db()
    assert (transfer.status, transfer.completed_at) == ("completed", T0)
    assert steps(transfer)[-1] == ("completed", "awaiting_payment", "completed", "system")
    sponsorships = list(
        Sponsorship.objects.filter(worker=worker)
        .order_by("started_at", "id")
        .values_list("sponsor_id", "ended_at")
    )
    assert sponsorships == [(sponsor.pk, T0), (new_sponsor.pk, None)]
    worker.refresh_from_db()
    assert worker.transfer_count == 1
    for person in (sponsor, worker, new_sponsor):
        assert kinds_for(person)[-1] == "transfer_completed"
    # Running the fulfilment again changes nothing.
    fulfilment = Fulfilment.objects.get()
    assert fulfilment_process(fulfilment_id=fulfilment.pk) == "skipped"
    services.transfer_complete_paid(Bill.objects.get())
    assert Sponsorship.objects.filter(worker=worker).count() == 2
    assert Person.objects.get(pk=worker.pk).transfer_count == 1
    assert audit_chain_verify().ok


def test_a_condition_broken_after_payment_refunds_and_tells_everyone_why(
    transfer, new_sponsor_user, sponsor, worker, new_sponsor
):
    accepted = accept(new_sponsor_user, transfer)
    Person.objects.filter(pk=worker.pk).update(residency_status="absent")

    pay(accepted.bill)

    transfer.refresh_from_db()
    assert transfer.status == "failed_conditions"
    assert transfer.failed_conditions == ["worker_reported_absent"]
    assert steps(transfer)[-1] == (
        "failed_conditions",
        "awaiting_payment",
        "failed_conditions",
        "system",
    )
    assert Bill.objects.get().status == "refunded"
    assert current_sponsor_id(worker) == sponsor.pk
    assert Person.objects.get(pk=worker.pk).transfer_count == 0
    for person in (sponsor, worker, new_sponsor):
        told = Message.objects.filter(person=person, kind="transfer_failed_conditions").get()
        assert "reported absent from work" in told.body_en
        assert "متغيب" in told.body_ar or "تغيب" in told.body_ar
    assert "bill_refunded" in kinds_for(new_sponsor)


def test_a_bill_paid_for_a_request_that_ended_meanwhile_is_refunded(
    transfer, new_sponsor_user, worker, sponsor
):
    accepted = accept(new_sponsor_user, transfer)
    bill = accepted.bill
    # The request was recorded expired (its bill lapsed) while the bank was paying it.
    TransferRequest.objects.filter(pk=transfer.pk).update(status="expired")

    pay(bill)

    assert Bill.objects.get().status == "refunded"
    assert current_sponsor_id(worker) == sponsor.pk


def test_a_fee_bill_that_lapses_unpaid_makes_the_request_expired(
    transfer, new_sponsor_user, sponsor, worker, new_sponsor, moved_clock
):
    accepted = accept(new_sponsor_user, transfer)
    moved_clock(accepted.bill.expires_at)

    assert transfer_status_now(TransferRequest.objects.get()) == "expired"
    assert services.transfers_expire_due() == 1

    transfer.refresh_from_db()
    assert (transfer.status, transfer.close_reason) == ("expired", "bill_expired_unpaid")
    assert steps(transfer)[-1] == ("expired", "awaiting_payment", "expired", "system")
    for person in (sponsor, worker, new_sponsor):
        assert kinds_for(person)[-1] == "transfer_expired"
    assert services.transfers_expire_due() == 0
    bills_expire_due()
    assert Bill.objects.get().status == "expired"


def test_the_bill_lifetime_is_a_setting(transfer, new_sponsor_user, settings):
    settings.TRANSFER_BILL_LIFETIME_DAYS = 3

    assert accept(new_sponsor_user, transfer).bill.expires_at == T0 + 3 * DAY


# --- the worker-consent policy (off by default) ---------------------------------------------------


@pytest.fixture
def worker_consent(settings):
    settings.TRANSFER_REQUIRES_WORKER_CONSENT = True


def test_without_the_policy_no_consent_is_asked(transfer, worker):
    worker_user = user_of(worker, transfer_service=False)

    assert transfer.worker_consent_required is False
    refused(
        services.transfer_worker_consent,
        "worker_consent_not_required",
        user=worker_user,
        transfer_id=transfer.pk,
    )


def test_with_the_policy_the_new_sponsor_waits_for_the_worker(
    worker_consent, sponsor_user, worker, new_sponsor, new_sponsor_user, sponsor
):
    worker_user = user_of(worker, transfer_service=False, language="en")
    transfer = create(sponsor_user, worker, new_sponsor)
    assert transfer.worker_consent_required is True
    assert (
        "Your consent is needed"
        in Message.objects.get(person=worker, kind="transfer_created").body_en
    )

    refused(
        services.transfer_accept_start,
        "worker_consent_pending",
        user=new_sponsor_user,
        transfer_id=transfer.pk,
    )
    consented = services.transfer_worker_consent(user=worker_user, transfer_id=transfer.pk)

    assert consented.worker_consented_at == T0
    assert steps(transfer)[-1] == (
        "worker_consented",
        "pending_acceptance",
        "pending_acceptance",
        "worker",
    )
    worker_sms = SmsMessage.objects.filter(to=worker.mobile).order_by("-id").first()
    assert worker_sms.body.startswith("Rajesh Kumar consented")
    assert "transfer_worker_consented" in kinds_for(sponsor)
    assert accept(new_sponsor_user, transfer).status == "awaiting_payment"
    refused(
        services.transfer_worker_consent,
        "transfer_already_accepted",
        user=worker_user,
        transfer_id=transfer.pk,
    )


def test_a_worker_who_reads_arabic_is_told_in_arabic(
    worker_consent, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    worker_user = user_of(worker, transfer_service=False, language="ar")
    transfer = create(sponsor_user, worker, new_sponsor)

    services.transfer_worker_consent(user=worker_user, transfer_id=transfer.pk)

    worker_sms = SmsMessage.objects.filter(to=worker.mobile).order_by("-id").first()
    assert worker_sms.body.startswith("وافق العامل")


def test_the_worker_may_decline_which_ends_the_request(
    worker_consent, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    worker_user = user_of(worker, transfer_service=False)
    transfer = create(sponsor_user, worker, new_sponsor)

    declined = services.transfer_worker_consent(
        user=worker_user, transfer_id=transfer.pk, consent=False
    )

    assert (declined.status, declined.close_reason) == ("rejected", "worker_declined")
    assert steps(transfer)[-1] == ("worker_declined", "pending_acceptance", "rejected", "worker")


def test_only_the_worker_consents_and_only_once(
    worker_consent, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    worker_user = user_of(worker, transfer_service=False)
    transfer = create(sponsor_user, worker, new_sponsor)

    for user in (sponsor_user, new_sponsor_user):
        refused(
            services.transfer_worker_consent,
            "transfer_not_found",
            user=user,
            transfer_id=transfer.pk,
        )
    services.transfer_worker_consent(user=worker_user, transfer_id=transfer.pk)
    refused(
        services.transfer_worker_consent,
        "worker_already_consented",
        user=worker_user,
        transfer_id=transfer.pk,
    )


def test_a_request_made_before_the_policy_was_switched_on_needs_no_consent(
    transfer, new_sponsor_user, settings
):
    settings.TRANSFER_REQUIRES_WORKER_CONSENT = True

    assert accept(new_sponsor_user, transfer).status == "awaiting_payment"


# --- transfer approved without the sponsor's consent (SPEC 9) -------------------------------------


def test_an_approved_case_awaits_payment_without_the_sponsor_and_completes_when_paid(
    sponsor, worker, new_sponsor, new_sponsor_user
):
    transfer = services.transfer_create_approved_without_consent(
        worker=worker, new_sponsor=new_sponsor, case_reference="CASE-17", actor_id="officer-3"
    )

    assert (transfer.status, transfer.is_without_consent, transfer.case_reference) == (
        "awaiting_payment",
        True,
        "CASE-17",
    )
    assert transfer.current_sponsor == sponsor
    assert transfer.service.code == "transfer_without_consent"
    assert (transfer.bill.payer, transfer.bill.amount_halalas) == (new_sponsor, 200_000)
    assert steps(transfer) == [("approved_without_consent", "", "awaiting_payment", "officer")]
    assert AuditEvent.objects.filter(
        action="transfer.approved_without_consent", actor_type="staff", actor_id="officer-3"
    ).exists()
    for person in (sponsor, worker, new_sponsor):
        assert "transfer_approved_without_consent" in kinds_for(person)

    pay(transfer.bill)

    assert TransferRequest.objects.get().status == "completed"
    assert current_sponsor_id(worker) == new_sponsor.pk


def test_an_approved_case_still_needs_conditions_one_to_five(
    sponsor, new_sponsor, new_sponsor_user
):
    worker = worker_of(sponsor, owes_sponsor=True, has_exit_visa=True)
    court = authority_partner("test-court").authority
    place(court, sponsor, "CRT-1", "all")  # the current sponsor's suspension does not matter here

    refusal = refused(
        services.transfer_create_approved_without_consent,
        "transfer_conditions_failed",
        worker=worker,
        new_sponsor=new_sponsor,
        case_reference="CASE-18",
        actor_id="officer-3",
    )

    assert [f["code"] for f in refusal.extra["failed"]] == ["worker_owes_sponsor"]
    assert TransferRequest.objects.count() == 0
    assert Bill.objects.count() == 0


def test_an_approved_case_for_a_worker_with_an_open_request_is_refused(
    transfer, worker, new_sponsor
):
    other = citizen()
    user_of(other)

    refused(
        services.transfer_create_approved_without_consent,
        "transfer_open",
        worker=worker,
        new_sponsor=other,
        case_reference="CASE-19",
        actor_id="officer-3",
    )
    assert TransferRequest.objects.count() == 1


def test_an_approved_case_for_a_resident_without_a_sponsor_is_refused(
    new_sponsor, new_sponsor_user
):
    refused(
        services.transfer_create_approved_without_consent,
        "worker_has_no_sponsor",
        worker=resident(),
        new_sponsor=new_sponsor,
        case_reference="CASE-20",
        actor_id="officer-3",
    )


# --- the history is the same for every party ------------------------------------------------------


def test_the_timeline_records_each_step_and_who_did_it(transfer, new_sponsor_user, moved_clock):
    moved_clock(T0 + DAY)
    accepted = accept(new_sponsor_user, transfer)
    moved_clock(T0 + 2 * DAY)
    pay(accepted.bill)

    events = list(TransferEvent.objects.filter(transfer=transfer).order_by("id"))
    assert [(e.step, e.actor_role, e.created_at) for e in events] == [
        ("created", "current_sponsor", T0),
        ("accepted", "new_sponsor", T0 + DAY),
        ("completed", "system", T0 + 2 * DAY),
    ]
    assert [
        e.action for e in AuditEvent.objects.filter(subject_type="transfer").order_by("sequence")
    ] == [
        "transfer.created",
        "transfer.accepted",
        "transfer.completed",
    ]


def test_only_the_current_sponsor_needs_the_service_activated(transfer, new_sponsor_user):
    ServiceActivation.objects.filter(user=new_sponsor_user).delete()

    assert accept(new_sponsor_user, transfer).status == "awaiting_payment"
