"""factory_boy factories of registry people and sponsorships, for every app's tests.

`PersonFactory()` is a citizen; `PersonFactory(resident=True)` a resident with a valid iqama;
`SponsorshipFactory()` a current sponsorship of a new resident worker by a new citizen sponsor.
ID numbers are valid (Luhn) and unique, with a 9 as second digit: the demo registry uses none of
those, so factories and demo people never collide."""

from __future__ import annotations

import datetime as dt

import factory

from absher.core import clock
from absher.identity.constants import SAUDI_NATIONALITY, Gender, IdType, ResidencyStatus
from absher.identity.models import Person, Sponsorship
from absher.identity.rules import id_number_with_check_digit

FIRST_DIGIT = {IdType.CITIZEN: "1", IdType.RESIDENT: "2"}
VALID_IQAMA_EXPIRY = dt.date(2030, 6, 30)


def factory_id_number(id_type: str, n: int) -> str:
    return id_number_with_check_digit(f"{FIRST_DIGIT[IdType(id_type)]}9{n % 10**7:07d}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    class Params:
        citizen = factory.Trait(
            id_type=IdType.CITIZEN,
            nationality=SAUDI_NATIONALITY,
            mother_nationality=SAUDI_NATIONALITY,
            iqama_expiry=None,
        )
        resident = factory.Trait(
            id_type=IdType.RESIDENT,
            nationality="IN",
            mother_nationality="IN",
            iqama_expiry=VALID_IQAMA_EXPIRY,
            name_ar="راجيش كومار",
            name_en="Rajesh Kumar",
        )

    id_type = IdType.CITIZEN
    id_number = factory.LazyAttributeSequence(
        lambda person, n: factory_id_number(person.id_type, n)
    )
    name_ar = "عبدالله محمد القحطاني"
    name_en = "Abdullah Mohammed Al-Qahtani"
    gender = Gender.MALE
    nationality = SAUDI_NATIONALITY
    mother_nationality = SAUDI_NATIONALITY
    date_of_birth = dt.date(1990, 5, 31)
    mobile = factory.Sequence(lambda n: f"+96650{n % 10**7:07d}")
    iqama_expiry = None
    residency_status = ResidencyStatus.VALID


class SponsorshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sponsorship

    worker = factory.SubFactory(PersonFactory, resident=True)
    sponsor = factory.SubFactory(PersonFactory, citizen=True)
    started_at = factory.LazyFunction(clock.now)
    ended_at = None
