"""The identity rules of SPEC 3 over many inputs: ID numbers, digits, dates in both calendars and
Saudi mobile numbers."""

from __future__ import annotations

import datetime as dt

import phonenumbers
import pytest
from django.utils import translation
from hijridate import Gregorian, Hijri
from hijridate.ummalqura import GREGORIAN_RANGE, HIJRI_RANGE
from hypothesis import example, given
from hypothesis import strategies as st

from absher.core import clock
from absher.core.errors import InvalidInput
from absher.identity.constants import Calendar, IdType
from absher.identity.rules import (
    ParsedId,
    date_of_birth_parse,
    date_parse,
    format_hijri,
    hijri_from_gregorian,
    id_number_is_valid,
    id_number_parse,
    id_number_with_check_digit,
    mobile_masked,
    mobile_parse,
    normalize_digits,
)

WESTERN = "0123456789"
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"

nine_digits = st.tuples(st.sampled_from("12"), st.text(WESTERN, min_size=8, max_size=8)).map(
    "".join
)
gregorian_in_range = st.dates(
    min_value=dt.date(*GREGORIAN_RANGE[0]), max_value=dt.date(*GREGORIAN_RANGE[1])
)


def message(exc: pytest.ExceptionInfo[InvalidInput]) -> str:
    with translation.override("en"):
        return str(exc.value.message)


def in_script(text: str, digits: str) -> str:
    return text.translate(str.maketrans(WESTERN, digits))


# --- digits ---------------------------------------------------------------------------------------


@given(
    number=st.text(WESTERN, min_size=1, max_size=20),
    digits=st.sampled_from([ARABIC_INDIC, PERSIAN]),
)
def test_normalize_digits_turns_arabic_indic_and_persian_digits_into_western_ones(number, digits):
    # given a number written in Arabic-Indic or Persian digits, with spaces around it
    written = f"  {in_script(number, digits)}\t"

    # when / then
    assert normalize_digits(written) == number


@given(text=st.text(alphabet=st.characters(blacklist_categories=["Nd", "Zs", "Cc", "Cf"])))
def test_normalize_digits_leaves_everything_but_digits_as_it_is(text):
    assert normalize_digits(text) == text.strip()


def test_normalize_digits_drops_direction_marks_copied_with_a_number():
    assert normalize_digits("\u200f١٢٣\u200e٤") == "1234"


# --- ID numbers -----------------------------------------------------------------------------------


@given(first_nine=nine_digits)
def test_nine_digits_starting_1_or_2_with_their_check_digit_form_a_valid_id(first_nine):
    # given
    id_number = id_number_with_check_digit(first_nine)

    # when
    parsed = id_number_parse(id_number)

    # then
    assert parsed.value == id_number
    assert parsed.id_type == (IdType.CITIZEN if first_nine[0] == "1" else IdType.RESIDENT)
    assert id_number_is_valid(id_number) is True


@given(first_nine=nine_digits, position=st.integers(0, 9), shift=st.integers(1, 9))
def test_changing_any_single_digit_of_a_valid_id_makes_it_invalid(first_nine, position, shift):
    # given a valid ID and the same ID with one digit changed
    valid = id_number_with_check_digit(first_nine)
    changed_digit = str((int(valid[position]) + shift) % 10)
    changed = valid[:position] + changed_digit + valid[position + 1 :]

    # then
    assert id_number_is_valid(changed) is False


def test_the_check_digit_follows_spec_3():
    # digits at even positions 1,1,3,5,7 doubled: 2,2,6,10→1,14→5 = 16; the others 0,2,4,6 = 12;
    # 16 + 12 = 28, so the check digit is 2 (total 30)
    assert id_number_with_check_digit("101234567") == "1012345672"
    assert id_number_parse("1012345672") == ParsedId(value="1012345672", id_type=IdType.CITIZEN)
    assert id_number_with_check_digit("200000000") == "2000000006"


