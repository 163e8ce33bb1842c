"""The registry CSV import (SPEC 13, "Registry CSV"): what a good file does, every kind of bad row
with its line number, file-level errors, all-or-nothing, --skip-invalid and re-imports."""

from __future__ import annotations

import datetime as dt
import io
import tempfile

import pytest
from django.utils import translation

from absher.audit.models import AuditEvent
from absher.core.errors import ApplicationError
from absher.identity.models import Person, Sponsorship
from absher.identity.registry_csv import COLUMNS, ImportReport, RowError
from absher.identity.rules import id_number_with_check_digit
from absher.identity.services import registry_import_csv
from absher.identity.tests.factories import PersonFactory, SponsorshipFactory
from absher.identity.tests.registry_files import (
    OTHER_SPONSOR_ID,
    OTHER_WORKER_ID,
    SPONSOR_ID,
    WORKER_ID,
    citizen_row,
    registry_file,
    registry_text,
    resident_row,
)

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _english_and_a_fixed_day(moved_clock):
    moved_clock(NOON)
    with translation.override("en"):
        yield


def registry_state() -> tuple[list[tuple], list[tuple], int]:
    people = list(Person.objects.order_by("id_number").values_list())
    sponsorships = list(Sponsorship.objects.order_by("pk").values_list())
    return people, sponsorships, AuditEvent.objects.count()


def import_errors(stream: io.BytesIO) -> list[dict]:
    with pytest.raises(ApplicationError) as exc:
        registry_import_csv(stream=stream)
    assert exc.value.code == "registry_import_invalid"
    return exc.value.extra["errors"]


def current_sponsor_id_number(worker_id_number: str) -> str | None:
    sponsorship = Sponsorship.objects.filter(
        worker__id_number=worker_id_number, ended_at__isnull=True
    ).first()
    return sponsorship.sponsor.id_number if sponsorship else None


# --- a good file ----------------------------------------------------------------------------------


def test_a_valid_file_creates_each_person_and_the_current_sponsorships():
    # given a file with a citizen sponsor and a resident worker
    stream = registry_file(
        citizen_row(),
        resident_row(
            traffic_fines_due="15000", exit_visa="1", transfer_count="2", owes_sponsor="1"
        ),
    )

    # when it is imported
    report = registry_import_csv(stream=stream)

    # then both people exist with the file's values, and the worker is sponsored
    assert report == ImportReport(created=2, sponsorships_started=1)
    sponsor = Person.objects.get(id_number=SPONSOR_ID)
    worker = Person.objects.get(id_number=WORKER_ID)
    assert (sponsor.id_type, sponsor.name_en, sponsor.nationality) == (
        "citizen",
        "Abdullah Mohammed Al-Qahtani",
        "SA",
    )
    assert (sponsor.iqama_expiry, sponsor.residency_status) == (None, "valid")
    assert (worker.id_type, worker.name_ar, worker.gender, worker.mobile) == (
        "resident",
        "راجيش كومار",
        "M",
        "+966551000001",
    )
    assert (worker.date_of_birth, worker.iqama_expiry) == (
        dt.date(1991, 2, 14),
        dt.date(2030, 6, 30),
    )
    assert (worker.has_criminal_case, worker.owes_sponsor, worker.has_exit_visa) == (
        False,
        True,
        True,
    )
    assert (worker.traffic_fines_due_halalas, worker.transfer_count) == (15000, 2)
    sponsorship = Sponsorship.objects.get()
    assert (sponsorship.worker, sponsorship.sponsor) == (worker, sponsor)
    assert (sponsorship.started_at, sponsorship.ended_at) == (NOON, None)


def test_one_audit_event_records_the_import_and_its_counts():
    registry_import_csv(stream=registry_file(citizen_row(), resident_row()))

    event = AuditEvent.objects.get()
    assert (event.action, event.actor_type, event.actor_id, event.subject_type) == (
        "registry.imported",
        "system",
        "import_registry",
        "registry",
    )
    assert event.data == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "sponsorships_started": 1,
        "sponsorships_ended": 0,
    }


