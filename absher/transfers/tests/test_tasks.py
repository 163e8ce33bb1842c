"""The periodic sweeps: the expiry of requests the clock already treats as expired, and the new
sponsor's reminders 48 and 24 hours before expiry, each sent exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from absher.accounts.tests.support import T0
from absher.audit.models import AuditEvent
from absher.notifications.models import Message
from absher.transfers import services, tasks
from absher.transfers.models import TransferRequest
from absher.transfers.tests.helpers import accept, create, kinds_for, steps, worker_of

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def transfer(sponsor_user, worker, new_sponsor, new_sponsor_user):
    return create(sponsor_user, worker, new_sponsor)


def reminders_to(person) -> list[str]:
    return list(
        Message.objects.filter(person=person, kind="transfer_reminder")
        .order_by("id")
        .values_list("body_en", flat=True)
    )


# --- expiry ---------------------------------------------------------------------------------------


def test_the_sweep_expires_a_request_at_the_end_of_its_window_not_before(
    transfer, moved_clock, sponsor, worker, new_sponsor
):
    moved_clock(T0 + 15 * DAY - dt.timedelta(seconds=1))
    assert tasks.expire_due() == 0
    assert TransferRequest.objects.get().status == "pending_acceptance"

    moved_clock(T0 + 15 * DAY)
    assert tasks.expire_due() == 1

    transfer.refresh_from_db()
    assert (transfer.status, transfer.closed_at, transfer.close_reason) == (
        "expired",
        T0 + 15 * DAY,
        "acceptance_window_passed",
    )
    assert steps(transfer)[-1] == ("expired", "pending_acceptance", "expired", "system")
    for person in (sponsor, worker, new_sponsor):
        assert kinds_for(person)[-1] == "transfer_expired"
    assert tasks.expire_due() == 0
    assert AuditEvent.objects.filter(action="transfer.expired").count() == 1


def test_the_sweep_leaves_other_requests_alone(
    sponsor_user, sponsor, new_sponsor, new_sponsor_user, moved_clock, settings
):
    settings.TRANSFER_BILL_LIFETIME_DAYS = 29
    accepted = accept(new_sponsor_user, create(sponsor_user, worker_of(sponsor), new_sponsor))
    cancelled = create(sponsor_user, worker_of(sponsor), new_sponsor)
    services.transfer_cancel(user=sponsor_user, transfer_id=cancelled.pk)
    moved_clock(T0 + 16 * DAY)

    assert tasks.expire_due() == 0
    assert sorted(TransferRequest.objects.values_list("pk", "status")) == [
        (accepted.pk, "awaiting_payment"),
        (cancelled.pk, "cancelled"),
    ]


# --- reminders ------------------------------------------------------------------------------------


def test_the_new_sponsor_is_reminded_48_and_24_hours_before_expiry_each_once(
    transfer, moved_clock, sponsor, worker, new_sponsor
):
    moved_clock(T0 + 13 * DAY - dt.timedelta(seconds=1))
    assert tasks.send_reminders() == 0

    moved_clock(T0 + 13 * DAY)
    assert tasks.send_reminders() == 1
    assert tasks.send_reminders() == 0
    moved_clock(T0 + 13 * DAY + 12 * HOUR)
    assert tasks.send_reminders() == 0

    moved_clock(T0 + 14 * DAY)
    assert tasks.send_reminders() == 1
    moved_clock(T0 + 15 * DAY - HOUR)
    assert tasks.send_reminders() == 0

    reminders = reminders_to(new_sponsor)
    assert len(reminders) == 2
    assert "within 48 hours" in reminders[0]
    assert "within 24 hours" in reminders[1]
    assert "2026-03-16 13:05" in reminders[1]  # the deadline in Riyadh time
    assert reminders_to(sponsor) == reminders_to(worker) == []
    transfer.refresh_from_db()
    assert (transfer.reminder_48h_sent_at, transfer.reminder_24h_sent_at) == (
        T0 + 13 * DAY,
        T0 + 14 * DAY,
    )
    assert [s for s in steps(transfer) if s[0] == "reminder_sent"] == [
        ("reminder_sent", "pending_acceptance", "pending_acceptance", "system")
    ] * 2
    assert AuditEvent.objects.filter(action="transfer.reminder_sent").count() == 2


def test_a_reminder_whose_time_passed_is_not_sent_late(transfer, moved_clock, new_sponsor):
    moved_clock(T0 + 14 * DAY + HOUR)

    assert tasks.send_reminders() == 1
    assert tasks.send_reminders() == 0

    assert len(reminders_to(new_sponsor)) == 1
    assert "within 24 hours" in reminders_to(new_sponsor)[0]
    transfer.refresh_from_db()
    assert transfer.reminder_48h_sent_at is None


def test_no_reminder_for_an_answered_or_expired_request(
    transfer, moved_clock, new_sponsor_user, new_sponsor
):
    services.transfer_reject(user=new_sponsor_user, transfer_id=transfer.pk)
    moved_clock(T0 + 13 * DAY)
    assert tasks.send_reminders() == 0
    moved_clock(T0 + 15 * DAY)
    assert tasks.send_reminders() == 0
    assert reminders_to(new_sponsor) == []


def test_no_reminder_after_the_window_even_before_the_sweep(transfer, moved_clock, new_sponsor):
    moved_clock(T0 + 15 * DAY)

    assert tasks.send_reminders() == 0
    assert reminders_to(new_sponsor) == []


def test_the_sweeps_are_scheduled():
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }

    assert schedule["transfers.expire_due"] <= 60
    assert schedule["transfers.send_reminders"] <= 3600
    assert tasks.expire_due.name == "transfers.expire_due"
    assert tasks.send_reminders.name == "transfers.send_reminders"
