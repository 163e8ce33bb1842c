import pytest

from absher.accounts.constants import PartnerKind, StaffRole
from absher.accounts.models import Authority, Partner, StaffMember, User
from absher.accounts.services.partners import partner_create
from absher.accounts.services.staff import office_create, staff_create, staff_set_active
from absher.core.errors import Conflict

pytestmark = pytest.mark.django_db


def _admin(username: str) -> User:
    actor = User.objects.create(username=f"{username}-actor")
    return staff_create(
        actor=actor,
        username=username,
        password="Strong2030Pass",
        mobile="0500000001",
        role=StaffRole.ADMINISTRATOR,
    ).user


def test_an_administrator_cannot_deactivate_themselves():
    admin = _admin("admin.one")
    _admin("admin.two")

    with pytest.raises(Conflict) as refusal:
        staff_set_active(actor=admin, member=admin.staff, is_active=False)

    assert refusal.value.code == "cannot_deactivate_self"
    assert User.objects.get(pk=admin.pk).is_active


def test_the_last_active_administrator_cannot_be_deactivated():
    admin = _admin("admin.one")
    other = _admin("admin.two")
    staff_set_active(actor=admin, member=other.staff, is_active=False)
    outsider = User.objects.create(username="root-like")

    with pytest.raises(Conflict) as refusal:
        staff_set_active(actor=outsider, member=admin.staff, is_active=False)

    assert refusal.value.code == "last_administrator"
    assert User.objects.get(pk=admin.pk).is_active
    assert not User.objects.get(pk=other.pk).is_active


def test_duplicate_office_code_is_a_conflict_not_an_error():
    actor = User.objects.create(username="creator")
    office_create(actor=actor, code="olaya", name_ar="العليا", name_en="Olaya")

    with pytest.raises(Conflict) as refusal:
        office_create(actor=actor, code="olaya", name_ar="العليا", name_en="Olaya")

    assert refusal.value.code == "office_exists"


def test_a_bank_partner_never_keeps_an_authority():
    actor = User.objects.create(username="creator")
    authority = Authority.objects.create(code="court", name_ar="محكمة", name_en="Court")

    created = partner_create(
        actor=actor, code="bank-x", kind=PartnerKind.BANK, name="Bank X", authority=authority
    )

    assert Partner.objects.get(pk=created.partner.pk).authority is None
    assert StaffMember.objects.count() == 0
