"""Identity rules of SPEC 3, as small pure functions: digits, ID numbers, dates of birth in either
calendar, Saudi mobile numbers. No database access here; the registry import and every interface
(portal forms, API schemas) call these, so one input is read the same way everywhere."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

import phonenumbers
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from hijridate import Gregorian, Hijri
from hijridate.ummalqura import GREGORIAN_RANGE, HIJRI_RANGE

from absher.core import clock
from absher.core.errors import InvalidInput
from absher.identity.constants import Calendar, IdType

# Arabic-Indic (U+0660…) and Persian / Extended Arabic-Indic (U+06F0…) digits.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
# Direction marks that copying a number out of right-to-left text drags along with it.
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"), None)
_BIDI_MARKS.update(dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"), None))

_ID_NUMBER = re.compile(r"[0-9]{10}")
_ID_TYPE_BY_FIRST_DIGIT = {"1": IdType.CITIZEN, "2": IdType.RESIDENT}

_ISO_DATE = re.compile(r"([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})")
_FIRST_GREGORIAN = dt.date(*GREGORIAN_RANGE[0])
_LAST_GREGORIAN = dt.date(*GREGORIAN_RANGE[1])

_MOBILE_CHARACTERS = re.compile(r"\(?\+?[0-9 ()\-.]+")
_SAUDI_REGION = "SA"
# Registry exports carry numbers already in E.164; checking those against phonenumbers' own pattern
# for Saudi mobiles skips the general parser (a large import spends most of its time there).
_SAUDI_E164 = re.compile(r"\+966([0-9]{9})")


def _saudi_mobile_national_pattern() -> re.Pattern[str]:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(_SAUDI_REGION)
    mobile = metadata.mobile if metadata else None
    pattern = mobile.national_number_pattern if mobile else None
    # Without the pattern nothing takes the shortcut and every number goes through the parser.
    return re.compile(pattern or r"(?!)")


_SAUDI_MOBILE_NATIONAL = _saudi_mobile_national_pattern()

_INVALID_ID = "invalid_id_number"
_INVALID_DATE = "invalid_date"
_INVALID_MOBILE = "invalid_mobile"


def _interpolate(message: Any, params: dict[str, Any]) -> str:
    # `%` on the message itself, not on str(message): a lazy plural picks its form from `params`.
    return str(message % params)


lazy_format = lazy(_interpolate, str)
"""`lazy_format(_("... %(x)s ..."), {"x": 1})`: interpolated only when shown, so an error raised
in a background job or a command still renders in the language of whoever finally reads it."""


def normalize_digits(text: str) -> str:
    """Western digits for Arabic-Indic (٠-٩) and Persian (۰-۹) ones, without direction marks or
    surrounding whitespace. Everything else is left as typed."""
    return text.translate(_DIGITS).translate(_BIDI_MARKS).strip()


# --- ID numbers (رقم الهوية / الإقامة) ---------------------------------------------------------


@dataclass(frozen=True)
class ParsedId:
    value: str
    id_type: IdType


def _luhn_total(digits: str) -> int:
    """SPEC 3: double the digits at even 0-based positions from the left, add the digits of each
    product, add the other digits."""
    total = 0
    for position, character in enumerate(digits):
        digit = int(character)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return total


def id_number_parse(text: str) -> ParsedId:
    """A national ID (citizen, starts with 1) or an iqama number (resident, starts with 2)."""
    value = normalize_digits(text)
    if not _ID_NUMBER.fullmatch(value):
        raise InvalidInput(_INVALID_ID, _("An ID number has exactly 10 digits."))
    id_type = _ID_TYPE_BY_FIRST_DIGIT.get(value[0])
    if id_type is None:
        raise InvalidInput(
            _INVALID_ID,
            _("An ID number starts with 1 (citizens) or 2 (residents)."),
        )
    if _luhn_total(value) % 10 != 0:
        raise InvalidInput(
            _INVALID_ID,
            _("This ID number is not valid: its check digit does not match. Check the number."),
        )
    return ParsedId(value=value, id_type=id_type)


def id_number_is_valid(text: str) -> bool:
    try:
        id_number_parse(text)
    except InvalidInput:
        return False
    return True


def id_number_with_check_digit(first_nine: str) -> str:
    """Completes nine digits into a valid ID number (factories and demo data). A programming aid,
    not an input path: anything but nine Western digits is a ValueError."""
    if not re.fullmatch(r"[0-9]{9}", first_nine):
        raise ValueError(f"expected nine digits, got {first_nine!r}")
    # The check digit sits at position 9 (odd: not doubled), so it only has to round the total up.
    check = -_luhn_total(first_nine) % 10
    return f"{first_nine}{check}"


# --- Dates (Gregorian and Umm al-Qura Hijri) ---------------------------------------------------


def _calendar_parse(calendar: str) -> Calendar:
    try:
        return Calendar(calendar)
    except ValueError:
        raise InvalidInput(
            "invalid_calendar", _('The calendar must be "hijri" or "gregorian".')
        ) from None


def _date_parts(value: str | dt.date) -> tuple[int, int, int]:
    if isinstance(value, dt.date):
        return value.year, value.month, value.day
    match = _ISO_DATE.fullmatch(normalize_digits(value))
    if match is None:
        raise InvalidInput(
            _INVALID_DATE, _("Write the date as year-month-day, for example 1990-05-31.")
        )
    return int(match[1]), int(match[3]), int(match[4])


def _hijri_to_gregorian(year: int, month: int, day: int) -> dt.date:
    if not 1 <= month <= 12:
        raise InvalidInput(_INVALID_DATE, _("A Hijri month is numbered from 1 to 12."))
    if not HIJRI_RANGE[0] <= (year, month, 1) <= HIJRI_RANGE[1]:
        raise InvalidInput(
            _INVALID_DATE,
            lazy_format(
                _("Hijri dates are supported from %(first)s to %(last)s."),
                {"first": _iso(*HIJRI_RANGE[0]), "last": _iso(*HIJRI_RANGE[1])},
            ),
        )
    days = Hijri(year, month, 1).month_length()
    if not 1 <= day <= days:
        raise InvalidInput(
            _INVALID_DATE,
            lazy_format(
                _("Month %(month)d of the Hijri year %(year)d has %(days)d days."),
                {"month": month, "year": year, "days": days},
            ),
        )
    return Hijri(year, month, day).to_gregorian()


def _gregorian(year: int, month: int, day: int) -> dt.date:
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise InvalidInput(
            _INVALID_DATE,
            lazy_format(
                _("%(date)s is not a date in the Gregorian calendar."),
                {"date": _iso(year, month, day)},
            ),
        ) from None
    if not _FIRST_GREGORIAN <= date <= _LAST_GREGORIAN:
        raise InvalidInput(
            _INVALID_DATE,
            lazy_format(
                _("Gregorian dates are supported from %(first)s to %(last)s."),
                {"first": _FIRST_GREGORIAN.isoformat(), "last": _LAST_GREGORIAN.isoformat()},
            ),
        )
    return date


def _iso(year: int, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}"


def date_parse(value: str | dt.date, calendar: str = Calendar.GREGORIAN) -> dt.date:
    """The Gregorian date written as `value` in `calendar` ("gregorian" or "hijri").

    Text is year-month-day with `-` or `/`, in any digit script. A `date` object's year, month and
    day are read in the given calendar too, so an API field typed as a date still works for Hijri.
    Only dates both calendars can show are accepted (Umm al-Qura tables: 1343-1500 AH)."""
    chosen = _calendar_parse(calendar)
    year, month, day = _date_parts(value)
    if chosen == Calendar.HIJRI:
        return _hijri_to_gregorian(year, month, day)
    return _gregorian(year, month, day)


def date_of_birth_parse(value: str | dt.date, calendar: str = Calendar.GREGORIAN) -> dt.date:
    """A date of birth in either calendar (citizens usually know theirs in Hijri), as the
    Gregorian date the registry stores; never later than today in Riyadh."""
    date = date_parse(value, calendar)
    if date > clock.today_local():
        raise InvalidInput(_INVALID_DATE, _("A date of birth cannot be in the future."))
    return date


def hijri_from_gregorian(date: dt.date) -> str:
    """ "1446-03-15" for 2024-09-18. Raises OverflowError outside the Umm al-Qura tables, which
    `date_parse` never lets into the registry."""
    return Gregorian.fromdate(date).to_hijri().isoformat()


def format_hijri(date: dt.date, language: str | None = None) -> str:
    """ "15 Rabi' al-Awwal 1446 AH" / "15 ربيع الأول 1446 هـ", in the active language by default."""
    hijri = Gregorian.fromdate(date).to_hijri()
    chosen = language or translation.get_language() or "ar"
    code: Literal["ar", "en"] = "ar" if chosen.startswith("ar") else "en"
    return f"{hijri.day} {hijri.month_name(code)} {hijri.year} {hijri.notation(code)}"


# --- Mobile numbers -------------------------------------------------------------------------------


def mobile_parse(text: str) -> str:
    """A Saudi mobile number in E.164 ("+966501234567"), from 05XXXXXXXX, 5XXXXXXXX,
    +9665XXXXXXXX or 009665XXXXXXXX, with spaces, dashes or brackets, in any digit script."""
    value = normalize_digits(text)
    canonical = _SAUDI_E164.fullmatch(value)
    if canonical and _SAUDI_MOBILE_NATIONAL.fullmatch(canonical[1]):
        return value
    # phonenumbers would read letters as a keypad ("05-FLOWERS"); a mobile is digits only.
    if not _MOBILE_CHARACTERS.fullmatch(value):
        raise InvalidInput(
            _INVALID_MOBILE, _("Enter a Saudi mobile number, for example 05XXXXXXXX.")
        )
    try:
        number = phonenumbers.parse(value, _SAUDI_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidInput(
            _INVALID_MOBILE, _("Enter a Saudi mobile number, for example 05XXXXXXXX.")
        ) from None
    if not (
        phonenumbers.is_valid_number(number)
        and phonenumbers.region_code_for_number(number) == _SAUDI_REGION
        and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    ):
        raise InvalidInput(
            _INVALID_MOBILE,
            _("This is not a Saudi mobile number. Enter a number that starts with 05."),
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mobile_masked(e164: str) -> str:
    """ "+9665•••••678": enough to recognise one's own number, not to learn someone else's."""
    if len(e164) <= 8:
        return "•" * len(e164)
    return f"{e164[:5]}{'•' * (len(e164) - 8)}{e164[-3:]}"