def test_empty_optional_values_take_their_defaults():
    # given rows leaving every optional value empty
    stream = registry_file(
        citizen_row(
            mother_nationality="",
            residency_status="",
            traffic_fines_due="",
            exit_visa="",
            transfer_count="",
        ),
        resident_row(sponsor_id_number="", traffic_fines_due="", exit_visa="", transfer_count=""),
    )

    # when
    registry_import_csv(stream=stream)

    # then
    citizen = Person.objects.get(id_number=SPONSOR_ID)
    assert (citizen.mother_nationality, citizen.residency_status, citizen.iqama_expiry) == (
        "",
        "valid",
        None,
    )
    resident = Person.objects.get(id_number=WORKER_ID)
    assert (
        resident.traffic_fines_due_halalas,
        resident.has_exit_visa,
        resident.transfer_count,
    ) == (0, False, 0)
    assert Sponsorship.objects.count() == 0


def test_numbers_may_be_written_in_arabic_indic_digits_and_values_are_trimmed():
    stream = registry_file(
        citizen_row(
            id_number=" " + SPONSOR_ID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
            mobile="٠٥٠ ١٠٠ ٠٠٠١",
            date_of_birth="١٩٧٨/٠٦/١٩",
            traffic_fines_due="٢٥٠٠٠٠",
            name_en="  Abdullah Mohammed Al-Qahtani ",
        )
    )

    registry_import_csv(stream=stream)

    person = Person.objects.get()
    assert (person.id_number, person.mobile, person.date_of_birth) == (
        SPONSOR_ID,
        "+966501000001",
        dt.date(1978, 6, 19),
    )
    assert (person.traffic_fines_due_halalas, person.name_en) == (
        250000,
        "Abdullah Mohammed Al-Qahtani",
    )


def test_a_sponsor_may_come_later_in_the_file_or_already_be_in_the_registry():
    # given a sponsor already registered, and a file whose first worker's sponsor comes after it
    registered = PersonFactory(citizen=True)
    stream = registry_file(
        resident_row(),
        resident_row(
            id_number=OTHER_WORKER_ID,
            mobile="+966551000002",
            sponsor_id_number=registered.id_number,
        ),
        citizen_row(),
    )

    # when
    report = registry_import_csv(stream=stream)

    # then
    assert (report.created, report.sponsorships_started) == (3, 2)
    assert current_sponsor_id_number(WORKER_ID) == SPONSOR_ID
    assert current_sponsor_id_number(OTHER_WORKER_ID) == registered.id_number


def test_a_resident_may_have_no_sponsor_and_may_sponsor_others():
    # given a resident child of a Saudi mother, without a sponsor, who sponsors a worker
    sponsor_id = id_number_with_check_digit("210000009")
    stream = registry_file(
        resident_row(
            id_number=sponsor_id,
            nationality="JO",
            mother_nationality="SA",
            mobile="+966551000009",
            sponsor_id_number="",
        ),
        resident_row(sponsor_id_number=sponsor_id),
    )

    registry_import_csv(stream=stream)

    assert current_sponsor_id_number(sponsor_id) is None
    assert current_sponsor_id_number(WORKER_ID) == sponsor_id


def test_a_header_only_file_imports_nobody():
    report = registry_import_csv(stream=registry_file())

    assert report == ImportReport()
    assert Person.objects.count() == 0


def test_the_columns_may_come_in_any_order_with_a_bom_and_spaces_around_their_names():
    # given a header in reverse order, with spaces, after a UTF-8 byte order mark
    columns = list(reversed(COLUMNS))
    text = registry_text(citizen_row(), columns=columns)
    header, body = text.split("\n", 1)
    padded = ",".join(f" {name} " for name in header.split(","))
    stream = io.BytesIO(b"\xef\xbb\xbf" + f"{padded}\r\n{body}".encode())

    # when / then
    assert registry_import_csv(stream=stream).created == 1
    assert Person.objects.get().name_en == "Abdullah Mohammed Al-Qahtani"


def test_blank_lines_are_ignored_and_still_counted_as_lines():
    text = registry_text(citizen_row(), resident_row(id_number="2"))
    header, first, second = text.strip().split("\n")
    stream = io.BytesIO(f"{header}\n\n{first}\n\n{second}\n\n".encode())

    assert import_errors(stream) == [
        {"line": 5, "reason": "id_number: An ID number has exactly 10 digits."}
    ]