@given(first_nine=nine_digits, digits=st.sampled_from([ARABIC_INDIC, PERSIAN]))
def test_an_id_number_may_be_written_in_any_digit_script(first_nine, digits):
    id_number = id_number_with_check_digit(first_nine)

    assert id_number_parse(f" {in_script(id_number, digits)} ").value == id_number


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "An ID number has exactly 10 digits."),
        ("101234567", "An ID number has exactly 10 digits."),
        ("10123456722", "An ID number has exactly 10 digits."),
        ("10123-5672", "An ID number has exactly 10 digits."),
        ("１０１２３４５６７２", "An ID number has exactly 10 digits."),  # fullwidth digits
        ("3012345671", "An ID number starts with 1 (citizens) or 2 (residents)."),
        ("0012345674", "An ID number starts with 1 (citizens) or 2 (residents)."),
        (
            "1012345674",
            "This ID number is not valid: its check digit does not match. Check the number.",
        ),
    ],
)
def test_a_malformed_id_number_is_refused_saying_what_is_wrong(text, reason):
    with pytest.raises(InvalidInput) as exc:
        id_number_parse(text)

    assert exc.value.code == "invalid_id_number"
    assert message(exc) == reason
    assert id_number_is_valid(text) is False


def test_the_id_number_messages_are_translated_into_arabic():
    with pytest.raises(InvalidInput) as exc:
        id_number_parse("123")

    with translation.override("ar"):
        assert str(exc.value.message) == "يتكون رقم الهوية من 10 أرقام بالضبط."


@pytest.mark.parametrize("first_nine", ["12345678", "1234567890", "12345678a", "١٢٣٤٥٦٧٨٩"])
def test_completing_an_id_needs_exactly_nine_western_digits(first_nine):
    with pytest.raises(ValueError, match="nine digits"):
        id_number_with_check_digit(first_nine)


# --- dates ----------------------------------------------------------------------------------------


@given(date=gregorian_in_range)
def test_a_gregorian_day_shown_in_hijri_reads_back_as_the_same_day(date):
    # given the Hijri date of a day the Umm al-Qura tables cover
    hijri = hijri_from_gregorian(date)

    # when it is read back as a Hijri date
    gregorian = date_parse(hijri, Calendar.HIJRI)

    # then it is the same day, and it shows as the same Hijri date
    assert gregorian == date
    assert hijri_from_gregorian(gregorian) == hijri


@st.composite
def hijri_dates(draw: st.DrawFn) -> tuple[int, int, int]:
    """Any day of the Umm al-Qura tables, drawn as Hijri year, month and day."""
    (first_year, _, _), (last_year, _, _) = HIJRI_RANGE
    year = draw(st.integers(first_year, last_year))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, Hijri(year, month, 1).month_length()))
    return year, month, day


@given(hijri=hijri_dates())
@example(hijri=(1343, 1, 1))
@example(hijri=(1500, 12, 30))
def test_a_hijri_date_read_and_shown_again_is_the_same_hijri_date(hijri):
    # given a Hijri date written as text
    year, month, day = hijri
    text = f"{year:04d}-{month:02d}-{day:02d}"

    # when it is stored as its Gregorian day and shown again
    gregorian = date_parse(text, Calendar.HIJRI)

    # then
    assert hijri_from_gregorian(gregorian) == text


@given(date=gregorian_in_range, digits=st.sampled_from([WESTERN, ARABIC_INDIC, PERSIAN]))
@example(date=dt.date(2024, 2, 29), digits=WESTERN)
def test_a_gregorian_date_is_read_in_any_digit_script_with_dashes_or_slashes(date, digits):
    for separator in "-/":
        text = in_script(date.isoformat().replace("-", separator), digits)
        assert date_parse(text, Calendar.GREGORIAN) == date


def test_a_hijri_date_of_birth_is_stored_as_its_gregorian_day():
    assert date_of_birth_parse("1410-11-06", "hijri") == dt.date(1990, 5, 30)
    assert date_of_birth_parse("١٤١٠/١١/٠٦", "hijri") == dt.date(1990, 5, 30)
    assert date_of_birth_parse("1410-11-6", "hijri") == dt.date(1990, 5, 30)


