"""Reading the national registry's CSV export (SPEC 13, "Registry CSV"): the header, the encoding
and every rule that one file can check on its own. What needs the database (does a sponsor
exist?) and the writing live in `services.registry_import_csv`."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from absher.core.errors import ApplicationError, InvalidInput
from absher.identity.constants import SAUDI_NATIONALITY, Calendar, Gender, IdType, ResidencyStatus
from absher.identity.rules import (
    date_of_birth_parse,
    date_parse,
    id_number_parse,
    lazy_format,
    mobile_parse,
    normalize_digits,
)

COLUMNS = (
    "id_number",
    "name_ar",
    "name_en",
    "gender",
    "nationality",
    "mother_nationality",
    "date_of_birth",
    "mobile",
    "iqama_expiry",
    "residency_status",
    "criminal_case",
    "owes_sponsor",
    "sponsor_id_number",
    "traffic_fines_due",
    "exit_visa",
    "transfer_count",
)

# The Person fields one registry row sets, in the order RegistryRow.person_values() gives them.
PERSON_FIELDS = (
    "id_type",
    "name_ar",
    "name_en",
    "gender",
    "nationality",
    "mother_nationality",
    "date_of_birth",
    "mobile",
    "iqama_expiry",
    "residency_status",
    "has_criminal_case",
    "owes_sponsor",
    "traffic_fines_due_halalas",
    "has_exit_visa",
    "transfer_count",
)

NAME_MAX_LENGTH = 200
MAX_HALALAS = 2**63 - 1  # PositiveBigIntegerField
MAX_TRANSFER_COUNT = 32767  # PositiveSmallIntegerField

_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_FLAGS = {"0": False, "1": True}
_GENDERS = frozenset(Gender.values)
_RESIDENCY_STATUSES = frozenset(ResidencyStatus.values)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[RowError] = field(default_factory=list)
    sponsorships_started: int = 0
    sponsorships_ended: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": len(self.skipped),
            "sponsorships_started": self.sponsorships_started,
            "sponsorships_ended": self.sponsorships_ended,
        }


@dataclass(frozen=True, slots=True)
class RegistryRow:
    """One valid row: what the registry says about one person. Kept small, a file may hold 100k."""

    line: int
    id_number: str
    sponsor_id_number: str
    id_type: str
    name_ar: str
    name_en: str
    gender: str
    nationality: str
    mother_nationality: str
    date_of_birth: dt.date
    mobile: str
    iqama_expiry: dt.date | None
    residency_status: str
    has_criminal_case: bool
    owes_sponsor: bool
    traffic_fines_due_halalas: int
    has_exit_visa: bool
    transfer_count: int

    def person_values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in PERSON_FIELDS)


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that cannot be imported, with what is wrong in each column. The ID numbers it carries
    (when readable) still count for duplicate and sponsor checks."""

    line: int
    id_number: str
    sponsor_id_number: str
    problems: tuple[tuple[str, str | Promise], ...]

    def reason(self) -> str:
        return "; ".join(
            f"{column}: {message}" if column else str(message) for column, message in self.problems
        )


class LineIndex(Protocol):
    """Where each ID number of the file was first seen. A whole registry export does not fit in
    memory, so the import keeps this on disk (see `registry_import.ImportScratch`)."""

    def first_line(self, id_number: str, line: int) -> int | None:
        """The earlier line that has `id_number`, or None after recording that `line` has it."""


class MemoryLineIndex:
    def __init__(self) -> None:
        self.lines: dict[str, int] = {}

    def first_line(self, id_number: str, line: int) -> int | None:
        earlier = self.lines.setdefault(id_number, line)
        return None if earlier == line else earlier


def header_error(message: str | Promise, **extra: Any) -> ApplicationError:
    return InvalidInput("registry_header_invalid", message, extra)