# --- bad rows -------------------------------------------------------------------------------------

BAD_ROWS = [
    pytest.param(
        resident_row(id_number="2100000011"),
        "id_number: This ID number is not valid: its check digit does not match. Check the number.",
        id="id-check-digit",
    ),
    pytest.param(
        resident_row(id_number="210000001"),
        "id_number: An ID number has exactly 10 digits.",
        id="id-length",
    ),
    pytest.param(
        resident_row(id_number="3100000016"),
        "id_number: An ID number starts with 1 (citizens) or 2 (residents).",
        id="id-first-digit",
    ),
    pytest.param(resident_row(id_number=""), "id_number: This value is required.", id="id-missing"),
    pytest.param(resident_row(name_ar=""), "name_ar: This value is required.", id="name-missing"),
    pytest.param(
        resident_row(name_en="x" * 201),
        "name_en: A name has at most 200 characters.",
        id="name-too-long",
    ),
    pytest.param(
        resident_row(gender="X"), "gender: Gender is M (male) or F (female).", id="gender"
    ),
    pytest.param(
        resident_row(nationality="in"),
        "nationality: A nationality is a country code of two capital letters (ISO 3166), "
        "such as SA.",
        id="nationality-lower-case",
    ),
    pytest.param(
        resident_row(nationality="IND"),
        "nationality: A nationality is a country code of two capital letters (ISO 3166), "
        "such as SA.",
        id="nationality-three-letters",
    ),
    pytest.param(
        resident_row(mother_nationality="Saudi"),
        "mother_nationality: A nationality is a country code of two capital letters "
        "(ISO 3166), such as SA.",
        id="mother-nationality",
    ),
    pytest.param(
        citizen_row(id_number=OTHER_SPONSOR_ID, mobile="+966501000002", nationality="EG"),
        "nationality: A citizen's nationality is SA.",
        id="citizen-not-saudi",
    ),
    pytest.param(
        resident_row(nationality="SA"),
        "nationality: A resident's nationality cannot be SA.",
        id="resident-saudi",
    ),
    pytest.param(
        resident_row(date_of_birth="2023-02-29"),
        "date_of_birth: 2023-02-29 is not a date in the Gregorian calendar.",
        id="date-of-birth-impossible",
    ),
    pytest.param(
        resident_row(date_of_birth="19/05/1990"),
        "date_of_birth: Write the date as year-month-day, for example 1990-05-31.",
        id="date-of-birth-format",
    ),
    pytest.param(
        resident_row(date_of_birth="2026-11-27"),
        "date_of_birth: A date of birth cannot be in the future.",
        id="date-of-birth-future",
    ),
    pytest.param(
        resident_row(mobile="0112345678"),
        "mobile: This is not a Saudi mobile number. Enter a number that starts with 05.",
        id="mobile-landline",
    ),
    pytest.param(
        resident_row(mobile="phone"),
        "mobile: Enter a Saudi mobile number, for example 05XXXXXXXX.",
        id="mobile-text",
    ),
    pytest.param(
        resident_row(iqama_expiry=""),
        "iqama_expiry: This value is required.",
        id="resident-without-iqama",
    ),
    pytest.param(
        resident_row(iqama_expiry="2030-02-30"),
        "iqama_expiry: 2030-02-30 is not a date in the Gregorian calendar.",
        id="iqama-impossible-date",
    ),
    pytest.param(
        citizen_row(id_number=OTHER_SPONSOR_ID, mobile="+966501000002", iqama_expiry="2030-06-30"),
        "iqama_expiry: Citizens have no iqama: leave this value empty.",
        id="citizen-with-iqama",
    ),
    pytest.param(
        resident_row(residency_status="active"),
        "residency_status: The residency status is valid, expired or absent.",
        id="residency-status",
    ),
    pytest.param(
        resident_row(residency_status=""),
        "residency_status: This value is required.",
        id="resident-without-residency-status",
    ),
    pytest.param(
        resident_row(criminal_case="2"),
        "criminal_case: This value is 0 (no) or 1 (yes).",
        id="criminal-case-flag",
    ),
    pytest.param(
        resident_row(owes_sponsor=""),
        "owes_sponsor: This value is required.",
        id="owes-sponsor-missing",
    ),
    pytest.param(
        resident_row(exit_visa="yes"),
        "exit_visa: This value is 0 (no) or 1 (yes).",
        id="exit-visa-flag",
    ),
    pytest.param(
        resident_row(traffic_fines_due="-100"),
        "traffic_fines_due: This value is a whole number, 0 or more, without separators.",
        id="fines-negative",
    ),
    pytest.param(
        resident_row(traffic_fines_due="12.50"),
        "traffic_fines_due: This value is a whole number, 0 or more, without separators.",
        id="fines-not-whole",
    ),
    pytest.param(
        resident_row(traffic_fines_due="1,000"),
        "traffic_fines_due: This value is a whole number, 0 or more, without separators.",
        id="fines-separator",
    ),
    pytest.param(
        resident_row(traffic_fines_due=str(2**63)),
        "traffic_fines_due: This value is at most 9223372036854775807.",
        id="fines-too-large",
    ),
    pytest.param(
        resident_row(transfer_count="1.5"),
        "transfer_count: This value is a whole number, 0 or more, without separators.",
        id="transfer-count-not-whole",
    ),
    pytest.param(
        resident_row(transfer_count="40000"),
        "transfer_count: This value is at most 32767.",
        id="transfer-count-too-large",
    ),
    pytest.param(
        resident_row(sponsor_id_number="1100000012"),
        "sponsor_id_number: This ID number is not valid: its check digit does not match. "
        "Check the number.",
        id="sponsor-invalid-id",
    ),
    pytest.param(
        resident_row(sponsor_id_number=WORKER_ID),
        "sponsor_id_number: A person cannot be their own sponsor.",
        id="sponsor-self",
    ),
    pytest.param(
        citizen_row(
            id_number=OTHER_SPONSOR_ID, mobile="+966501000002", sponsor_id_number=SPONSOR_ID
        ),
        "sponsor_id_number: Citizens have no sponsor: leave this value empty.",
        id="citizen-with-sponsor",
    ),
    pytest.param(
        resident_row(sponsor_id_number=OTHER_SPONSOR_ID),
        "sponsor_id_number: No person with this ID number is in the file or in the registry.",
        id="sponsor-unknown",
    ),
]


