"""`manage.py import_registry FILE [--skip-invalid]`: what the operator sees and the exit status."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from absher.identity.models import Person, Sponsorship
from absher.identity.tests.registry_files import (
    OTHER_WORKER_ID,
    SPONSOR_ID,
    citizen_row,
    registry_text,
    resident_row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _a_fixed_day(moved_clock):
    moved_clock(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC))


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_registry", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, text: str | bytes, name: str = "registry.csv"):
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return str(path)


def test_a_valid_file_is_imported_and_summarised(tmp_path):
    path = write(tmp_path, registry_text(citizen_row(), resident_row()))

    out, err = run(path)

    assert out == (
        "Registry imported: 2 created, 0 updated, 0 unchanged, 0 skipped; "
        "1 sponsorships started, 0 ended.\n"
    )
    assert err == ""
    assert Person.objects.count() == 2


def test_a_file_with_bad_rows_prints_each_and_fails_without_importing(tmp_path):
    # given bad rows on lines 3 and 4
    path = write(
        tmp_path,
        registry_text(
            citizen_row(),
            resident_row(gender="?"),
            resident_row(id_number="2100000012", mobile="+966551000002"),
        ),
    )
    err = io.StringIO()

    # when
    with pytest.raises(CommandError) as exc:
        call_command("import_registry", path, stdout=io.StringIO(), stderr=err)

    # then
    assert str(exc.value) == "2 rows of the file are invalid; nothing was imported."
    assert err.getvalue() == (
        "line 3: gender: Gender is M (male) or F (female).\n"
        "line 4: id_number: This ID number is not valid: its check digit does not match. "
        "Check the number.\n"
    )
    assert Person.objects.count() == 0


def test_skip_invalid_imports_the_good_rows_and_prints_the_bad_ones(tmp_path):
    path = write(
        tmp_path,
        registry_text(
            citizen_row(),
            resident_row(gender="?"),
            resident_row(id_number=OTHER_WORKER_ID, mobile="+966551000002"),
        ),
    )

    out, err = run(path, "--skip-invalid")

    assert out == (
        "Registry imported: 2 created, 0 updated, 0 unchanged, 1 skipped; "
        "1 sponsorships started, 0 ended.\n"
    )
    assert err == "line 3: gender: Gender is M (male) or F (female).\n"
    assert Sponsorship.objects.get().worker.id_number == OTHER_WORKER_ID


def test_the_reasons_can_be_printed_in_arabic(tmp_path):
    path = write(tmp_path, registry_text(citizen_row(gender="?")))
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_registry", path, "--language", "ar", stdout=io.StringIO(), stderr=err)

    assert err.getvalue() == "line 2: gender: الجنس M (ذكر) أو F (أنثى).\n"


def test_a_missing_file_fails(tmp_path):
    with pytest.raises(CommandError) as exc:
        run(str(tmp_path / "absent.csv"))

    assert str(exc.value) == f"Cannot read {tmp_path / 'absent.csv'}: No such file or directory"


def test_a_wrong_header_fails_naming_the_columns(tmp_path):
    path = write(tmp_path, "id_number,name\n")

    with pytest.raises(CommandError) as exc:
        run(path, "--skip-invalid")

    assert str(exc.value).startswith(
        "Line 1 must name the registry's columns. The header lacks the columns: name_ar, "
    )
    assert str(exc.value).endswith("The header has unknown columns: name.")


def test_a_file_that_is_not_utf8_fails_naming_the_line(tmp_path):
    header, row = registry_text(citizen_row()).strip().split("\n")
    path = write(tmp_path, f"{header}\n".encode() + row.encode("utf-16"))

    with pytest.raises(CommandError) as exc:
        run(path)

    assert str(exc.value) == "Line 2 is not UTF-8 text. Save the file as UTF-8 and try again."
    assert Person.objects.filter(id_number=SPONSOR_ID).exists() is False


def test_progress_shows_each_stage_with_its_rows_on_stderr(tmp_path):
    path = write(tmp_path, registry_text(citizen_row(), resident_row()))

    out, err = run(path, "--progress")

    closing = [line.rsplit("\r", 1)[-1] for line in err.split("\n") if line]
    assert [line.split(" rows in ")[0] for line in closing] == [
        "checking rows: 2",
        "writing people: 2",
        "comparing sponsors: 2",
        "moving sponsorships: 1",
    ]
    assert "% of " in err  # the file's size is known: the share read is shown
    assert out.startswith("Registry imported: 2 created")


def test_progress_is_not_drawn_when_stderr_is_not_a_terminal(tmp_path):
    path = write(tmp_path, registry_text(citizen_row()))

    _out, err = run(path)

    assert err == ""
