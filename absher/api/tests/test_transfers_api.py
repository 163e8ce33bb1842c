"""Transfer of worker services through the API (SPEC 8, 13): GET /me/workers, the session
(verify-start → code → transfer_session), preview (both parties, the fee and a code, or 422 with
every failed condition), creation (201, pending_acceptance, expires_at = created + 15 days), the
list by direction, one request with its timeline, the new sponsor's accept → code → awaiting
payment with its bill, reject, cancel, and paying the bill at a bank completing the transfer.
Every refusal answers the SPEC error body and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.accounts.constants import AccountStatus
from absher.accounts.models import ServiceActivation
from absher.accounts.tests.support import T0, last_code, make_partner
from absher.catalog.models import Service
from absher.identity.models import Sponsorship
from absher.identity.rules import hijri_from_gregorian, id_number_with_check_digit
from absher.payments.models import Bill
from absher.payments.tests.helpers import notification, notify
from absher.suspensions.tests.helpers import account, authority_partner, place, signed_in
from absher.transfers.models import TransferRequest
from absher.transfers.tests.helpers import citizen, resident, snapshot, worker_of

pytestmark = pytest.mark.django_db

TRANSFERS = "/api/v1/transfers"
WORKERS = "/api/v1/me/workers"
SERVICE = "worker_services_transfer"
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


def user_for(person, username: str, **options):
    user = account(person, username=username, **options)
    if user.status == AccountStatus.ACTIVE:
        ServiceActivation.objects.create(user=user, service=Service.objects.get(code=SERVICE))
    return user


@pytest.fixture
def sponsor(db):
    return citizen(name_ar="عبدالله محمد القحطاني", name_en="Abdullah Mohammed Al-Qahtani")


@pytest.fixture
def sponsor_user(sponsor):
    return user_for(sponsor, "abdullah")


@pytest.fixture
def worker(sponsor):
    return worker_of(sponsor)


@pytest.fixture
def new_sponsor(db):
    return citizen(name_ar="فيصل عبدالعزيز الدوسري", name_en="Faisal Abdulaziz Al-Dossary")


@pytest.fixture
def new_sponsor_user(new_sponsor):
    return user_for(new_sponsor, "faisal")


@pytest.fixture
def as_sponsor(api, sponsor_user):
    return signed_in(api, sponsor_user)


def refused(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.json()
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"code", "message", "details"}
    assert body["message"]
    return body


def masked(id_number: str) -> str:
    return "••••••" + id_number[-4:]


def session(api, user) -> str:
    start = api.post(f"{TRANSFERS}/verify-start")
    assert start.status_code == 200, start.json()
    verified = api.post(
        f"{TRANSFERS}/verify-start/verify",
        {"challenge_id": start.json()["challenge_id"], "code": last_code(user.mobile)},
    )
    assert verified.status_code == 200, verified.json()
    return verified.json()["transfer_session"]


def preview_body(token: str, worker, new_sponsor, **overrides: Any) -> dict[str, Any]:
    body = {
        "transfer_session": token,
        "worker_id": worker.pk,
        "new_sponsor_id_number": new_sponsor.id_number,
        "new_sponsor_date_of_birth": new_sponsor.date_of_birth.isoformat(),
    }
    body.update(overrides)
    return body


def create(api, user, worker, new_sponsor) -> dict[str, Any]:
    """The current sponsor's whole journey through the API; returns the 201 body."""
    reviewed = api.post(
        f"{TRANSFERS}/preview", preview_body(session(api, user), worker, new_sponsor)
    )
    assert reviewed.status_code == 200, reviewed.json()
    created = api.post(
        TRANSFERS, {"challenge_id": reviewed.json()["challenge_id"], "code": last_code(user.mobile)}
    )
    assert created.status_code == 201, created.json()
    return created.json()


def accept(api, user, transfer_id: int):
    start = api.post(f"{TRANSFERS}/{transfer_id}/accept")
    assert start.status_code == 200, start.json()
    return api.post(
        f"{TRANSFERS}/{transfer_id}/accept/verify",
        {"challenge_id": start.json()["challenge_id"], "code": last_code(user.mobile)},
    )


@pytest.fixture
def created(as_sponsor, sponsor_user, worker, new_sponsor, new_sponsor_user):
    return create(as_sponsor, sponsor_user, worker, new_sponsor)