@pytest.mark.parametrize(("bad_row", "reason"), BAD_ROWS)
def test_a_bad_row_is_reported_by_line_and_reason_and_nothing_is_imported(bad_row, reason):
    # given a valid sponsor on line 2 and a bad row on line 3
    stream = registry_file(citizen_row(), bad_row)

    # when / then
    assert import_errors(stream) == [{"line": 3, "reason": reason}]
    assert registry_state() == ([], [], 0)


def test_every_bad_row_is_reported_with_every_problem_in_it():
    # given bad rows on lines 3 and 5 (the second with three problems) around good ones
    stream = registry_file(
        citizen_row(),
        resident_row(gender="male"),
        resident_row(id_number=OTHER_WORKER_ID, mobile="+966551000002"),
        resident_row(
            id_number=id_number_with_check_digit("210000003"),
            mobile="0112345678",
            criminal_case="",
            sponsor_id_number=OTHER_SPONSOR_ID,
        ),
    )

    # when / then
    assert import_errors(stream) == [
        {"line": 3, "reason": "gender: Gender is M (male) or F (female)."},
        {
            "line": 5,
            "reason": "mobile: This is not a Saudi mobile number. Enter a number that starts "
            "with 05.; criminal_case: This value is required.; sponsor_id_number: No person "
            "with this ID number is in the file or in the registry.",
        },
    ]


def test_the_refusal_names_how_many_rows_are_invalid_in_english_and_arabic():
    stream = registry_file(citizen_row(gender="?"), resident_row(gender="?"))

    with pytest.raises(ApplicationError) as exc:
        registry_import_csv(stream=stream)

    assert str(exc.value.message) == "2 rows of the file are invalid; nothing was imported."
    with translation.override("ar"):
        assert str(exc.value.message) == "في الملف صفان غير صالحين؛ لم يُستورد شيء."
        assert exc.value.http_status == 422


