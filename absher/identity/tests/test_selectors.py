"""Reads of the registry that other apps rely on."""

from __future__ import annotations

import datetime as dt

import pytest

from absher.core import clock
from absher.identity.selectors import (
    person_get_by_id_number,
    person_ids_by_id_number,
    person_matches,
    sponsor_current_of,
    sponsorship_current_of,
    sponsorships_of,
    workers_of,
)
from absher.identity.tests.factories import PersonFactory, SponsorshipFactory

pytestmark = pytest.mark.django_db

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def test_a_person_is_found_by_id_number_in_any_digit_script():
    person = PersonFactory()
    PersonFactory()

    assert person_get_by_id_number(id_number=person.id_number) == person
    assert person_get_by_id_number(id_number=person.id_number.translate(ARABIC_INDIC)) == person
    assert person_get_by_id_number(id_number="1000000008") is None


def test_a_person_matches_only_with_their_own_date_of_birth():
    person = PersonFactory(date_of_birth=dt.date(1990, 5, 30))

    assert person_matches(id_number=person.id_number, date_of_birth=dt.date(1990, 5, 30)) == person
    assert person_matches(id_number=person.id_number, date_of_birth=dt.date(1990, 5, 31)) is None
    assert person_matches(id_number="1000000008", date_of_birth=dt.date(1990, 5, 30)) is None


def test_the_current_sponsor_is_the_one_whose_sponsorship_has_not_ended():
    # given a worker whose first sponsorship ended and a second one is current
    old = SponsorshipFactory(ended_at=clock.now())
    current = SponsorshipFactory(worker=old.worker)

    # then
    assert sponsor_current_of(worker=old.worker) == current.sponsor
    assert sponsorship_current_of(worker=old.worker) == current
    assert list(sponsorships_of(worker=old.worker)) == [current, old]


def test_a_person_without_a_current_sponsorship_has_no_sponsor():
    ended = SponsorshipFactory(ended_at=clock.now())

    assert sponsor_current_of(worker=ended.worker) is None
    assert sponsorship_current_of(worker=ended.worker) is None
    assert sponsor_current_of(worker=PersonFactory()) is None


def test_a_sponsors_workers_are_those_currently_sponsored(django_assert_num_queries):
    # given a sponsor with two current workers, one former worker, and someone else's worker
    sponsor = PersonFactory()
    first = SponsorshipFactory(sponsor=sponsor).worker
    second = SponsorshipFactory(sponsor=sponsor).worker
    SponsorshipFactory(sponsor=sponsor, ended_at=clock.now())
    SponsorshipFactory()

    # when / then
    with django_assert_num_queries(1):
        workers = list(workers_of(sponsor=sponsor))
    assert workers == sorted([first, second], key=lambda person: person.id_number)


def test_primary_keys_are_found_for_any_number_of_id_numbers():
    people = PersonFactory.create_batch(3)

    found = person_ids_by_id_number(
        id_numbers=[person.id_number for person in people] + ["1000000008"] * 1200
    )

    assert found == {person.id_number: person.pk for person in people}