def test_a_date_object_is_read_in_the_given_calendar():
    assert date_of_birth_parse(dt.date(1990, 5, 30), "gregorian") == dt.date(1990, 5, 30)
    assert date_of_birth_parse(dt.date(1410, 11, 6), "hijri") == dt.date(1990, 5, 30)


def test_the_calendar_defaults_to_gregorian():
    assert date_of_birth_parse("1990-05-30") == dt.date(1990, 5, 30)


@pytest.mark.parametrize(
    ("text", "calendar", "reason"),
    [
        ("1445-13-01", "hijri", "A Hijri month is numbered from 1 to 12."),
        ("1445-00-10", "hijri", "A Hijri month is numbered from 1 to 12."),
        # Ramadan 1446 has 29 days in the Umm al-Qura calendar, Ramadan 1445 had 30.
        ("1446-09-30", "hijri", "Month 9 of the Hijri year 1446 has 29 days."),
        ("1445-09-31", "hijri", "Month 9 of the Hijri year 1445 has 30 days."),
        ("1446-01-00", "hijri", "Month 1 of the Hijri year 1446 has 29 days."),
        ("1342-12-29", "hijri", "Hijri dates are supported from 1343-01-01 to 1500-12-30."),
        ("1501-01-01", "hijri", "Hijri dates are supported from 1343-01-01 to 1500-12-30."),
        ("2023-02-29", "gregorian", "2023-02-29 is not a date in the Gregorian calendar."),
        ("1990-04-31", "gregorian", "1990-04-31 is not a date in the Gregorian calendar."),
        ("1990-13-01", "gregorian", "1990-13-01 is not a date in the Gregorian calendar."),
        (
            "1924-07-31",
            "gregorian",
            "Gregorian dates are supported from 1924-08-01 to 2077-11-16.",
        ),
        ("30-05-1990", "gregorian", "Write the date as year-month-day, for example 1990-05-31."),
        ("1990-05/30", "gregorian", "Write the date as year-month-day, for example 1990-05-31."),
        ("1990.05.30", "gregorian", "Write the date as year-month-day, for example 1990-05-31."),
        ("", "hijri", "Write the date as year-month-day, for example 1990-05-31."),
    ],
)
def test_an_impossible_date_is_refused_saying_why(text, calendar, reason):
    with pytest.raises(InvalidInput) as exc:
        date_of_birth_parse(text, calendar)

    assert exc.value.code == "invalid_date"
    assert message(exc) == reason


def test_a_hijri_month_of_29_days_really_has_29_days():
    # The case above relies on the library's table; check it says what the test assumes.
    assert Hijri(1446, 9, 1).month_length() == 29
    assert Hijri(1445, 9, 1).month_length() == 30
    assert date_parse("1446-09-29", Calendar.HIJRI) == dt.date(2025, 3, 29)
    assert date_parse("1445-09-30", Calendar.HIJRI) == dt.date(2024, 4, 9)


def test_a_date_of_birth_in_the_future_is_refused(moved_clock):
    # given it is 2026-11-26 in Riyadh (still the 25th in UTC)
    moved_clock(dt.datetime(2026, 11, 25, 22, 0, tzinfo=dt.UTC))

    # then today is accepted, in either calendar, and tomorrow is not
    assert date_of_birth_parse("2026-11-26", "gregorian") == dt.date(2026, 11, 26)
    today_hijri = hijri_from_gregorian(dt.date(2026, 11, 26))
    assert date_of_birth_parse(today_hijri, "hijri") == dt.date(2026, 11, 26)
    with pytest.raises(InvalidInput) as exc:
        date_of_birth_parse("2026-11-27", "gregorian")
    assert exc.value.code == "invalid_date"
    assert message(exc) == "A date of birth cannot be in the future."


def test_a_future_date_is_fine_where_it_is_not_a_date_of_birth():
    assert date_parse("2030-06-30") == dt.date(2030, 6, 30)


@pytest.mark.parametrize("calendar", ["julian", "", "Hijri", "islamic"])
def test_an_unknown_calendar_is_refused(calendar):
    with pytest.raises(InvalidInput) as exc:
        date_of_birth_parse("1990-05-30", calendar)

    assert exc.value.code == "invalid_calendar"
    assert message(exc) == 'The calendar must be "hijri" or "gregorian".'