def test_a_repeated_id_number_is_reported_on_the_later_line_naming_the_earlier():
    stream = registry_file(citizen_row(), resident_row(), resident_row(name_en="Rajesh K."))

    assert import_errors(stream) == [
        {"line": 4, "reason": "id_number: This ID number is already on line 3 of the file."}
    ]


def test_a_row_with_the_wrong_number_of_fields_is_reported():
    text = registry_text(citizen_row(), resident_row())
    header, first, second = text.strip().split("\n")
    stream = io.BytesIO(f"{header}\n{first},extra\n{second[: second.rindex(',')]}\n".encode())

    assert import_errors(stream) == [
        {"line": 2, "reason": "Expected 16 fields, found 17."},
        {"line": 3, "reason": "Expected 16 fields, found 15."},
    ]


def test_a_line_number_counts_the_lines_of_a_quoted_value_spanning_several():
    # given a name with a line break inside quotes on lines 2-3, and a bad row on line 4
    stream = registry_file(citizen_row(name_en="Abdullah\nAl-Qahtani"), resident_row(gender="?"))

    assert import_errors(stream) == [
        {"line": 4, "reason": "gender: Gender is M (male) or F (female)."}
    ]


def test_a_worker_of_a_bad_sponsor_row_is_not_reported_when_the_file_is_refused():
    # The operator fixes the sponsor's row; the worker's row is fine as it is.
    stream = registry_file(citizen_row(mobile="none"), resident_row())

    assert import_errors(stream) == [
        {"line": 2, "reason": "mobile: Enter a Saudi mobile number, for example 05XXXXXXXX."}
    ]


# --- file-level errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "reason", "missing", "unknown"),
    [
        pytest.param(
            ",".join(name for name in COLUMNS if name != "mobile"),
            "Line 1 must name the registry's columns. The header lacks the columns: mobile.",
            ["mobile"],
            [],
            id="missing",
        ),
        pytest.param(
            ",".join([*COLUMNS, "email"]),
            "Line 1 must name the registry's columns. The header has unknown columns: email.",
            [],
            ["email"],
            id="unknown",
        ),
        pytest.param(
            ",".join(COLUMNS).replace("gender", "sex"),
            "Line 1 must name the registry's columns. The header lacks the columns: gender. "
            "The header has unknown columns: sex.",
            ["gender"],
            ["sex"],
            id="renamed",
        ),
    ],
)
def test_a_wrong_header_is_refused_naming_the_columns(header, reason, missing, unknown):
    stream = io.BytesIO(f"{header}\n".encode())

    with pytest.raises(ApplicationError) as exc:
        registry_import_csv(stream=stream, skip_invalid=True)

    assert exc.value.code == "registry_header_invalid"
    assert str(exc.value.message) == reason
    assert (exc.value.extra["missing"], exc.value.extra["unknown"]) == (missing, unknown)


def test_a_column_named_twice_is_refused():
    stream = io.BytesIO((",".join([*COLUMNS, "gender"]) + "\n").encode())

    with pytest.raises(ApplicationError) as exc:
        registry_import_csv(stream=stream)

    assert exc.value.code == "registry_header_invalid"
    assert str(exc.value.message) == (
        "Line 1 must name the registry's columns. "
        "The header names these columns more than once: gender."
    )


def test_a_file_without_a_header_row_is_refused():
    # given the data rows of a valid file without their header line
    body = registry_text(citizen_row()).split("\n", 1)[1]

    with pytest.raises(ApplicationError) as exc:
        registry_import_csv(stream=io.BytesIO(body.encode()))

    assert exc.value.code == "registry_header_invalid"
    assert Person.objects.count() == 0


def test_an_empty_file_is_refused():
    with pytest.raises(ApplicationError) as exc:
        registry_import_csv(stream=io.BytesIO(b""))

    assert exc.value.code == "registry_header_invalid"
    assert str(exc.value.message) == "The file is empty: its first line must name the columns."


