"""Moving a worker to a new sponsor once a transfer completes (نقل الكفالة)."""

from __future__ import annotations

import datetime as dt

import pytest

from absher.core.errors import Conflict
from absher.identity.models import Sponsorship
from absher.identity.selectors import sponsor_current_of
from absher.identity.services import sponsorship_transfer
from absher.identity.tests.factories import PersonFactory, SponsorshipFactory

pytestmark = pytest.mark.django_db

STARTED = dt.datetime(2025, 1, 1, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def test_a_transfer_ends_the_old_sponsorship_starts_the_new_one_and_counts(moved_clock):
    # given a worker transferred once, sponsored since STARTED
    old = SponsorshipFactory(started_at=STARTED, worker__transfer_count=1)
    new_sponsor = PersonFactory()
    moved_clock(NOW)

    # when
    started = sponsorship_transfer(worker=old.worker, new_sponsor=new_sponsor)

    # then
    old.refresh_from_db()
    assert (old.started_at, old.ended_at) == (STARTED, NOW)
    assert (started.sponsor, started.started_at, started.ended_at) == (new_sponsor, NOW, None)
    assert sponsor_current_of(worker=old.worker) == new_sponsor
    assert old.worker.transfer_count == 2


def test_a_worker_without_a_sponsor_cannot_be_transferred():
    worker = PersonFactory(resident=True)

    with pytest.raises(Conflict) as exc:
        sponsorship_transfer(worker=worker, new_sponsor=PersonFactory())

    assert exc.value.code == "worker_has_no_sponsor"
    assert Sponsorship.objects.count() == 0


@pytest.mark.parametrize("who", ["current_sponsor", "worker"])
def test_the_new_sponsor_must_be_someone_new(who):
    current = SponsorshipFactory()
    new_sponsor = current.sponsor if who == "current_sponsor" else current.worker

    with pytest.raises(Conflict) as exc:
        sponsorship_transfer(worker=current.worker, new_sponsor=new_sponsor)

    assert exc.value.code == "sponsor_unchanged"
    current.refresh_from_db()
    assert current.ended_at is None
    assert Sponsorship.objects.count() == 1
    current.worker.refresh_from_db()
    assert current.worker.transfer_count == 0