# --- GET /me/workers ------------------------------------------------------------------------------


def test_my_workers_lists_only_the_callers_current_workers(as_sponsor, sponsor, worker):
    second = worker_of(sponsor, transfer_count=2, name_en="Joseph Santos", name_ar="جوزيف سانتوس")
    worker_of(citizen())  # someone else's
    ended = worker_of(sponsor)
    Sponsorship.objects.filter(worker=ended).update(ended_at=T0)

    response = as_sponsor.get(WORKERS)

    assert response.status_code == 200
    items = sorted(response.json()["items"], key=lambda item: item["worker_id"])
    assert items == [
        {
            "worker_id": worker.pk,
            "id_number": worker.id_number,
            "name_ar": "راجيش كومار",
            "name_en": "Rajesh Kumar",
            "nationality": "IN",
            "iqama_expiry": "2030-06-30",
            "transfer_count": 0,
        },
        {
            "worker_id": second.pk,
            "id_number": second.id_number,
            "name_ar": "جوزيف سانتوس",
            "name_en": "Joseph Santos",
            "nationality": "IN",
            "iqama_expiry": "2030-06-30",
            "transfer_count": 2,
        },
    ]


def test_my_workers_takes_the_same_queries_for_one_worker_or_many(as_sponsor, sponsor, worker):
    with CaptureQueriesContext(connection) as one:
        as_sponsor.get(WORKERS)
    for _ in range(5):
        worker_of(sponsor)
    with CaptureQueriesContext(connection) as six:
        response = as_sponsor.get(WORKERS)

    assert len(response.json()["items"]) == 6
    assert len(six) == len(one)


def test_a_registered_account_gets_no_workers(api, sponsor, worker):
    signed_in(api, account(sponsor, status=AccountStatus.REGISTERED))

    refused(api.get(WORKERS), 403, "account_not_activated")


def test_without_a_token_nothing_is_answered(api):
    refused(api.get(WORKERS), 401, "not_authenticated")
    refused(api.post(f"{TRANSFERS}/verify-start"), 401, "not_authenticated")


# --- verify-start and the transfer session --------------------------------------------------------


def test_verify_start_sends_a_code_and_its_verification_opens_a_session(as_sponsor, sponsor_user):
    start = as_sponsor.post(f"{TRANSFERS}/verify-start")

    assert start.status_code == 200
    assert set(start.json()) == {"challenge_id", "expires_at", "sent_to"}
    assert start.json()["sent_to"].endswith(sponsor_user.mobile[-3:])
    verified = as_sponsor.post(
        f"{TRANSFERS}/verify-start/verify",
        {"challenge_id": start.json()["challenge_id"], "code": last_code(sponsor_user.mobile)},
    )
    assert verified.status_code == 200
    assert verified.json()["expires_at"] == "2026-03-01T10:15:00Z"
    assert len(verified.json()["transfer_session"]) == 36


def test_a_wrong_code_opens_no_session(as_sponsor, sponsor_user):
    start = as_sponsor.post(f"{TRANSFERS}/verify-start")
    code = last_code(sponsor_user.mobile)

    response = as_sponsor.post(
        f"{TRANSFERS}/verify-start/verify",
        {"challenge_id": start.json()["challenge_id"], "code": f"{(int(code) + 1) % 10**6:06d}"},
    )

    body = refused(response, 422, "otp_invalid")
    assert body["details"] == {"attempts_left": 2}


def test_verify_start_needs_the_service_activated(api, sponsor):
    signed_in(api, account(sponsor, username="noservice"))

    refused(api.post(f"{TRANSFERS}/verify-start"), 403, "service_not_activated")


def test_a_suspended_sponsor_is_told_which_suspension(as_sponsor, sponsor):
    court = authority_partner("test-court").authority
    place(court, sponsor, "CRT-77", f"service:{SERVICE}")

    body = refused(as_sponsor.post(f"{TRANSFERS}/verify-start"), 403, "service_suspended")

    assert body["details"]["reference"] == "CRT-77"
    assert body["details"]["authority"] == "test-court-authority"
    assert body["details"]["lift_procedure_en"]


# --- preview --------------------------------------------------------------------------------------