def test_bytes_that_are_not_utf8_are_refused_naming_their_line_even_when_skipping():
    # given a file whose third line was saved as Windows-1256 (Arabic) instead of UTF-8
    text = registry_text(citizen_row(), resident_row())
    header, first, second = text.strip().split("\n")
    stream = io.BytesIO(f"{header}\n{first}\n".encode() + second.encode("cp1256") + b"\n")

    # when / then
    with pytest.raises(ApplicationError) as exc:
        registry_import_csv(stream=stream, skip_invalid=True)
    assert exc.value.code == "registry_file_not_utf8"
    assert exc.value.extra == {"line": 3}
    assert str(exc.value.message) == (
        "Line 3 is not UTF-8 text. Save the file as UTF-8 and try again."
    )
    assert registry_state() == ([], [], 0)


def test_a_value_too_long_for_the_csv_reader_is_refused_naming_its_line():
    # given a value on line 3 beyond what the CSV reader accepts (128 KiB)
    stream = registry_file(citizen_row(), resident_row(name_en="x" * 200_000))

    with pytest.raises(ApplicationError) as exc:
        registry_import_csv(stream=stream, skip_invalid=True)

    assert exc.value.code == "registry_file_unreadable"
    assert exc.value.extra == {"line": 3}
    assert str(exc.value.message) == (
        "Line 3 cannot be read as CSV (field larger than field limit (131072))."
    )
    assert registry_state() == ([], [], 0)


# --- all or nothing -------------------------------------------------------------------------------


def test_a_file_with_a_bad_row_changes_nothing_already_in_the_registry():
    # given a registry with a sponsored worker
    registry_import_csv(stream=registry_file(citizen_row(), resident_row()))
    before = registry_state()

    # when a file changes the worker's name and sponsor, adds a person, and has one bad row
    stream = registry_file(
        citizen_row(id_number=OTHER_SPONSOR_ID, mobile="+966501000002"),
        resident_row(name_en="Rajesh Kumar Nair", sponsor_id_number=OTHER_SPONSOR_ID),
        resident_row(id_number=OTHER_WORKER_ID, mobile="+966551000002", exit_visa="2"),
    )
    with pytest.raises(ApplicationError):
        registry_import_csv(stream=stream)

    # then the registry, the sponsorships and the audit log are as they were
    assert registry_state() == before


def test_a_failure_while_writing_rolls_back_the_whole_import(monkeypatch):
    # given the audit log fails once everything else is written
    def failing_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("absher.identity.services.audit_record", failing_audit)

    # when
    with pytest.raises(RuntimeError):
        registry_import_csv(stream=registry_file(citizen_row(), resident_row()))

    # then
    assert registry_state() == ([], [], 0)


# --- skipping bad rows ----------------------------------------------------------------------------


def test_skip_invalid_imports_the_good_rows_and_reports_the_others():
    stream = registry_file(
        citizen_row(),
        resident_row(gender="?"),
        resident_row(id_number=OTHER_WORKER_ID, mobile="+966551000002"),
    )

    report = registry_import_csv(stream=stream, skip_invalid=True)

    assert report == ImportReport(
        created=2,
        skipped=[RowError(line=3, reason="gender: Gender is M (male) or F (female).")],
        sponsorships_started=1,
    )
    assert set(Person.objects.values_list("id_number", flat=True)) == {SPONSOR_ID, OTHER_WORKER_ID}
    assert AuditEvent.objects.get().data["skipped"] == 1


def test_skip_invalid_skips_the_workers_of_a_skipped_sponsor_and_theirs_in_turn():
    # given a bad sponsor (line 2), a resident sponsor under it (line 3) with a worker (line 4),
    # and a worker whose bad sponsor row is already in the registry (line 6)
    resident_sponsor = id_number_with_check_digit("210000005")
    registered = PersonFactory(citizen=True, mobile="+966501000003")
    stream = registry_file(
        citizen_row(mobile="none"),
        resident_row(id_number=resident_sponsor, mobile="+966551000005"),
        resident_row(sponsor_id_number=resident_sponsor),
        citizen_row(id_number=registered.id_number, mobile="none"),
        resident_row(
            id_number=OTHER_WORKER_ID,
            mobile="+966551000002",
            sponsor_id_number=registered.id_number,
        ),
    )

    # when
    report = registry_import_csv(stream=stream, skip_invalid=True)

    # then
    assert report.skipped == [
        RowError(line=2, reason="mobile: Enter a Saudi mobile number, for example 05XXXXXXXX."),
        RowError(
            line=3,
            reason="sponsor_id_number: The sponsor's row (line 2) cannot be imported, so "
            "neither can this one.",
        ),
        RowError(
            line=4,
            reason="sponsor_id_number: The sponsor's row (line 3) cannot be imported, so "
            "neither can this one.",
        ),
        RowError(line=5, reason="mobile: Enter a Saudi mobile number, for example 05XXXXXXXX."),
    ]
    assert (report.created, report.sponsorships_started) == (1, 1)
    assert current_sponsor_id_number(OTHER_WORKER_ID) == registered.id_number


