"""The new sponsor's page refuses an ID number after 10 wrong dates of birth in a day: 429 with
the reason on the form, in Arabic and in English, and no code is sent."""

from __future__ import annotations

import pytest

from absher.accounts.constants import OtpPurpose
from absher.accounts.models import OtpChallenge
from absher.portal.tests.conftest import T0, last_code, summary_errors
from absher.transfers.tests.helpers import citizen, user_of, worker_of

pytestmark = pytest.mark.django_db

START = "/transfers/start/"
START_VERIFY = "/transfers/start/verify/"
SPONSOR = "/transfers/new/sponsor/"


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


def test_the_eleventh_attempt_for_one_id_is_refused_on_the_form(browser):
    sponsor, new_sponsor = citizen(), citizen()
    sponsor_user = user_of(sponsor)
    user_of(new_sponsor, transfer_service=False)
    worker = worker_of(sponsor)
    browser.sign_in_as(sponsor_user)
    browser.post(START)
    browser.post(START_VERIFY, {"code": last_code(sponsor_user.mobile)})

    def attempt(date_of_birth: str, language: str = "ar"):
        browser.client.cookies["absher_language"] = language
        return browser.post(
            f"{SPONSOR}?worker={worker.pk}",
            {
                "id_number": new_sponsor.id_number,
                "date_of_birth": date_of_birth,
                "calendar": "gregorian",
            },
        )

    wrong = [summary_errors(attempt(f"1971-01-{n + 1:02d}").text) for n in range(10)]
    english = attempt(new_sponsor.date_of_birth.isoformat(), language="en")
    refused = attempt(new_sponsor.date_of_birth.isoformat())

    assert wrong == [["رقم الهوية وتاريخ الميلاد لا يطابقان سجلاتنا."]] * 10
    assert refused.status_code == 429
    assert summary_errors(refused.text) == [
        "محاولات كثيرة جدًا برقم الهوية وتاريخ الميلاد هذين. يُرجى المحاولة مرة أخرى غدًا."
    ]
    assert english.status_code == 429
    assert summary_errors(english.text) == [
        "Too many attempts with this ID number and date of birth. Please try again tomorrow."
    ]
    assert not OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_CONFIRM).exists()