def rows_read(
    stream: Iterable[bytes], seen: LineIndex | None = None
) -> Iterator[RegistryRow | BadRow]:
    """Every data row of the file (its lines, as bytes), in order, either valid or with its
    problems; `seen` remembers the ID numbers met so far (in memory unless given). Raises an
    ApplicationError for what makes the whole file unreadable: no header or a wrong one, bytes that
    are not UTF-8, a CSV structure the reader cannot follow."""
    reader = csv.reader(_decoded_lines(stream))
    header = _header_read(reader)
    index = {name: position for position, name in enumerate(header)}
    first_line_of = MemoryLineIndex() if seen is None else seen
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(
                "registry_file_unreadable",
                lazy_format(
                    _("Line %(line)d cannot be read as CSV (%(detail)s)."),
                    {"line": reader.line_num, "detail": str(exc)},
                ),
                {"line": reader.line_num},
            ) from None
        if not fields:
            continue  # a blank line
        if len(fields) != len(header):
            yield BadRow(
                line=start,
                id_number="",
                sponsor_id_number="",
                problems=(
                    (
                        "",
                        lazy_format(
                            _("Expected %(expected)d fields, found %(found)d."),
                            {"expected": len(header), "found": len(fields)},
                        ),
                    ),
                ),
            )
            continue
        yield _row_check(start, {name: fields[index[name]] for name in COLUMNS}, first_line_of)


def _decoded_lines(stream: Iterable[bytes]) -> Iterator[str]:
    # Decoding line by line (instead of through a TextIOWrapper) names the line a bad byte is on.
    for number, raw in enumerate(stream, start=1):
        chunk = (
            raw[len(codecs.BOM_UTF8) :] if number == 1 and raw.startswith(codecs.BOM_UTF8) else raw
        )
        try:
            yield chunk.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(
                "registry_file_not_utf8",
                lazy_format(
                    _("Line %(line)d is not UTF-8 text. Save the file as UTF-8 and try again."),
                    {"line": number},
                ),
                {"line": number},
            ) from None


def _header_read(reader: Iterator[list[str]]) -> list[str]:
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise header_error(_("The file is empty: its first line must name the columns.")) from None
    except csv.Error:
        header = []
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if missing or unknown or repeated:
        parts: list[str | Promise] = []
        if missing:
            parts.append(
                lazy_format(
                    _("The header lacks the columns: %(columns)s."),
                    {"columns": ", ".join(missing)},
                )
            )
        if unknown:
            parts.append(
                lazy_format(
                    _("The header has unknown columns: %(columns)s."),
                    {"columns": ", ".join(name or '""' for name in unknown)},
                )
            )
        if repeated:
            parts.append(
                lazy_format(
                    _("The header names these columns more than once: %(columns)s."),
                    {"columns": ", ".join(repeated)},
                )
            )
        raise header_error(
            lazy_format(
                _("Line 1 must name the registry's columns. %(problems)s"),
                {"problems": _Joined(parts)},
            ),
            missing=missing,
            unknown=unknown,
            repeated=repeated,
        )
    return header


class _Joined:
    """Messages joined with a space when rendered, each in the then active language."""

    def __init__(self, parts: Iterable[str | Promise]) -> None:
        self.parts = list(parts)

    def __str__(self) -> str:
        return " ".join(str(part) for part in self.parts)