def test_skip_invalid_keeps_a_worker_whose_skipped_sponsor_is_already_registered():
    # given a registered resident sponsor whose new row names an unknown sponsor (line 2)
    resident_sponsor = PersonFactory(resident=True)
    stream = registry_file(
        resident_row(
            id_number=resident_sponsor.id_number,
            mobile=resident_sponsor.mobile,
            sponsor_id_number=OTHER_SPONSOR_ID,
        ),
        resident_row(sponsor_id_number=resident_sponsor.id_number),
    )

    # when
    report = registry_import_csv(stream=stream, skip_invalid=True)

    # then only the sponsor's row is skipped; the worker is sponsored by the registered person
    assert report.skipped == [
        RowError(
            line=2,
            reason="sponsor_id_number: No person with this ID number is in the file or in the "
            "registry.",
        )
    ]
    assert current_sponsor_id_number(WORKER_ID) == resident_sponsor.id_number


def test_skip_invalid_with_only_bad_rows_changes_nothing_but_the_audit_log():
    report = registry_import_csv(stream=registry_file(citizen_row(gender="?")), skip_invalid=True)

    assert (report.created, report.updated, report.unchanged, len(report.skipped)) == (0, 0, 0, 1)
    assert Person.objects.count() == 0
    assert AuditEvent.objects.get().data["skipped"] == 1


# --- importing again ------------------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing_the_second_time(moved_clock):
    # given a file imported once
    text = registry_text(citizen_row(), resident_row())
    registry_import_csv(stream=io.BytesIO(text.encode()))
    people, sponsorships, _events = registry_state()

    # when it is imported again, days later
    moved_clock(LATER)
    report = registry_import_csv(stream=io.BytesIO(text.encode()))

    # then nothing changed (not even updated_at), and the import itself was recorded
    assert report == ImportReport(unchanged=2)
    assert registry_state() == (people, sponsorships, 2)


def test_importing_a_changed_person_updates_that_person_only():
    registry_import_csv(stream=registry_file(citizen_row(), resident_row()))
    sponsor_before = Person.objects.get(id_number=SPONSOR_ID)

    report = registry_import_csv(
        stream=registry_file(
            citizen_row(),
            resident_row(residency_status="absent", traffic_fines_due="5000", mobile="0559999999"),
        )
    )

    assert report == ImportReport(updated=1, unchanged=1)
    worker = Person.objects.get(id_number=WORKER_ID)
    assert (worker.residency_status, worker.traffic_fines_due_halalas, worker.mobile) == (
        "absent",
        5000,
        "+966559999999",
    )
    assert Person.objects.get(id_number=SPONSOR_ID).updated_at == sponsor_before.updated_at
    assert Person.objects.count() == 2


def test_a_new_sponsor_on_import_ends_the_old_sponsorship_and_starts_a_new_one(moved_clock):
    # given a worker sponsored since NOON
    registry_import_csv(stream=registry_file(citizen_row(), resident_row()))
    first = Sponsorship.objects.get()

    # when a later file names another sponsor, and nothing else changes for the worker
    moved_clock(LATER)
    report = registry_import_csv(
        stream=registry_file(
            citizen_row(),
            citizen_row(id_number=OTHER_SPONSOR_ID, mobile="+966501000002"),
            resident_row(sponsor_id_number=OTHER_SPONSOR_ID),
        )
    )

    # then the worker counts as updated, the history is kept and the new sponsor is current
    assert report == ImportReport(
        created=1, updated=1, unchanged=1, sponsorships_started=1, sponsorships_ended=1
    )
    first.refresh_from_db()
    assert (first.started_at, first.ended_at) == (NOON, LATER)
    current = Sponsorship.objects.get(ended_at__isnull=True)
    assert (current.sponsor.id_number, current.started_at) == (OTHER_SPONSOR_ID, LATER)
    assert Sponsorship.objects.count() == 2


