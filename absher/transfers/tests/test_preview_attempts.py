"""The review's ID + date of birth check is capped per new sponsor's ID number: 10 wrong dates in a
day, whoever tries them; then every attempt with that ID is refused with 429 `too_many_attempts`
(the right date too) until the next day, in the service and through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from absher.accounts.constants import OtpPurpose
from absher.accounts.models import OtpChallenge
from absher.accounts.tests.support import T0
from absher.core.errors import ApplicationError
from absher.suspensions.tests.helpers import signed_in
from absher.transfers.services.sponsor import PREVIEW_MISMATCHES_PER_ID_PER_DAY
from absher.transfers.tests.helpers import citizen, preview, session_for, user_of, worker_of

pytestmark = pytest.mark.django_db

TRANSFERS = "/api/v1/transfers"


def _wrong_date(attempt: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=attempt)).isoformat()


def _code_of(call) -> str:
    try:
        call()
    except ApplicationError as refusal:
        return refusal.code
    return "ok"


def test_the_eleventh_date_of_birth_for_one_id_is_refused_even_when_right(
    sponsor_user, worker, new_sponsor, new_sponsor_user
):
    session = session_for(sponsor_user)
    answers = [
        _code_of(
            lambda n=n: preview(
                sponsor_user, worker, new_sponsor, session=session, date_of_birth=_wrong_date(n)
            )
        )
        for n in range(PREVIEW_MISMATCHES_PER_ID_PER_DAY)
    ]

    right = _code_of(lambda: preview(sponsor_user, worker, new_sponsor, session=session))

    assert PREVIEW_MISMATCHES_PER_ID_PER_DAY == 10
    assert answers == ["identity_mismatch"] * 10
    assert right == "too_many_attempts"
    assert not OtpChallenge.objects.filter(purpose=OtpPurpose.TRANSFER_CONFIRM).exists()


def test_the_cap_counts_per_id_whoever_tries_and_lifts_the_next_day(
    sponsor_user, worker, new_sponsor, new_sponsor_user, moved_clock
):
    other_sponsor = citizen()
    other_user = user_of(other_sponsor)
    other_worker = worker_of(other_sponsor)
    for n in range(5):
        _code_of(
            lambda n=n: preview(sponsor_user, worker, new_sponsor, date_of_birth=_wrong_date(n))
        )
    for n in range(5, 10):
        _code_of(
            lambda n=n: preview(other_user, other_worker, new_sponsor, date_of_birth=_wrong_date(n))
        )
    someone_else = citizen()
    user_of(someone_else)

    capped = _code_of(lambda: preview(sponsor_user, worker, new_sponsor))
    unaffected = _code_of(lambda: preview(sponsor_user, worker, someone_else))
    moved_clock(T0 + dt.timedelta(days=1))
    next_day = _code_of(lambda: preview(other_user, other_worker, new_sponsor))

    assert (capped, unaffected, next_day) == ("too_many_attempts", "ok", "ok")


def test_right_dates_do_not_count(sponsor_user, worker, new_sponsor, new_sponsor_user):
    session = session_for(sponsor_user)
    for n in range(PREVIEW_MISMATCHES_PER_ID_PER_DAY - 1):
        _code_of(
            lambda n=n: preview(
                sponsor_user, worker, new_sponsor, session=session, date_of_birth=_wrong_date(n)
            )
        )
    preview(sponsor_user, worker, new_sponsor, session=session)
    preview(sponsor_user, worker, new_sponsor, session=session)

    assert _code_of(lambda: preview(sponsor_user, worker, new_sponsor, session=session)) == "ok"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "en",
            "Too many attempts with this ID number and date of birth. Please try again tomorrow.",
        ),
        ("ar", "محاولات كثيرة جدًا برقم الهوية وتاريخ الميلاد هذين. يُرجى المحاولة مرة أخرى غدًا."),
    ],
)
def test_the_api_answers_429_too_many_attempts_in_both_languages(
    api, sponsor_user, worker, new_sponsor, new_sponsor_user, language, message
):
    client = signed_in(api, sponsor_user)
    token = str(session_for(sponsor_user).token)

    def attempt(date_of_birth: str):
        return client.post(
            f"{TRANSFERS}/preview",
            {
                "transfer_session": token,
                "worker_id": worker.pk,
                "new_sponsor_id_number": new_sponsor.id_number,
                "new_sponsor_date_of_birth": date_of_birth,
            },
            headers={"Accept-Language": language},
        )

    wrong = [attempt(_wrong_date(n)).status_code for n in range(10)]
    refused = attempt(new_sponsor.date_of_birth.isoformat())

    assert wrong == [422] * 10
    assert refused.status_code == 429, refused.content
    body = refused.json()
    assert body["code"] == "too_many_attempts"
    assert body["message"] == message
    assert 0 < body["details"]["retry_after_seconds"] <= 24 * 3600
