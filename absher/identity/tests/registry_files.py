"""Registry CSV files for tests: a valid citizen and resident row to start from, changed by
keyword, and a file built from rows (header first, as line 1)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from absher.identity.registry_csv import COLUMNS
from absher.identity.rules import id_number_with_check_digit

SPONSOR_ID = id_number_with_check_digit("110000001")
OTHER_SPONSOR_ID = id_number_with_check_digit("110000002")
WORKER_ID = id_number_with_check_digit("210000001")
OTHER_WORKER_ID = id_number_with_check_digit("210000002")


def citizen_row(**values: str) -> dict[str, str]:
    row = {
        "id_number": SPONSOR_ID,
        "name_ar": "عبدالله محمد القحطاني",
        "name_en": "Abdullah Mohammed Al-Qahtani",
        "gender": "M",
        "nationality": "SA",
        "mother_nationality": "SA",
        "date_of_birth": "1978-06-19",
        "mobile": "+966501000001",
        "iqama_expiry": "",
        "residency_status": "",
        "criminal_case": "0",
        "owes_sponsor": "0",
        "sponsor_id_number": "",
        "traffic_fines_due": "0",
        "exit_visa": "0",
        "transfer_count": "0",
    }
    row.update(values)
    return row


def resident_row(**values: str) -> dict[str, str]:
    row = {
        "id_number": WORKER_ID,
        "name_ar": "راجيش كومار",
        "name_en": "Rajesh Kumar",
        "gender": "M",
        "nationality": "IN",
        "mother_nationality": "IN",
        "date_of_birth": "1991-02-14",
        "mobile": "+966551000001",
        "iqama_expiry": "2030-06-30",
        "residency_status": "valid",
        "criminal_case": "0",
        "owes_sponsor": "0",
        "sponsor_id_number": SPONSOR_ID,
        "traffic_fines_due": "0",
        "exit_visa": "0",
        "transfer_count": "0",
    }
    row.update(values)
    return row


def registry_text(*rows: dict[str, str], columns: Sequence[str] = COLUMNS) -> str:
    output = io.StringIO()
    writer = csv.DictWriter(
        output, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows)
    return output.getvalue()


def registry_file(*rows: dict[str, str], columns: Sequence[str] = COLUMNS) -> io.BytesIO:
    return io.BytesIO(registry_text(*rows, columns=columns).encode("utf-8"))