def test_a_gregorian_date_shows_as_its_umm_al_qura_date():
    assert hijri_from_gregorian(dt.date(2024, 9, 18)) == "1446-03-15"
    assert format_hijri(dt.date(2024, 9, 18), "en") == "15 Rabi' al-Awwal 1446 AH"
    assert format_hijri(dt.date(2024, 9, 18), "ar") == "15 ربيع الأول 1446 هـ"
    with translation.override("en"):
        assert format_hijri(dt.date(2024, 9, 18)) == "15 Rabi' al-Awwal 1446 AH"


def test_the_library_agrees_with_the_converted_dates():
    assert Gregorian(1990, 5, 30).to_hijri().datetuple() == (1410, 11, 6)


# --- mobile numbers -------------------------------------------------------------------------------

saudi_mobile_national = st.tuples(
    st.sampled_from(["50", "53", "54", "55", "56", "58", "59"]),
    st.text(WESTERN, min_size=7, max_size=7),
).map("".join)


def written_forms(national: str) -> list[str]:
    local = f"0{national}"
    return [
        local,
        national,
        f"+966{national}",
        f"00966{national}",
        f"{local[:3]} {local[3:6]} {local[6:]}",
        f"{local[:3]}-{local[3:6]}-{local[6:]}",
        f"+966 {national[:2]} {national[2:5]} {national[5:]}",
        f"(+966) {national}",
        f"  {local}  ",
        in_script(local, ARABIC_INDIC),
        in_script(f"+966{national}", PERSIAN),
    ]


@given(national=saudi_mobile_national)
def test_every_accepted_form_of_a_saudi_mobile_gives_the_same_e164_number(national):
    assert {mobile_parse(form) for form in written_forms(national)} == {f"+966{national}"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Enter a Saudi mobile number, for example 05XXXXXXXX."),
        ("05-FLOWERS", "Enter a Saudi mobile number, for example 05XXXXXXXX."),
        ("0501234567x", "Enter a Saudi mobile number, for example 05XXXXXXXX."),
        ("050123456", "This is not a Saudi mobile number. Enter a number that starts with 05."),
        ("05012345678", "This is not a Saudi mobile number. Enter a number that starts with 05."),
        ("0520000000", "This is not a Saudi mobile number. Enter a number that starts with 05."),
        ("0112345678", "This is not a Saudi mobile number. Enter a number that starts with 05."),
        ("+966112345678", "This is not a Saudi mobile number. Enter a number that starts with 05."),
        ("+971501234567", "This is not a Saudi mobile number. Enter a number that starts with 05."),
        ("+966520000000", "This is not a Saudi mobile number. Enter a number that starts with 05."),
    ],
)
def test_anything_but_a_saudi_mobile_number_is_refused(text, reason):
    with pytest.raises(InvalidInput) as exc:
        mobile_parse(text)

    assert exc.value.code == "invalid_mobile"
    assert message(exc) == reason


def test_a_mobile_number_is_masked_for_display():
    assert mobile_masked("+966501234567") == "+9665•••••567"
    assert mobile_masked("+9665") == "•••••"


def test_clock_is_not_moved_by_the_tests_above():
    assert clock.now().tzinfo is not None


@given(
    national=st.one_of(
        st.text(WESTERN, min_size=9, max_size=9),
        st.text(WESTERN, min_size=8, max_size=8).map(lambda rest: f"5{rest}"),
    )
)
def test_a_number_already_in_e164_is_judged_as_phonenumbers_judges_it(national):
    # given what phonenumbers itself says of +966 followed by nine digits
    number = phonenumbers.parse(f"+966{national}")
    is_saudi_mobile = (
        phonenumbers.is_valid_number(number)
        and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    )

    # when the shortcut for numbers already in E.164 judges it
    try:
        accepted = mobile_parse(f"+966{national}") == f"+966{national}"
    except InvalidInput:
        accepted = False

    # then both agree
    assert accepted is is_saudi_mobile
