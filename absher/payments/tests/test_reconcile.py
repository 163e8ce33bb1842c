"""Reconciliation (SPEC 6): per UTC day and channel, what banks notified against what was applied,
every mismatch listed; `reconcile_payments` exits non-zero when there is one, so a scheduler can
alert."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from absher.accounts.tests.support import T0
from absher.core import clock
from absher.core.errors import ApplicationError
from absher.payments.models import BankNotification, Payment
from absher.payments.selectors import reconciliation_for
from absher.payments.services import BankPayment, bill_pay_from_bank
from absher.payments.tests.helpers import issue

pytestmark = pytest.mark.django_db

DAY = T0.date()


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


def _notify(bill, *, reference: str = "TX-1", amount: int | None = None, number: str = ""):
    try:
        return bill_pay_from_bank(
            partner_code="test-bank",
            payment=BankPayment(
                sadad_number=number or bill.sadad_number,
                amount_halalas=bill.amount_halalas if amount is None else amount,
                bank_code="RJHI",
                bank_reference=reference,
                paid_at=clock.now(),
            ),
        ).result
    except ApplicationError as refusal:
        return refusal.code


def _reconcile(*args: str) -> tuple[str, str]:
    out = StringIO()
    try:
        call_command("reconcile_payments", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), ""


def test_a_day_without_mismatches(person):
    first = issue(person)
    second = issue(person, amount=65000, service_code="iqama_renewal")
    assert _notify(first, reference="TX-1") == "applied"
    assert _notify(first, reference="TX-1") == "duplicate"
    assert _notify(second, reference="TX-2") == "applied"

    output, error = _reconcile("--date", "2026-03-01")

    assert error == ""
    assert output.splitlines() == [
        "Reconciliation for 2026-03-01 (UTC)",
        "  sadad  received      3  applied      2  duplicate     1  rejected     0  "
        "payments      2  amount SAR 950.00",
        "  card   received      0  applied      0  duplicate     0  rejected     0  "
        "payments      0  amount SAR 0.00",
    ]


def test_rejected_notifications_are_listed_as_mismatches_and_the_command_fails(person):
    bill = issue(person)
    assert _notify(bill, reference="TX-1", amount=29999) == "amount_mismatch"
    assert _notify(bill, reference="TX-2", number="1000000000000") == "bill_not_found"
    assert _notify(bill, reference="TX-3") == "applied"

    output, error = _reconcile("--date", "2026-03-01")

    assert error == "2 mismatch(es)"
    assert output.splitlines() == [
        "Reconciliation for 2026-03-01 (UTC)",
        "  sadad  received      3  applied      1  duplicate     0  rejected     2  "
        "payments      1  amount SAR 300.00",
        "      rejected amount_mismatch: 1",
        "      rejected bill_not_found: 1",
        f"      mismatch: 2026-03-01T10:05:00+00:00 test-bank {bill.sadad_number} TX-1: "
        "amount_mismatch",
        "      mismatch: 2026-03-01T10:05:00+00:00 test-bank 1000000000000 TX-2: bill_not_found",
        "  card   received      0  applied      0  duplicate     0  rejected     0  "
        "payments      0  amount SAR 0.00",
    ]


def test_a_payment_without_its_applied_notification_is_a_mismatch(person):
    bill = issue(person)
    _notify(bill)
    BankNotification.objects.all().delete()
    payment = Payment.objects.get()

    output, error = _reconcile("--date", "2026-03-01")

    assert error == "1 mismatch(es)"
    assert (
        f"      mismatch: payment {payment.pk} of bill {bill.sadad_number} has no applied "
        "notification"
    ) in output.splitlines()


def test_the_exit_code_is_non_zero_with_a_mismatch(person):
    """`manage.py` exits with the CommandError's return code (run_from_argv is not called here:
    it closes the database connections the test runs in)."""
    bill = issue(person)
    _notify(bill, amount=1)

    with pytest.raises(CommandError) as failed:
        call_command("reconcile_payments", "--date", "2026-03-01", stdout=StringIO())
    call_command("reconcile_payments", "--date", "2026-02-28", stdout=StringIO())  # no error

    assert failed.value.returncode == 1


def test_only_the_days_notifications_count(person, moved_clock):
    bill = issue(person)
    moved_clock(dt.datetime(2026, 3, 1, 23, 59, 59, tzinfo=dt.UTC))
    _notify(bill, amount=1)
    moved_clock(dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC))
    _notify(bill)

    first, second = reconciliation_for(day=DAY)[0], reconciliation_for(day=dt.date(2026, 3, 2))[0]

    assert (first.received, first.rejected, first.applied, first.payments) == (1, 1, 0, 0)
    assert (second.received, second.rejected, second.applied, second.payments) == (1, 0, 1, 1)
    assert second.amount_applied_halalas == 30000


def test_the_default_day_is_yesterday(person, moved_clock):
    bill = issue(person)
    _notify(bill)
    moved_clock(T0 + dt.timedelta(days=1))

    output, error = _reconcile()

    assert output.splitlines()[0] == "Reconciliation for 2026-03-01 (UTC)"
    assert "applied      1" in output.splitlines()[1]
    assert error == ""


def test_a_malformed_date_is_refused():
    with pytest.raises(CommandError, match="--date must be YYYY-MM-DD"):
        call_command("reconcile_payments", "--date", "01/03/2026")


def test_card_reports_are_reconciled_with_card_payments(person, django_capture_on_commit_callbacks):
    from absher.accounts.constants import PartnerKind
    from absher.accounts.tests.support import make_partner
    from absher.payments import cards
    from absher.payments.models import CardCheckout

    make_partner("demo-gateway", PartnerKind.CARD_GATEWAY)
    paid = issue(person)
    closed = issue(person, amount=65000, service_code="iqama_renewal")
    for bill in (paid, closed):
        cards.card_checkout_start(
            person=person, sadad_number=bill.sadad_number, return_url="https://x/", language="ar"
        )
    checkouts = {c.bill_id: c for c in CardCheckout.objects.all()}
    assert _notify(closed, reference="TX-9") == "applied"  # paid at a bank meanwhile

    def report(bill, charge):
        return cards.card_webhook_apply(
            partner_code="demo-gateway",
            reference=checkouts[bill.pk].reference,
            outcome="paid",
            charge_id=charge,
            amount_halalas=bill.amount_halalas,
        ).result

    assert report(paid, "ch_1") == "applied"
    assert report(paid, "ch_1") == "duplicate"
    report(closed, "ch_2")  # charged after the bill closed: handed back (the gateway is down)

    sadad, card = reconciliation_for(day=DAY)

    assert (card.received, card.applied, card.duplicate, card.rejected) == (3, 1, 1, 1)
    assert (card.payments, card.amount_applied_halalas) == (1, paid.amount_halalas)
    assert card.rejections == {"charge_returned": 1}
    assert len(card.mismatches) == 2
    assert card.mismatches[0].endswith("ch_2: charge_returned")
    assert "is still to be handed back" in card.mismatches[1]
    assert (sadad.applied, sadad.payments) == (1, 1)