class _Row:
    """Collects each column's problem instead of stopping at the first one."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.problems: list[tuple[str, str | Promise]] = []

    def text(self, column: str) -> str:
        return self.values[column].strip()

    def problem(self, column: str, message: str | Promise) -> None:
        self.problems.append((column, message))

    def parse(self, column: str, parse: Callable[[str], T], *, required: bool = True) -> T | None:
        text = self.text(column)
        if not text:
            if required:
                self.problem(column, _("This value is required."))
            return None
        try:
            return parse(text)
        except InvalidInput as exc:
            self.problem(column, exc.message)
            return None


def _row_check(line: int, values: dict[str, str], first_line_of: LineIndex) -> RegistryRow | BadRow:
    row = _Row(values)

    parsed_id = row.parse("id_number", id_number_parse)
    id_number = parsed_id.value if parsed_id else ""
    earlier = first_line_of.first_line(id_number, line) if id_number else None
    if earlier is not None:
        row.problem(
            "id_number",
            lazy_format(
                _("This ID number is already on line %(line)d of the file."),
                {"line": earlier},
            ),
        )
    is_citizen = parsed_id is not None and parsed_id.id_type == IdType.CITIZEN
    is_resident = parsed_id is not None and parsed_id.id_type == IdType.RESIDENT

    name_ar = row.parse("name_ar", _name)
    name_en = row.parse("name_en", _name)
    gender = row.parse("gender", _gender)
    nationality = row.parse("nationality", _country)
    if nationality is not None:
        if is_citizen and nationality != SAUDI_NATIONALITY:
            row.problem("nationality", _("A citizen's nationality is SA."))
        if is_resident and nationality == SAUDI_NATIONALITY:
            row.problem("nationality", _("A resident's nationality cannot be SA."))
    mother_nationality = row.parse("mother_nationality", _country, required=False)
    date_of_birth = row.parse("date_of_birth", _gregorian_date_of_birth)
    mobile = row.parse("mobile", mobile_parse)

    iqama_expiry = row.parse("iqama_expiry", _gregorian_date, required=is_resident)
    if is_citizen and iqama_expiry is not None:
        row.problem("iqama_expiry", _("Citizens have no iqama: leave this value empty."))
    residency_status = row.parse("residency_status", _residency_status, required=is_resident)

    has_criminal_case = row.parse("criminal_case", _flag)
    owes_sponsor = row.parse("owes_sponsor", _flag)
    has_exit_visa = row.parse("exit_visa", _flag, required=False)
    fines = row.parse("traffic_fines_due", _halalas, required=False)
    transfer_count = row.parse("transfer_count", _transfer_count, required=False)

    parsed_sponsor = row.parse("sponsor_id_number", id_number_parse, required=False)
    sponsor_id_number = parsed_sponsor.value if parsed_sponsor else ""
    if sponsor_id_number and sponsor_id_number == id_number:
        row.problem("sponsor_id_number", _("A person cannot be their own sponsor."))
    if sponsor_id_number and is_citizen:
        row.problem("sponsor_id_number", _("Citizens have no sponsor: leave this value empty."))

    if row.problems:
        return BadRow(
            line=line,
            id_number=id_number,
            sponsor_id_number=sponsor_id_number,
            problems=tuple(row.problems),
        )
    # A row without problems has every required value; the asserts only tell the type checker.
    assert parsed_id is not None
    assert name_ar is not None
    assert name_en is not None
    assert gender is not None
    assert nationality is not None
    assert date_of_birth is not None
    assert mobile is not None
    assert has_criminal_case is not None
    assert owes_sponsor is not None
    return RegistryRow(
        line=line,
        id_number=id_number,
        sponsor_id_number=sponsor_id_number,
        id_type=parsed_id.id_type.value,
        name_ar=name_ar,
        name_en=name_en,
        gender=gender,
        nationality=nationality,
        mother_nationality=mother_nationality or "",
        date_of_birth=date_of_birth,
        mobile=mobile,
        iqama_expiry=iqama_expiry,
        residency_status=residency_status or ResidencyStatus.VALID.value,
        has_criminal_case=has_criminal_case,
        owes_sponsor=owes_sponsor,
        traffic_fines_due_halalas=fines or 0,
        has_exit_visa=bool(has_exit_visa),
        transfer_count=transfer_count or 0,
    )


def _name(text: str) -> str:
    if len(text) > NAME_MAX_LENGTH:
        raise InvalidInput(
            "invalid_name",
            lazy_format(_("A name has at most %(max)d characters."), {"max": NAME_MAX_LENGTH}),
        )
    return text


def _gender(text: str) -> str:
    if text not in _GENDERS:
        raise InvalidInput("invalid_gender", _("Gender is M (male) or F (female)."))
    return text


def _country(text: str) -> str:
    if not _COUNTRY_CODE.fullmatch(text):
        raise InvalidInput(
            "invalid_country",
            _("A nationality is a country code of two capital letters (ISO 3166), such as SA."),
        )
    return text


def _gregorian_date_of_birth(text: str) -> dt.date:
    return date_of_birth_parse(text, Calendar.GREGORIAN)


def _gregorian_date(text: str) -> dt.date:
    return date_parse(text, Calendar.GREGORIAN)


def _residency_status(text: str) -> str:
    if text not in _RESIDENCY_STATUSES:
        raise InvalidInput(
            "invalid_residency_status",
            _("The residency status is valid, expired or absent."),
        )
    return text


def _flag(text: str) -> bool:
    value = _FLAGS.get(normalize_digits(text))
    if value is None:
        raise InvalidInput("invalid_flag", _("This value is 0 (no) or 1 (yes)."))
    return value


def _whole_number(text: str, maximum: int) -> int:
    digits = normalize_digits(text)
    if not _WHOLE_NUMBER.fullmatch(digits):
        raise InvalidInput(
            "invalid_number", _("This value is a whole number, 0 or more, without separators.")
        )
    number = int(digits)
    if number > maximum:
        raise InvalidInput(
            "invalid_number",
            lazy_format(_("This value is at most %(max)d."), {"max": maximum}),
        )
    return number


def _halalas(text: str) -> int:
    return _whole_number(text, MAX_HALALAS)


def _transfer_count(text: str) -> int:
    return _whole_number(text, MAX_TRANSFER_COUNT)
