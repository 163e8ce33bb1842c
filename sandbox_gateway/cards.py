"""The hosted page's card rules. The full card number and the CVV live only in the local variables
of `card_read`: what leaves it is the last four digits and how the simulated issuer treats the
card, never the number itself."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sandbox_gateway.constants import CARDHOLDER_MAX_LENGTH, TEST_CARDS, CardBehaviour

# Arabic-Indic and Persian digits are typed on Arabic keyboards; they mean the Western digits.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_NUMBER_SEPARATORS = re.compile(r"[\s\u00a0-]+")
_CARD_NUMBER = re.compile(r"[0-9]{12,19}")
_EXPIRY = re.compile(r"([0-9]{1,2})\s*/\s*([0-9]{2})")
_CVV = re.compile(r"[0-9]{3,4}")


def digits_western(value: str) -> str:
    return value.translate(_DIGITS)


def luhn_is_valid(number: str) -> bool:
    total = 0
    for position, character in enumerate(reversed(number)):
        digit = int(character)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


@dataclass(frozen=True)
class CardRead:
    """What the gateway keeps of a submitted card."""

    last4: str
    behaviour: CardBehaviour


def card_read(data: Mapping[str, str], *, today: dt.date) -> tuple[CardRead | None, dict[str, str]]:
    """The card from the hosted page's form, or the error key (text.py) of each field at fault."""
    errors: dict[str, str] = {}

    name = " ".join(data.get("cardholder", "").split())
    if not name:
        errors["cardholder"] = "error_cardholder_required"
    elif len(name) > CARDHOLDER_MAX_LENGTH:
        errors["cardholder"] = "error_cardholder_too_long"

    number = _NUMBER_SEPARATORS.sub("", digits_western(data.get("card_number", "")))
    if not number:
        errors["card_number"] = "error_card_number_required"
    elif not _CARD_NUMBER.fullmatch(number):
        errors["card_number"] = "error_card_number_format"
    elif not luhn_is_valid(number):
        errors["card_number"] = "error_card_number_luhn"

    expiry = digits_western(data.get("expiry", "")).strip()
    match = _EXPIRY.fullmatch(expiry)
    if not expiry:
        errors["expiry"] = "error_expiry_required"
    elif match is None or not 1 <= int(match.group(1)) <= 12:
        errors["expiry"] = "error_expiry_format"
    elif (2000 + int(match.group(2)), int(match.group(1))) < (today.year, today.month):
        errors["expiry"] = "error_expiry_past"

    cvv = digits_western(data.get("cvv", "")).strip()
    if not cvv:
        errors["cvv"] = "error_cvv_required"
    elif not _CVV.fullmatch(cvv):
        errors["cvv"] = "error_cvv_format"

    if errors:
        return None, errors
    return CardRead(last4=number[-4:], behaviour=TEST_CARDS.get(number, CardBehaviour.DECLINE)), {}


def one_time_code_read(data: Mapping[str, str]) -> str:
    return digits_western(data.get("code", "")).strip()
