"""The hosted page's card rules, as unit tests."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox_gateway.cards import card_read, luhn_is_valid
from sandbox_gateway.constants import CardBehaviour

TODAY = dt.date(2030, 3, 10)


def form(**overrides: str) -> dict[str, str]:
    return {
        "cardholder": "Noura",
        "card_number": "4111 1111 1111 1111",
        "expiry": "12/31",
        "cvv": "123",
        **overrides,
    }


@pytest.mark.parametrize(
    ("number", "behaviour"),
    [
        ("4111 1111 1111 1111", CardBehaviour.APPROVE),
        ("4000 0000 0000 0002", CardBehaviour.DECLINE),
        ("4000 0000 0000 3220", CardBehaviour.CHALLENGE),
        ("4000 0000 0000 0119", CardBehaviour.NO_ANSWER),
        ("5555 5555 5555 4444", CardBehaviour.DECLINE),
        ("4000-0000-0000-3220", CardBehaviour.CHALLENGE),
        ("  ٤٠٠٠ ٠٠٠٠ ٠٠٠٠ ٠١١٩ ", CardBehaviour.NO_ANSWER),
        ("۴۱۱۱۱۱۱۱۱۱۱۱۱۱۱۱", CardBehaviour.APPROVE),
    ],
)
def test_each_card_is_read_to_its_last_four_digits_and_behaviour(number, behaviour):
    card, errors = card_read(form(card_number=number), today=TODAY)

    assert errors == {}
    assert card is not None
    assert card.behaviour == behaviour
    assert card.last4 == number.replace(" ", "").replace("-", "")[-4:].translate(
        str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
    )
    assert not hasattr(card, "number")


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("", "error_card_number_required"),
        ("4111 1111 111", "error_card_number_format"),  # 11 digits
        ("4" + "0" * 18 + "0", "error_card_number_format"),  # 20 digits
        ("4111 1111 1111 111a", "error_card_number_format"),
        ("4111 1111 1111 1112", "error_card_number_luhn"),
    ],
)
def test_a_card_number_out_of_the_rules_is_refused(number, error):
    card, errors = card_read(form(card_number=number), today=TODAY)

    assert card is None
    assert errors == {"card_number": error}


@pytest.mark.parametrize("number", ["4000 0000 0002", "6011 0009 9013 9424 009"])
def test_twelve_and_nineteen_digits_pass_when_their_check_digit_does(number):
    digits = number.replace(" ", "")
    assert luhn_is_valid(digits)

    card, errors = card_read(form(card_number=number), today=TODAY)

    assert errors == {}
    assert card is not None


@pytest.mark.parametrize(
    ("expiry", "error"),
    [
        ("", "error_expiry_required"),
        ("1231", "error_expiry_format"),
        ("00/31", "error_expiry_format"),
        ("13/31", "error_expiry_format"),
        ("12/2031", "error_expiry_format"),
        ("02/30", "error_expiry_past"),
        ("12/29", "error_expiry_past"),
    ],
)
def test_an_expiry_out_of_the_rules_is_refused(expiry, error):
    _, errors = card_read(form(expiry=expiry), today=TODAY)

    assert errors == {"expiry": error}


@pytest.mark.parametrize("expiry", ["03/30", "3/30", " 04 / 30 ", "١٢/٣١"])
def test_an_expiry_from_this_month_on_is_accepted(expiry):
    _, errors = card_read(form(expiry=expiry), today=TODAY)

    assert errors == {}


@pytest.mark.parametrize(
    ("cvv", "error"),
    [
        ("", "error_cvv_required"),
        ("12", "error_cvv_format"),
        ("12345", "error_cvv_format"),
        ("12a", "error_cvv_format"),
    ],
)
def test_a_cvv_out_of_the_rules_is_refused(cvv, error):
    _, errors = card_read(form(cvv=cvv), today=TODAY)

    assert errors == {"cvv": error}


@pytest.mark.parametrize(
    ("name", "error"),
    [("  ", "error_cardholder_required"), ("x" * 101, "error_cardholder_too_long")],
)
def test_a_cardholder_name_out_of_the_rules_is_refused(name, error):
    _, errors = card_read(form(cardholder=name), today=TODAY)

    assert errors == {"cardholder": error}


def test_every_mistake_is_reported_at_once():
    _, errors = card_read({}, today=TODAY)

    assert set(errors) == {"cardholder", "card_number", "expiry", "cvv"}


@given(st.text(alphabet="0123456789", min_size=11, max_size=18))
def test_exactly_one_check_digit_completes_any_number(body):
    completions = [digit for digit in "0123456789" if luhn_is_valid(body + digit)]

    assert len(completions) == 1
