import pytest
from django.core.management import call_command

from absher.accounts.models import Partner, StaffMember, User
from absher.identity.demo import DEMO_PEOPLE
from absher.identity.models import Person
from absher.payments.models import Bill

pytestmark = pytest.mark.django_db


def test_load_demo_fills_the_platform_and_is_idempotent(capsys):
    call_command("load_demo")
    first = capsys.readouterr().out
    counts = (
        Person.objects.count(),
        User.objects.count(),
        Partner.objects.count(),
        Bill.objects.count(),
    )

    call_command("load_demo", "--quiet")

    assert (
        Person.objects.count(),
        User.objects.count(),
        Partner.objects.count(),
        Bill.objects.count(),
    ) == counts
    assert sorted(Bill.objects.values_list("service__code", "status")) == [
        ("driving_licence_renewal", "unpaid"),
        ("passport_renewal", "unpaid"),
    ]
    assert Person.objects.count() == len(DEMO_PEOPLE) >= 30
    assert sorted(Partner.objects.values_list("code", flat=True)) == [
        "demo-bank",
        "demo-court",
        "demo-gateway",
        "demo-traffic",
    ]
    assert Partner.objects.get(code="demo-bank").secret == "demo-bank-secret"
    assert sorted(StaffMember.objects.values_list("role", flat=True).distinct()) == [
        "administrator",
        "authority_clerk",
        "call_centre_agent",
        "officer",
    ]
    assert "abdullah" in first
    assert "Riyadh2030Demo" in first
    assert "demo-bank" in first


def test_demo_accounts_sign_in_with_the_printed_password():
    call_command("load_demo", "--quiet")

    user = User.objects.get(username="abdullah")

    assert user.check_password("Riyadh2030Demo")
    assert user.is_activated


def test_load_demo_refuses_outside_development(settings):
    settings.DEV_ENDPOINTS = False

    with pytest.raises(Exception, match="development"):
        call_command("load_demo", "--quiet")
