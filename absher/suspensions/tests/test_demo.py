"""The demo data places one suspension of each scope, through the service authorities use, once."""

import pytest

from absher.accounts.demo import AUTHORITIES
from absher.accounts.models import Authority
from absher.accounts.tests.support import make_person
from absher.suspensions.demo import DEMO_SUSPENSIONS, demo_suspensions_load
from absher.suspensions.models import Suspension


@pytest.mark.django_db
def test_the_demo_places_one_suspension_of_each_scope_once():
    for code, name_ar, name_en in AUTHORITIES:
        Authority.objects.create(code=code, name_ar=name_ar, name_en=name_en)
    people = {
        role: make_person(mobile=f"+96650000{n:04d}").id_number
        for n, (role, *_) in enumerate(DEMO_SUSPENSIONS)
    }

    first = demo_suspensions_load(people_by_role=people)
    second = demo_suspensions_load(people_by_role=people)

    assert (first, second) == (3, 0)
    assert sorted(Suspension.objects.values_list("scope_kind", "status")) == [
        ("all", "active"),
        ("department", "active"),
        ("service", "active"),
    ]