def test_an_empty_sponsor_on_import_ends_the_current_sponsorship(moved_clock):
    sponsorship = SponsorshipFactory(worker__id_number=WORKER_ID, started_at=NOON)
    row = resident_row(
        sponsor_id_number="", mobile=sponsorship.worker.mobile, name_en=sponsorship.worker.name_en
    )

    moved_clock(LATER)
    report = registry_import_csv(stream=registry_file(row))

    assert (report.updated, report.sponsorships_ended, report.sponsorships_started) == (1, 1, 0)
    sponsorship.refresh_from_db()
    assert sponsorship.ended_at == LATER
    assert current_sponsor_id_number(WORKER_ID) is None


# --- a file larger than a batch -------------------------------------------------------------------


def test_rows_far_apart_in_a_file_of_many_batches_are_checked_against_each_other():
    # given batches of 2 rows: the sponsor's row comes 3 batches after its worker's, and an ID
    # number repeats 4 rows after its first line, in another batch
    sponsors = [id_number_with_check_digit(f"11000001{n}") for n in range(3, 7)]
    stream = registry_file(
        resident_row(sponsor_id_number=sponsors[3]),
        *(
            citizen_row(id_number=sponsor, mobile=f"+96650100001{n}")
            for n, sponsor in enumerate(sponsors)
        ),
        citizen_row(id_number=sponsors[0], mobile="+966501000099"),
    )

    # when
    with pytest.raises(ApplicationError) as exc:
        registry_import_csv(stream=stream, batch_size=2)

    # then
    assert exc.value.extra["errors"] == [
        {"line": 7, "reason": "id_number: This ID number is already on line 3 of the file."}
    ]
    assert registry_state() == ([], [], 0)


def test_a_file_of_many_batches_creates_updates_and_moves_sponsors_like_a_small_one(moved_clock):
    # given a registry with a sponsored worker, and two more sponsors in it
    registry_import_csv(
        stream=registry_file(
            citizen_row(),
            citizen_row(id_number=OTHER_SPONSOR_ID, mobile="+966501000002"),
            resident_row(),
        )
    )
    moved_clock(LATER)

    # when a file read 2 rows at a time moves the worker to the other sponsor, adds a worker
    # whose sponsor's row comes last, changes a name and keeps the rest
    new_sponsor = id_number_with_check_digit("110000007")
    report = registry_import_csv(
        stream=registry_file(
            resident_row(sponsor_id_number=OTHER_SPONSOR_ID),
            resident_row(id_number=OTHER_WORKER_ID, sponsor_id_number=new_sponsor),
            citizen_row(name_en="Abdullah M. Al-Qahtani"),
            citizen_row(id_number=OTHER_SPONSOR_ID, mobile="+966501000002"),
            citizen_row(id_number=new_sponsor, mobile="+966501000007"),
        ),
        batch_size=2,
    )

    # then
    assert report == ImportReport(
        created=2, updated=2, unchanged=1, sponsorships_started=2, sponsorships_ended=1
    )
    assert current_sponsor_id_number(WORKER_ID) == OTHER_SPONSOR_ID
    assert current_sponsor_id_number(OTHER_WORKER_ID) == new_sponsor
    assert Person.objects.get(id_number=SPONSOR_ID).name_en == "Abdullah M. Al-Qahtani"
    assert Sponsorship.objects.filter(ended_at=LATER).count() == 1


def test_the_scratch_store_is_removed_after_an_import_whatever_its_outcome(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    registry_import_csv(stream=registry_file(citizen_row()))
    with pytest.raises(ApplicationError):
        registry_import_csv(stream=registry_file(citizen_row(gender="?")))
    with pytest.raises(ApplicationError):
        registry_import_csv(stream=io.BytesIO(b"id_number\n"))

    assert list(tmp_path.iterdir()) == []