def test_preview_answers_both_parties_the_fee_and_a_challenge(
    as_sponsor, sponsor_user, sponsor, worker, new_sponsor, new_sponsor_user
):
    token = session(as_sponsor, sponsor_user)
    before = snapshot()

    response = as_sponsor.post(f"{TRANSFERS}/preview", preview_body(token, worker, new_sponsor))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body.pop("challenge_id")
    assert body == {
        "expires_at": "2026-03-01T10:08:00Z",
        "sent_to": body["sent_to"],
        "worker": {
            "id_number": worker.id_number,
            "name_ar": "راجيش كومار",
            "name_en": "Rajesh Kumar",
            "nationality": "IN",
        },
        "current_sponsor": {
            "id_number": sponsor.id_number,
            "name_ar": "عبدالله محمد القحطاني",
            "name_en": "Abdullah Mohammed Al-Qahtani",
            "nationality": "SA",
        },
        "new_sponsor": {
            "id_number": new_sponsor.id_number,
            "name_ar": "فيصل عبدالعزيز الدوسري",
            "name_en": "Faisal Abdulaziz Al-Dossary",
            "nationality": "SA",
        },
        "fee_halalas": 200_000,
    }
    assert snapshot()["transfers"] == before["transfers"]


def test_preview_accepts_the_new_sponsors_hijri_date_and_arabic_digits(
    as_sponsor, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    hijri = hijri_from_gregorian(new_sponsor.date_of_birth).translate(
        str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    )

    response = as_sponsor.post(
        f"{TRANSFERS}/preview",
        preview_body(
            session(as_sponsor, sponsor_user),
            worker,
            new_sponsor,
            new_sponsor_date_of_birth=hijri,
            calendar="hijri",
        ),
    )

    assert response.status_code == 200, response.json()


def test_a_stale_session_is_gone(as_sponsor, sponsor_user, worker, new_sponsor, moved_clock):
    token = session(as_sponsor, sponsor_user)
    moved_clock(T0 + dt.timedelta(minutes=10))

    response = as_sponsor.post(f"{TRANSFERS}/preview", preview_body(token, worker, new_sponsor))

    refused(response, 410, "transfer_session_expired")


def test_preview_refuses_a_worker_of_another_sponsor(
    as_sponsor, sponsor_user, new_sponsor, new_sponsor_user
):
    theirs = worker_of(citizen())

    response = as_sponsor.post(
        f"{TRANSFERS}/preview", preview_body(session(as_sponsor, sponsor_user), theirs, new_sponsor)
    )

    refused(response, 404, "worker_not_found")


def test_an_unknown_id_and_a_wrong_date_of_birth_get_the_same_answer(
    as_sponsor, sponsor_user, worker, new_sponsor
):
    token = session(as_sponsor, sponsor_user)

    wrong_date = as_sponsor.post(
        f"{TRANSFERS}/preview",
        preview_body(token, worker, new_sponsor, new_sponsor_date_of_birth="1991-01-01"),
    )
    unknown = as_sponsor.post(
        f"{TRANSFERS}/preview",
        preview_body(
            token,
            worker,
            new_sponsor,
            new_sponsor_id_number=id_number_with_check_digit("199999999"),
        ),
    )

    assert refused(wrong_date, 422, "identity_mismatch") == refused(
        unknown, 422, "identity_mismatch"
    )


def test_malformed_fields_are_refused_for_their_reason(
    as_sponsor, sponsor_user, worker, new_sponsor
):
    token = session(as_sponsor, sponsor_user)

    bad_id = as_sponsor.post(
        f"{TRANSFERS}/preview",
        preview_body(token, worker, new_sponsor, new_sponsor_id_number="1234567890"),
    )
    bad_calendar = as_sponsor.post(
        f"{TRANSFERS}/preview", preview_body(token, worker, new_sponsor, calendar="julian")
    )
    bad_date = as_sponsor.post(
        f"{TRANSFERS}/preview",
        preview_body(token, worker, new_sponsor, new_sponsor_date_of_birth="1445-02-30"),
    )

    refused(bad_id, 422, "invalid_id_number")
    assert refused(bad_calendar, 422, "validation_error")["details"]["fields"][0]["field"] == (
        "calendar"
    )
    refused(bad_date, 422, "invalid_date")


def test_preview_lists_every_failed_condition_with_what_to_do(as_sponsor, sponsor_user, sponsor):
    worker = worker_of(sponsor, has_criminal_case=True, has_exit_visa=True)
    not_activated = citizen()
    token = session(as_sponsor, sponsor_user)
    before = snapshot()

    english = as_sponsor.post(f"{TRANSFERS}/preview", preview_body(token, worker, not_activated))
    arabic = as_sponsor.post(
        f"{TRANSFERS}/preview",
        preview_body(token, worker, not_activated),
        headers={"Accept-Language": "ar"},
    )

    body = refused(english, 422, "transfer_conditions_failed")
    assert [item["code"] for item in body["details"]["failed"]] == [
        "new_sponsor_not_activated",
        "worker_criminal_case",
        "worker_exit_visa",
    ]
    assert body["details"]["failed"][2]["message"] == (
        "An exit visa has been issued to the worker. Cancel the exit visa before transferring "
        "the worker's services."
    )
    in_arabic = refused(arabic, 422, "transfer_conditions_failed")
    assert in_arabic["details"]["failed"][2]["message"] == (
        "صدرت للعامل تأشيرة خروج. ألغِ تأشيرة الخروج قبل نقل خدمات العامل."
    )
    assert in_arabic["message"].startswith("لا يمكن إتمام النقل")
    assert snapshot() == before


def test_the_sponsor_naming_themselves_is_a_failed_condition(
    as_sponsor, sponsor_user, sponsor, worker
):
    response = as_sponsor.post(
        f"{TRANSFERS}/preview", preview_body(session(as_sponsor, sponsor_user), worker, sponsor)
    )

    body = refused(response, 422, "transfer_conditions_failed")
    assert [item["code"] for item in body["details"]["failed"]] == [
        "new_sponsor_is_current_sponsor"
    ]


def test_a_suspension_of_the_new_sponsor_is_a_failed_condition_without_its_details(
    as_sponsor, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    court = authority_partner("test-court").authority
    place(court, new_sponsor, "CRT-SECRET", "all")

    response = as_sponsor.post(
        f"{TRANSFERS}/preview", preview_body(session(as_sponsor, sponsor_user), worker, new_sponsor)
    )

    body = refused(response, 422, "transfer_conditions_failed")
    assert [item["code"] for item in body["details"]["failed"]] == ["new_sponsor_suspended"]
    assert "CRT-SECRET" not in str(body)


# --- POST /transfers ------------------------------------------------------------------------------


def test_the_code_creates_the_request(created, sponsor, worker, new_sponsor):
    transfer = TransferRequest.objects.get()
    assert created == {
        "id": transfer.pk,
        "status": "pending_acceptance",
        "service_code": SERVICE,
        "role": "current_sponsor",
        "worker": {
            "id_number": worker.id_number,
            "name_ar": "راجيش كومار",
            "name_en": "Rajesh Kumar",
            "nationality": "IN",
        },
        "current_sponsor": {
            "id_number": sponsor.id_number,
            "name_ar": "عبدالله محمد القحطاني",
            "name_en": "Abdullah Mohammed Al-Qahtani",
            "nationality": "SA",
        },
        "new_sponsor": {
            "id_number": masked(new_sponsor.id_number),
            "name_ar": "فيصل عبدالعزيز الدوسري",
            "name_en": "Faisal Abdulaziz Al-Dossary",
            "nationality": "SA",
        },
        "fee_halalas": 200_000,
        "created_at": "2026-03-01T10:05:00Z",
        "expires_at": "2026-03-16T10:05:00Z",
        "accepted_at": None,
        "completed_at": None,
        "closed_at": None,
        "close_reason": "",
        "failed_conditions": [],
        "worker_consent_required": False,
        "worker_consented_at": None,
        "without_consent": False,
        "bill": None,
        "timeline": [
            {
                "step": "created",
                "status": "pending_acceptance",
                "actor": "current_sponsor",
                "at": "2026-03-01T10:05:00Z",
                "note": "",
            }
        ],
    }


def test_a_wrong_confirmation_code_creates_nothing(
    as_sponsor, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    reviewed = as_sponsor.post(
        f"{TRANSFERS}/preview", preview_body(session(as_sponsor, sponsor_user), worker, new_sponsor)
    )
    code = last_code(sponsor_user.mobile)

    response = as_sponsor.post(
        TRANSFERS,
        {"challenge_id": reviewed.json()["challenge_id"], "code": f"{(int(code) + 1) % 10**6:06d}"},
    )

    refused(response, 422, "otp_invalid")
    assert TransferRequest.objects.count() == 0


def test_an_unknown_challenge_creates_nothing(as_sponsor):
    response = as_sponsor.post(TRANSFERS, {"challenge_id": "nope", "code": "123456"})

    refused(response, 404, "challenge_not_found")
    assert TransferRequest.objects.count() == 0


def test_a_second_open_request_for_the_worker_is_refused(created, as_sponsor, sponsor_user, worker):
    other = citizen()
    user_for(other, "sarah")
    before = snapshot()

    response = as_sponsor.post(
        f"{TRANSFERS}/preview", preview_body(session(as_sponsor, sponsor_user), worker, other)
    )

    refused(response, 409, "transfer_open")
    assert snapshot()["transfers"] == before["transfers"]


# --- reading: the list by direction and one request -----------------------------------------------


def test_the_list_by_direction(created, api, as_sponsor, sponsor_user, new_sponsor_user, worker):
    outgoing = as_sponsor.get(f"{TRANSFERS}?direction=outgoing").json()["items"]
    incoming = as_sponsor.get(f"{TRANSFERS}?direction=incoming").json()["items"]
    everything = as_sponsor.get(TRANSFERS).json()["items"]

    assert [item["id"] for item in outgoing] == [created["id"]]
    assert incoming == []
    assert [item["id"] for item in everything] == [created["id"]]
    assert "timeline" not in outgoing[0]
    signed_in(api, new_sponsor_user)
    theirs = api.get(f"{TRANSFERS}?direction=incoming").json()["items"]
    assert [(item["id"], item["role"]) for item in theirs] == [(created["id"], "new_sponsor")]
    assert theirs[0]["current_sponsor"]["id_number"] == masked(
        created["current_sponsor"]["id_number"]
    )
    assert api.get(f"{TRANSFERS}?direction=outgoing").json()["items"] == []
    signed_in(api, account(worker, username="rajesh"))
    mine = api.get(f"{TRANSFERS}?direction=worker").json()["items"]
    assert [(item["id"], item["role"]) for item in mine] == [(created["id"], "worker")]


def test_an_unknown_direction_is_refused(as_sponsor):
    refused(as_sponsor.get(f"{TRANSFERS}?direction=sideways"), 422, "validation_error")


def test_the_list_takes_the_same_queries_for_one_request_or_many(
    created, as_sponsor, sponsor_user, sponsor, new_sponsor
):
    with CaptureQueriesContext(connection) as one:
        as_sponsor.get(f"{TRANSFERS}?direction=outgoing")
    for _ in range(3):
        create(as_sponsor, sponsor_user, worker_of(sponsor), new_sponsor)
    with CaptureQueriesContext(connection) as four:
        response = as_sponsor.get(f"{TRANSFERS}?direction=outgoing")

    assert len(response.json()["items"]) == 4
    assert len(four) == len(one)


def test_every_party_sees_the_same_timeline_and_nobody_else_sees_anything(
    created, api, new_sponsor_user, worker
):
    path = f"{TRANSFERS}/{created['id']}"
    timelines = []
    for user in (new_sponsor_user, account(worker, username="rajesh")):
        signed_in(api, user)
        response = api.get(path)
        assert response.status_code == 200
        timelines.append(response.json()["timeline"])
    assert timelines == [created["timeline"]] * 2

    signed_in(api, account(citizen(), username="stranger"))
    refused(api.get(path), 404, "transfer_not_found")
    refused(api.get(f"{TRANSFERS}/999999"), 404, "transfer_not_found")


def test_a_request_past_its_window_reads_expired_before_the_sweep(
    created, as_sponsor, sponsor_user, moved_clock
):
    moved_clock(T0 + 15 * DAY)
    signed_in(as_sponsor, sponsor_user)  # a fresh token: access tokens live 15 minutes

    response = as_sponsor.get(f"{TRANSFERS}/{created['id']}")

    assert response.json()["status"] == "expired"


# --- the new sponsor: accept, accept/verify, reject -----------------------------------------------


def test_accepting_with_the_code_issues_the_bill(created, api, new_sponsor_user, new_sponsor):
    signed_in(api, new_sponsor_user)

    start = api.post(f"{TRANSFERS}/{created['id']}/accept")
    assert start.status_code == 200
    assert set(start.json()) == {"challenge_id", "expires_at", "sent_to"}
    response = api.post(
        f"{TRANSFERS}/{created['id']}/accept/verify",
        {"challenge_id": start.json()["challenge_id"], "code": last_code(new_sponsor_user.mobile)},
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    bill = Bill.objects.get()
    assert (body["status"], body["accepted_at"], body["role"]) == (
        "awaiting_payment",
        "2026-03-01T10:05:00Z",
        "new_sponsor",
    )
    assert body["bill"] == {
        "sadad_number": bill.sadad_number,
        "biller_code": "090",
        "amount_halalas": 200_000,
        "status": "unpaid",
        "expires_at": "2026-03-16T10:05:00Z",
    }
    assert [item["step"] for item in body["timeline"]] == ["created", "accepted"]
    assert bill.payer == new_sponsor
    mine = api.get("/api/v1/me/bills").json()["items"]
    assert [item["sadad_number"] for item in mine] == [bill.sadad_number]


def test_accepting_twice_is_refused(created, api, new_sponsor_user):
    signed_in(api, new_sponsor_user)
    assert accept(api, new_sponsor_user, created["id"]).status_code == 200
    before = snapshot()

    body = refused(
        api.post(f"{TRANSFERS}/{created['id']}/accept"), 409, "transfer_already_accepted"
    )

    assert body["details"] == {"status": "awaiting_payment"}
    assert snapshot() == before


def test_accepting_someone_elses_request_is_not_found(created, api, as_sponsor):
    refused(as_sponsor.post(f"{TRANSFERS}/{created['id']}/accept"), 404, "transfer_not_found")
    signed_in(api, user_for(citizen(), "stranger"))
    before = snapshot()

    refused(api.post(f"{TRANSFERS}/{created['id']}/accept"), 404, "transfer_not_found")
    refused(
        api.post(
            f"{TRANSFERS}/{created['id']}/accept/verify", {"challenge_id": "x", "code": "123456"}
        ),
        404,
        "transfer_not_found",
    )
    refused(api.post(f"{TRANSFERS}/{created['id']}/reject"), 404, "transfer_not_found")
    refused(api.post(f"{TRANSFERS}/{created['id']}/cancel"), 404, "transfer_not_found")
    assert snapshot() == before


def test_acceptance_at_14_days_23_hours_59_minutes_succeeds(
    created, api, new_sponsor_user, moved_clock
):
    moved_clock(T0 + dt.timedelta(days=14, hours=23, minutes=59))
    signed_in(api, new_sponsor_user)

    assert accept(api, new_sponsor_user, created["id"]).json()["status"] == "awaiting_payment"


def test_acceptance_at_15_days_and_1_second_is_refused(created, api, new_sponsor_user, moved_clock):
    moved_clock(T0 + dt.timedelta(days=15, seconds=1))
    signed_in(api, new_sponsor_user)
    before = snapshot()

    body = refused(api.post(f"{TRANSFERS}/{created['id']}/accept"), 409, "transfer_expired")

    assert body["details"] == {"status": "expired"}
    assert snapshot() == before


def test_accepting_a_cancelled_request_is_refused(created, api, as_sponsor, new_sponsor_user):
    assert as_sponsor.post(f"{TRANSFERS}/{created['id']}/cancel").status_code == 200
    signed_in(api, new_sponsor_user)

    refused(api.post(f"{TRANSFERS}/{created['id']}/accept"), 409, "transfer_cancelled")
    assert Bill.objects.count() == 0


def test_the_new_sponsor_rejects_with_or_without_a_reason(
    created, api, new_sponsor_user, as_sponsor, sponsor_user, sponsor, new_sponsor
):
    signed_in(api, new_sponsor_user)

    response = api.post(f"{TRANSFERS}/{created['id']}/reject", {"reason": "لا حاجة"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["close_reason"]) == ("rejected", "لا حاجة")
    assert response.json()["timeline"][-1]["actor"] == "new_sponsor"
    refused(api.post(f"{TRANSFERS}/{created['id']}/reject"), 409, "transfer_rejected")
    signed_in(api, sponsor_user)
    second = create(api, sponsor_user, worker_of(sponsor), new_sponsor)
    signed_in(api, new_sponsor_user)
    assert api.post(f"{TRANSFERS}/{second['id']}/reject").json()["status"] == "rejected"


# --- the current sponsor cancels ------------------------------------------------------------------


def test_the_current_sponsor_cancels_before_acceptance_only(
    created, api, as_sponsor, sponsor_user, new_sponsor_user, sponsor, new_sponsor
):
    response = as_sponsor.post(f"{TRANSFERS}/{created['id']}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["timeline"][-1] == {
        "step": "cancelled",
        "status": "cancelled",
        "actor": "current_sponsor",
        "at": "2026-03-01T10:05:00Z",
        "note": "",
    }
    second = create(as_sponsor, sponsor_user, worker_of(sponsor), new_sponsor)
    signed_in(api, new_sponsor_user)
    accept(api, new_sponsor_user, second["id"])
    signed_in(api, sponsor_user)
    before = snapshot()

    refused(api.post(f"{TRANSFERS}/{second['id']}/cancel"), 409, "transfer_already_accepted")
    assert snapshot() == before


# --- paying the bill at a bank completes the transfer ---------------------------------------------


def test_the_whole_journey_ends_with_the_worker_at_the_new_sponsor(
    created, api, new_sponsor_user, sponsor_user, worker
):
    signed_in(api, new_sponsor_user)
    accepted = accept(api, new_sponsor_user, created["id"]).json()
    bill = Bill.objects.get(sadad_number=accepted["bill"]["sadad_number"])

    paid = notify(api, make_partner("test-bank"), notification(bill, bank_reference="TX-77"))

    assert paid.json()["result"] == "applied", paid.json()
    detail = api.get(f"{TRANSFERS}/{created['id']}").json()
    assert detail["status"] == "completed"
    assert detail["completed_at"] == "2026-03-01T10:05:00Z"
    assert [(item["step"], item["actor"]) for item in detail["timeline"]] == [
        ("created", "current_sponsor"),
        ("accepted", "new_sponsor"),
        ("completed", "system"),
    ]
    assert [item["worker_id"] for item in api.get(WORKERS).json()["items"]] == [worker.pk]
    signed_in(api, sponsor_user)
    assert api.get(WORKERS).json()["items"] == []
    worker.refresh_from_db()
    assert worker.transfer_count == 1


# --- the worker's consent (a setting, off by default) ---------------------------------------------


def test_with_the_consent_policy_the_worker_consents_from_their_account(
    api, settings, as_sponsor, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    settings.TRANSFER_REQUIRES_WORKER_CONSENT = True
    created = create(as_sponsor, sponsor_user, worker, new_sponsor)
    signed_in(api, new_sponsor_user)
    refused(api.post(f"{TRANSFERS}/{created['id']}/accept"), 409, "worker_consent_pending")

    signed_in(api, account(worker, username="rajesh"))
    response = api.post(f"{TRANSFERS}/{created['id']}/worker-consent")

    assert response.status_code == 200
    assert response.json()["worker_consented_at"] == "2026-03-01T10:05:00Z"
    assert response.json()["role"] == "worker"
    signed_in(api, new_sponsor_user)
    assert accept(api, new_sponsor_user, created["id"]).json()["status"] == "awaiting_payment"


def test_the_worker_declines(
    api, settings, as_sponsor, sponsor_user, worker, new_sponsor, new_sponsor_user
):
    settings.TRANSFER_REQUIRES_WORKER_CONSENT = True
    created = create(as_sponsor, sponsor_user, worker, new_sponsor)
    signed_in(api, account(worker, username="rajesh"))

    response = api.post(f"{TRANSFERS}/{created['id']}/worker-consent", {"consent": False})

    assert response.json()["status"] == "rejected"
    assert response.json()["timeline"][-1]["step"] == "worker_declined"


def test_without_the_policy_there_is_nothing_to_consent_to(created, api, worker):
    signed_in(api, account(worker, username="rajesh"))

    refused(
        api.post(f"{TRANSFERS}/{created['id']}/worker-consent"),
        409,
        "worker_consent_not_required",
    )


def test_a_resident_child_of_a_saudi_mother_may_receive_a_transfer(
    api, as_sponsor, sponsor_user, worker
):
    child = resident(mother_nationality="SA", nationality="JO")
    user_for(child, "omar")

    assert create(as_sponsor, sponsor_user, worker, child)["status"] == "pending_acceptance"
