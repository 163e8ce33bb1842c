"""The parties of a transfer: a citizen sponsor with one clean worker, and an eligible citizen new
sponsor, each with an activated account; the clock stands at T0 unless a test moves it."""

from __future__ import annotations

import pytest

from absher.accounts.tests.support import T0
from absher.transfers.tests.helpers import citizen, user_of, worker_of


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def sponsor(db):
    return citizen(name_ar="عبدالله محمد القحطاني", name_en="Abdullah Mohammed Al-Qahtani")


@pytest.fixture
def sponsor_user(sponsor):
    return user_of(sponsor)


@pytest.fixture
def worker(sponsor):
    return worker_of(sponsor)


@pytest.fixture
def new_sponsor(db):
    return citizen(name_ar="فيصل عبدالعزيز الدوسري", name_en="Faisal Abdulaziz Al-Dossary")


@pytest.fixture
def new_sponsor_user(new_sponsor):
    return user_of(new_sponsor)
