"""The conditions of SPEC 8, one rule each with its own reason code, evaluated together: a test
per rule (failing and passing side), the settings that switch the extra ones, and the reduced set
for a transfer approved without the sponsor's consent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from absher.accounts.constants import AccountStatus
from absher.catalog.models import Service
from absher.core import clock
from absher.identity.constants import IdType, ResidencyStatus
from absher.identity.models import Sponsorship
from absher.suspensions.tests.helpers import authority_partner, place
from absher.transfers.conditions import CONDITION_CODES, CONDITIONS, conditions_evaluate
from absher.transfers.tests.helpers import TRANSFER, citizen, resident, user_of, worker_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return Service.objects.get(code=TRANSFER)


def failed(worker, sponsor, new_sponsor, service, **options) -> list[str]:
    return [
        failure.code
        for failure in conditions_evaluate(
            worker=worker,
            current_sponsor=sponsor,
            new_sponsor=new_sponsor,
            service=service,
            **options,
        )
    ]


def test_clean_parties_meet_every_condition(
    sponsor, worker, new_sponsor_user, new_sponsor, service
):
    assert failed(worker, sponsor, new_sponsor, service) == []


def test_every_rule_has_its_own_code():
    assert len(CONDITION_CODES) == len(CONDITIONS)


# 1. The new sponsor is a Saudi citizen or the child of a Saudi mother.


def test_a_resident_new_sponsor_without_a_saudi_mother_fails(sponsor, worker, service):
    foreigner = resident(mother_nationality="EG", nationality="EG")
    user_of(foreigner)

    assert failed(worker, sponsor, foreigner, service) == ["new_sponsor_not_saudi"]


def test_a_resident_child_of_a_saudi_mother_may_be_the_new_sponsor(sponsor, worker, service):
    child = resident(mother_nationality="SA", nationality="JO")
    user_of(child)

    assert failed(worker, sponsor, child, service) == []


def test_a_citizen_new_sponsor_meets_the_first_condition_whatever_the_mother(
    sponsor, worker, service
):
    saudi = citizen(mother_nationality="")
    user_of(saudi)

    assert saudi.id_type == IdType.CITIZEN
    assert failed(worker, sponsor, saudi, service) == []


# 2. The new sponsor has an activated account.


def test_a_new_sponsor_without_an_account_fails(sponsor, worker, new_sponsor, service):
    assert failed(worker, sponsor, new_sponsor, service) == ["new_sponsor_not_activated"]


def test_a_new_sponsor_with_a_registered_account_fails(sponsor, worker, new_sponsor, service):
    user_of(new_sponsor, status=AccountStatus.REGISTERED)

    assert failed(worker, sponsor, new_sponsor, service) == ["new_sponsor_not_activated"]


def test_a_new_sponsor_whose_account_is_disabled_fails(sponsor, worker, new_sponsor, service):
    user = user_of(new_sponsor)
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert failed(worker, sponsor, new_sponsor, service) == ["new_sponsor_not_activated"]


# 3. The worker is legally resident: iqama valid, not expired, not reported absent.


@pytest.mark.parametrize(
    "changes",
    [
        {"residency_status": ResidencyStatus.EXPIRED},
        {"iqama_expiry": dt.date(2026, 2, 28)},  # the day before T0 in Riyadh
        {"iqama_expiry": None},
    ],
    ids=["status_expired", "expiry_passed", "no_iqama"],
)
def test_a_worker_without_a_valid_iqama_fails(
    sponsor, new_sponsor_user, new_sponsor, service, changes, settings
):
    settings.TRANSFER_CHECK_IQAMA_DAYS_LEFT = False
    worker = worker_of(sponsor, **changes)

    assert failed(worker, sponsor, new_sponsor, service) == ["worker_iqama_expired"]


def test_an_iqama_valid_until_today_is_still_valid(
    sponsor, new_sponsor_user, new_sponsor, service, settings
):
    settings.TRANSFER_CHECK_IQAMA_DAYS_LEFT = False
    worker = worker_of(sponsor, iqama_expiry=clock.today_local())

    assert failed(worker, sponsor, new_sponsor, service) == []


def test_a_worker_reported_absent_fails(sponsor, new_sponsor_user, new_sponsor, service):
    worker = worker_of(sponsor, residency_status=ResidencyStatus.ABSENT)

    assert failed(worker, sponsor, new_sponsor, service) == ["worker_reported_absent"]


# 4. No criminal or security case.


def test_a_worker_with_a_criminal_case_fails(sponsor, new_sponsor_user, new_sponsor, service):
    worker = worker_of(sponsor, has_criminal_case=True)

    assert failed(worker, sponsor, new_sponsor, service) == ["worker_criminal_case"]


# 5. Financial obligations towards the current sponsor settled.


def test_a_worker_owing_the_sponsor_fails(sponsor, new_sponsor_user, new_sponsor, service):
    worker = worker_of(sponsor, owes_sponsor=True)

    assert failed(worker, sponsor, new_sponsor, service) == ["worker_owes_sponsor"]


# Plus: the worker is the current sponsor's; the new sponsor is someone else.


def test_a_worker_of_another_sponsor_fails(sponsor, new_sponsor_user, new_sponsor, service):
    someone_elses = worker_of(citizen())

    assert failed(someone_elses, sponsor, new_sponsor, service) == ["worker_not_with_sponsor"]


def test_a_worker_whose_sponsorship_ended_fails(
    sponsor, worker, new_sponsor_user, new_sponsor, service
):
    Sponsorship.objects.filter(worker=worker).update(ended_at=clock.now())

    assert failed(worker, sponsor, new_sponsor, service) == ["worker_not_with_sponsor"]


def test_the_sponsor_naming_themselves_fails(sponsor, sponsor_user, worker, service):
    assert failed(worker, sponsor, sponsor, service) == ["new_sponsor_is_current_sponsor"]


def test_the_worker_named_as_their_own_new_sponsor_fails(sponsor, service):
    worker = worker_of(sponsor, mother_nationality="SA")
    user_of(worker)

    assert failed(worker, sponsor, worker, service) == ["new_sponsor_is_worker"]


# Plus: no suspension blocks either party (or the worker) for this service.


@pytest.mark.parametrize(
    ("party", "code"),
    [
        ("sponsor", "current_sponsor_suspended"),
        ("new_sponsor", "new_sponsor_suspended"),
        ("worker", "worker_suspended"),
    ],
)
def test_a_suspension_of_this_service_for_a_party_fails(
    request, worker, sponsor, new_sponsor_user, new_sponsor, service, party, code
):
    court = authority_partner("test-court").authority
    place(court, request.getfixturevalue(party), "CRT-T", f"service:{TRANSFER}")

    assert failed(worker, sponsor, new_sponsor, service) == [code]


def test_a_suspension_of_another_service_does_not_count(
    worker, sponsor, new_sponsor_user, new_sponsor, service
):
    court = authority_partner("test-court").authority
    place(court, new_sponsor, "CRT-T", "service:passport_renewal")
    place(court, worker, "CRT-U", "department:traffic")

    assert failed(worker, sponsor, new_sponsor, service) == []


# The conditions the real rules add, each switched by a setting (on by default).


def test_unpaid_traffic_fines_of_the_worker_or_the_new_sponsor_fail(
    sponsor, new_sponsor_user, new_sponsor, service
):
    worker = worker_of(sponsor, traffic_fines_due_halalas=80_000)
    new_sponsor.traffic_fines_due_halalas = 1
    new_sponsor.save(update_fields=["traffic_fines_due_halalas"])

    assert failed(worker, sponsor, new_sponsor, service) == [
        "worker_traffic_fines",
        "new_sponsor_traffic_fines",
    ]


def test_traffic_fines_do_not_count_when_the_setting_is_off(
    sponsor, new_sponsor_user, new_sponsor, service, settings
):
    settings.TRANSFER_CHECK_TRAFFIC_FINES = False
    worker = worker_of(sponsor, traffic_fines_due_halalas=80_000)
    new_sponsor.traffic_fines_due_halalas = 250_000
    new_sponsor.save(update_fields=["traffic_fines_due_halalas"])

    assert failed(worker, sponsor, new_sponsor, service) == []


def test_an_exit_visa_fails_unless_the_setting_is_off(
    sponsor, new_sponsor_user, new_sponsor, service, settings
):
    worker = worker_of(sponsor, has_exit_visa=True)

    assert failed(worker, sponsor, new_sponsor, service) == ["worker_exit_visa"]
    settings.TRANSFER_CHECK_EXIT_VISA = False
    assert failed(worker, sponsor, new_sponsor, service) == []


@pytest.mark.parametrize(("count", "codes"), [(3, []), (4, ["worker_transfer_limit"])])
def test_a_worker_may_have_had_fewer_than_four_transfers(
    sponsor, new_sponsor_user, new_sponsor, service, count, codes
):
    worker = worker_of(sponsor, transfer_count=count)

    assert failed(worker, sponsor, new_sponsor, service) == codes


def test_the_transfer_limit_is_a_setting(sponsor, new_sponsor_user, new_sponsor, service, settings):
    worker = worker_of(sponsor, transfer_count=4)

    settings.TRANSFER_MAX_PREVIOUS_TRANSFERS = 5
    assert failed(worker, sponsor, new_sponsor, service) == []
    settings.TRANSFER_MAX_PREVIOUS_TRANSFERS = 4
    settings.TRANSFER_CHECK_TRANSFER_LIMIT = False
    assert failed(worker, sponsor, new_sponsor, service) == []


@pytest.mark.parametrize(("days_left", "codes"), [(15, []), (14, ["worker_iqama_expiring"])])
def test_the_iqama_needs_at_least_fifteen_days_left(
    sponsor, new_sponsor_user, new_sponsor, service, days_left, codes
):
    worker = worker_of(sponsor, iqama_expiry=clock.today_local() + dt.timedelta(days=days_left))

    assert failed(worker, sponsor, new_sponsor, service) == codes


def test_the_iqama_days_left_rule_follows_its_settings(
    sponsor, new_sponsor_user, new_sponsor, service, settings
):
    worker = worker_of(sponsor, iqama_expiry=clock.today_local() + dt.timedelta(days=10))

    settings.TRANSFER_MIN_IQAMA_DAYS_LEFT = 10
    assert failed(worker, sponsor, new_sponsor, service) == []
    settings.TRANSFER_MIN_IQAMA_DAYS_LEFT = 15
    settings.TRANSFER_CHECK_IQAMA_DAYS_LEFT = False
    assert failed(worker, sponsor, new_sponsor, service) == []


def test_the_days_left_count_from_today_in_riyadh(
    sponsor, new_sponsor_user, new_sponsor, service, moved_clock
):
    worker = worker_of(sponsor, iqama_expiry=dt.date(2026, 3, 16))

    # 20:59 UTC is 23:59 in Riyadh (UTC+3): still 1 March, 15 days left.
    moved_clock(dt.datetime(2026, 3, 1, 20, 59, tzinfo=dt.UTC))
    assert failed(worker, sponsor, new_sponsor, service) == []
    # 21:00 UTC is already 2 March in Riyadh: 14 days left, though it is still 1 March in UTC.
    moved_clock(dt.datetime(2026, 3, 1, 21, 0, tzinfo=dt.UTC))
    assert failed(worker, sponsor, new_sponsor, service) == ["worker_iqama_expiring"]


# All together.


def test_every_failed_condition_is_listed_at_once_in_order(sponsor, service):
    worker = worker_of(
        sponsor,
        residency_status=ResidencyStatus.EXPIRED,
        iqama_expiry=dt.date(2025, 1, 15),
        has_criminal_case=True,
        owes_sponsor=True,
        traffic_fines_due_halalas=30_000,
        has_exit_visa=True,
        transfer_count=4,
    )
    stranger = resident(mother_nationality="EG", traffic_fines_due_halalas=5)

    assert failed(worker, sponsor, stranger, service) == [
        "new_sponsor_not_saudi",
        "new_sponsor_not_activated",
        "worker_iqama_expired",
        "worker_criminal_case",
        "worker_owes_sponsor",
        "worker_traffic_fines",
        "new_sponsor_traffic_fines",
        "worker_exit_visa",
        "worker_transfer_limit",
        "worker_iqama_expiring",
    ]


def test_without_the_sponsors_consent_only_the_core_conditions_apply(
    sponsor, new_sponsor_user, new_sponsor, service
):
    worker = worker_of(
        sponsor, traffic_fines_due_halalas=30_000, has_exit_visa=True, transfer_count=4
    )
    court = authority_partner("test-court").authority
    place(court, sponsor, "CRT-S", "all")

    assert failed(worker, sponsor, new_sponsor, service, without_consent=True) == []
    assert failed(worker, sponsor, new_sponsor, service) == [
        "current_sponsor_suspended",
        "worker_traffic_fines",
        "worker_exit_visa",
        "worker_transfer_limit",
    ]
    worker.has_criminal_case = True
    assert failed(worker, sponsor, new_sponsor, service, without_consent=True) == [
        "worker_criminal_case"
    ]


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda condition: condition.code)
def test_each_message_says_what_to_do_in_arabic_and_english(condition):
    with translation.override("en"):
        english = str(condition.message())
    with translation.override("ar"):
        arabic = str(condition.message())

    assert english != arabic
    assert any("\u0600" <= character <= "\u06ff" for character in arabic)
    assert english.endswith(".")
