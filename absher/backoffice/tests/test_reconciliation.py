"""Administrators reconcile one day's payments per channel: notifications received against
payments applied, rejections by reason, and every mismatch."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from absher.backoffice.tests.conftest import make_request
from absher.payments.services import PaymentRefused

PAGE = "/backoffice/reconciliation/"
EN = {"accept-language": "en"}
T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
UNKNOWN_BILL = "1000000000009"


def cells(html: str, row_id: str) -> list[str]:
    """The text of each cell of the table row `row_id`."""
    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert row is not None, f"no row {row_id}"
    return [cell.strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)]


def mismatches(html: str) -> list[str]:
    return re.findall(r'<li><code lang="en" dir="ltr">(.*?)</code></li>', html)


@pytest.fixture
def day_of_payments(moved_clock, pay):
    """On 24 November: one notification applied, the same again (duplicate), a wrong amount and
    an unknown bill (both rejected). On the 25th the second bill is paid correctly."""
    moved_clock(T0)
    first, second = make_request(), make_request()
    assert pay(first.sadad_number, "TX-1").result == "applied"
    assert pay(first.sadad_number, "TX-1").result == "duplicate"
    with pytest.raises(PaymentRefused):
        pay(second.sadad_number, "TX-2", amount=29999)
    with pytest.raises(PaymentRefused):
        pay(UNKNOWN_BILL, "TX-3")
    moved_clock(T0 + dt.timedelta(days=1))
    assert pay(second.sadad_number, "TX-4").result == "applied"
    return {"first": first, "second": second}


def test_the_page_shows_yesterdays_figures_per_channel(admin_client, day_of_payments):
    response = admin_client.get(PAGE, headers=EN)

    assert response.status_code == 200
    assert 'name="date" value="2026-11-24"' in response.text
    assert '<time datetime="2026-11-24">' in response.text
    assert cells(response.text, "channel-sadad") == [
        "SADAD (banks and ATMs)",
        "4",
        "1",
        "1",
        "2",
        "1",
        "SAR 300.00",
        "2",
    ]
    assert cells(response.text, "channel-card") == [
        "Card (mada, Visa, Mastercard)",
        "0",
        "0",
        "0",
        "0",
        "0",
        "SAR 0.00",
        "0",
    ]


def test_rejections_are_counted_by_reason_and_every_mismatch_is_listed(
    admin_client, day_of_payments
):
    second = day_of_payments["second"]

    response = admin_client.get(PAGE, {"date": "2026-11-24"}, headers=EN)

    assert re.findall(
        r'<th scope="row"><code dir="ltr">(\w+)</code></th><td>(\d+)</td>', response.text
    ) == [
        ("amount_mismatch", "1"),
        ("bill_not_found", "1"),
    ]
    assert mismatches(response.text) == [
        f"2026-11-24T09:00:00+00:00 test-bank {second.sadad_number} TX-2: amount_mismatch",
        f"2026-11-24T09:00:00+00:00 test-bank {UNKNOWN_BILL} TX-3: bill_not_found",
    ]
    assert "2 mismatches need checking" in response.text
    assert "No mismatch on this channel." in response.text  # the card channel


def test_a_day_counts_only_its_own_notifications(admin_client, day_of_payments):
    response = admin_client.get(PAGE, {"date": "2026-11-25"}, headers=EN)

    assert cells(response.text, "channel-sadad")[1:] == ["1", "1", "0", "0", "1", "SAR 300.00", "0"]
    assert mismatches(response.text) == []
    assert "No mismatch: every payment notification of this day matches" in response.text
    assert "This day is not over yet" in response.text
    assert 'rel="next"' not in response.text


def test_the_page_reads_in_arabic_by_default(admin_client, day_of_payments):
    response = admin_client.get(PAGE)

    assert '<html lang="ar" dir="rtl">' in response.text
    assert cells(response.text, "channel-sadad")[0] == "سداد (البنوك وأجهزة الصراف الآلي)"
    assert cells(response.text, "channel-sadad")[6] == "300.00 ريال"


def test_a_day_in_arabic_indic_digits_is_read(admin_client, day_of_payments):
    response = admin_client.get(PAGE, {"date": "٢٠٢٦-١١-٢٤"}, headers=EN)

    assert cells(response.text, "channel-sadad")[1] == "4"


def test_an_empty_date_means_yesterday(admin_client, day_of_payments):
    response = admin_client.get(PAGE, {"date": ""}, headers=EN)

    assert '<time datetime="2026-11-24">' in response.text


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2026-13-01", "Enter the day as year-month-day, for example 2026-11-25."),
        ("24/11/2026", "Enter the day as year-month-day, for example 2026-11-25."),
        ("yesterday", "Enter the day as year-month-day, for example 2026-11-25."),
        ("2026-11-24T00:00", "Enter the day as year-month-day, for example 2026-11-25."),
        ("2026-11-26", "The day cannot be in the future: choose today or an earlier day."),
        ("9999-12-31", "The day cannot be in the future: choose today or an earlier day."),
    ],
)
def test_a_bad_date_is_a_clear_error(admin_client, moved_clock, date, message):
    moved_clock(T0 + dt.timedelta(days=1))

    response = admin_client.get(PAGE, {"date": date}, headers=EN)

    assert response.status_code == 200
    assert f'<li><a href="#id_date">{message}</a></li>' in response.text
    assert f'<ul class="errorlist" id="id_date_error"><li>{message}</li></ul>' in response.text
    assert 'aria-invalid="true" aria-describedby="id_date_helptext id_date_error"' in response.text
    assert "<table" not in response.text
