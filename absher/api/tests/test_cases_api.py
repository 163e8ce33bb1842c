"""Transfer without the sponsor's consent through the API (SPEC 9, 13): one multipart request files
a case with the worker's iqama number and the seven documents; the list and one case (status,
documents' metadata, history and, once approved, the transfer); the filer's answer to a request for
more documents; downloads for the filer only. Every refusal answers the SPEC error body with its
own code and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.accounts.constants import AccountStatus
from absher.accounts.tests.support import T0
from absher.suspensions.tests.helpers import authority_partner, place, signed_in
from absher.transfers import services
from absher.transfers.constants import REQUIRED_DOCUMENTS
from absher.transfers.models import CaseDocument
from absher.transfers.tests.case_support import (
    EXECUTABLE,
    JPEG,
    PDF,
    PNG,
    case_snapshot,
    file_case,
    filer_user,
    make_officer,
    private_documents,
    seven_uploads,
    stored_files,
    upload,
)
from absher.transfers.tests.helpers import citizen, resident, worker_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_dir")]


@pytest.fixture
def documents_dir(settings, tmp_path):
    return private_documents(settings, tmp_path)


CASES = "/api/v1/cases"
LABELS_AR = [
    "نموذج كفالة موقع من الكفيل",
    "خطاب النقل الجديد",
    "صور جوازات المقيم القديمة",
    "مستند الغرفة التجارية المرفق بالخطاب",
    "تعهد موقع من الكفيل الجديد تجاه المقيم",
    "صورة السجل التجاري أو رخصة البلدية",
    "صورة شخصية للمقيم مع نموذج تعهد النقل",
]
LABELS_EN = [
    "Sponsorship form bearing the sponsor's signature",
    "New transfer letter",
    "Copies of the resident's old passports",
    "Chamber of commerce document kept with the letter",
    "Signed pledge of the new sponsor towards the resident",
    "Copy of the commercial registration or municipal licence",
    "Personal photo of the resident with the transfer pledge form",
]


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def sponsor(db):
    return citizen(name_ar="عبدالله محمد القحطاني", name_en="Abdullah Mohammed Al-Qahtani")


@pytest.fixture
def worker(sponsor):
    return worker_of(sponsor)


@pytest.fixture
def new_sponsor(db):
    return citizen(name_ar="فيصل عبدالعزيز الدوسري", name_en="Faisal Abdulaziz Al-Dossary")


@pytest.fixture
def filer(new_sponsor):
    return filer_user(new_sponsor)


@pytest.fixture
def as_filer(api, filer):
    return signed_in(api, filer)


def send(api, path: str, data: dict[str, Any], language: str = "en"):
    """A multipart POST, as a mobile app uploads files."""
    headers = {"Accept-Language": language}
    if api.token:
        headers["Authorization"] = f"Bearer {api.token}"
    with api.capture(execute=True):
        return api.client.post(path, data, headers=headers)


def filing(worker, **replacements) -> dict[str, Any]:
    return {"worker_id_number": worker.id_number, **seven_uploads(**replacements)}


def refused(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert set(body) == {"code", "message", "details"}
    return body


# --- filing ---------------------------------------------------------------------------------------


def test_one_multipart_request_files_a_case_with_the_seven_documents(
    as_filer, worker, sponsor, documents_dir
):
    response = send(as_filer, CASES, filing(worker))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted"
    assert body["reference"].startswith("TWC-2026-")
    assert body["worker"]["id_number"] == worker.id_number
    assert body["current_sponsor"]["id_number"] == "••••••" + sponsor.id_number[-4:]
    assert (body["transfer_id"], body["transfer"]) == (None, None)
    assert [d["slot"] for d in body["documents"]] == list(REQUIRED_DOCUMENTS)
    assert [d["label_ar"] for d in body["documents"]] == LABELS_AR
    assert [d["label_en"] for d in body["documents"]] == LABELS_EN
    photo = body["documents"][-1]
    assert (photo["content_type"], photo["size_bytes"]) == ("image/jpeg", len(JPEG))
    assert len(photo["sha256"]) == 64
    assert photo["download_url"] == f"{CASES}/{body['id']}/documents/{photo['id']}"
    assert [(t["step"], t["status"], t["actor"]) for t in body["timeline"]] == [
        ("filed", "submitted", "filer")
    ]
    assert len(stored_files(documents_dir)) == 7


def test_the_openapi_document_describes_the_one_request_design(api):
    document = api.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/cases"]["post"]

    assert "multipart/form-data" in operation["summary"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(schema["properties"]) == {"worker_id_number", *REQUIRED_DOCUMENTS}
    assert "/api/v1/cases/{case_id}/documents/{document_id}" in document["paths"]


def test_the_checklist_names_the_fields_types_and_size_limit(as_filer):
    body = as_filer.get(f"{CASES}/checklist").json()

    assert [item["slot"] for item in body["items"] if item["required"]] == list(REQUIRED_DOCUMENTS)
    assert [item["label_ar"] for item in body["items"] if item["required"]] == LABELS_AR
    assert body["items"][-1] == {
        "slot": "additional",
        "label_ar": "مستند إضافي طلبه الموظف",
        "label_en": "Additional document asked for by the officer",
        "required": False,
    }
    assert body["content_types"] == ["application/pdf", "image/jpeg", "image/png"]
    assert body["max_bytes"] == 5 * 1024 * 1024


@pytest.mark.parametrize(
    ("replacement", "code"),
    [
        ({"resident_photo": None}, "documents_missing"),
        ({"transfer_letter": upload(b"plain text", "letter.pdf")}, "document_type_not_allowed"),
        ({"transfer_letter": upload(EXECUTABLE, "letter.pdf")}, "document_executable"),
        ({"transfer_letter": upload(PNG[:30], "letter.png", "image/png")}, "document_damaged"),
        ({"transfer_letter": upload(b"", "letter.pdf")}, "document_empty"),
    ],
    ids=["missing", "wrong-type", "executable-renamed-pdf", "damaged-image", "empty"],
)
def test_a_bad_set_of_documents_is_refused_with_its_code_and_nothing_stored(
    as_filer, worker, documents_dir, replacement, code
):
    before = case_snapshot()

    body = refused(send(as_filer, CASES, filing(worker, **replacement)), 422, code)

    assert case_snapshot() == before
    assert stored_files(documents_dir) == []
    if code == "documents_missing":
        assert body["details"]["missing"] == [{"slot": "resident_photo", "label": LABELS_EN[-1]}]
    else:
        assert body["details"]["slot"] == "transfer_letter"


def test_an_oversized_file_is_refused_and_the_message_is_in_arabic_when_asked(
    as_filer, worker, documents_dir, settings
):
    settings.CASE_DOCUMENT_MAX_BYTES = 2 * 1024 * 1024
    big = PDF.replace(b"%%EOF", b"%" + b"x" * (2 * 1024 * 1024) + b"\n%%EOF")

    body = refused(
        send(as_filer, CASES, filing(worker, sponsor_pledge=upload(big)), language="ar"),
        422,
        "document_too_large",
    )

    assert body["message"].startswith("حجم الملف أكبر من 2 ميغابايت.")
    assert stored_files(documents_dir) == []


@pytest.mark.parametrize(
    ("who", "code"),
    [("no_sponsor", "worker_has_no_sponsor"), ("own", "worker_already_yours")],
)
def test_a_worker_that_cannot_be_named_is_refused(as_filer, new_sponsor, documents_dir, who, code):
    worker = resident() if who == "no_sponsor" else worker_of(new_sponsor)

    refused(send(as_filer, CASES, filing(worker)), 422, code)

    assert stored_files(documents_dir) == []


def test_a_missing_worker_number_is_a_validation_error(as_filer, documents_dir):
    body = refused(send(as_filer, CASES, seven_uploads()), 422, "validation_error")

    assert body["details"]["fields"][0]["field"].endswith("worker_id_number")
    assert stored_files(documents_dir) == []


def test_a_suspended_filer_is_refused_naming_the_suspension(as_filer, new_sponsor, worker):
    place(authority_partner("test-court").authority, new_sponsor, "CRT-77", "all")
    before = case_snapshot()

    body = refused(send(as_filer, CASES, filing(worker)), 403, "service_suspended")

    assert body["details"]["reference"] == "CRT-77"
    assert case_snapshot() == before


def test_a_registered_account_must_activate_first(api, worker):
    user = filer_user(citizen(), status=AccountStatus.REGISTERED)
    signed_in(api, user)

    refused(send(api, CASES, filing(worker)), 403, "account_not_activated")


def test_filing_needs_a_signed_in_person(api, worker, documents_dir):
    refused(send(api, CASES, filing(worker)), 401, "not_authenticated")

    assert stored_files(documents_dir) == []


# --- reading --------------------------------------------------------------------------------------


def test_the_list_holds_only_my_cases_in_a_fixed_number_of_queries(
    as_filer, filer, sponsor, worker
):
    for _ in range(3):
        file_case(filer, worker_of(sponsor))
    file_case(filer_user(citizen()), worker)

    with CaptureQueriesContext(connection) as few:
        first = as_filer.get(CASES)
    file_case(filer, worker)
    with CaptureQueriesContext(connection) as more:
        second = as_filer.get(CASES)

    assert len(first.json()["items"]) == 3
    assert len(second.json()["items"]) == 4
    assert len(more.captured_queries) == len(few.captured_queries)


def test_another_persons_case_and_its_documents_do_not_exist_for_me(as_filer, sponsor, worker):
    other = file_case(filer_user(citizen()), worker)
    document = CaseDocument.objects.filter(case=other).first()

    refused(as_filer.get(f"{CASES}/{other.pk}"), 404, "case_not_found")
    refused(as_filer.get(f"{CASES}/{other.pk}/documents/{document.pk}"), 404, "case_not_found")
    refused(as_filer.get(f"{CASES}/999999"), 404, "case_not_found")


def test_the_filer_downloads_a_document_as_an_attachment_of_its_stored_type(
    as_filer, filer, worker
):
    case = file_case(filer, worker, transfer_letter=upload(PNG, "letter.pdf", "application/pdf"))
    letter = CaseDocument.objects.get(case=case, kind="transfer_letter")

    response = as_filer.get(f"{CASES}/{case.pk}/documents/{letter.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{case.reference}-transfer_letter-{letter.pk}.png"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response.content == PNG


def test_a_document_of_another_case_is_not_found_under_my_case(as_filer, filer, sponsor, worker):
    mine = file_case(filer, worker)
    other = file_case(filer_user(citizen()), worker_of(sponsor))
    foreign = CaseDocument.objects.filter(case=other).first()

    refused(as_filer.get(f"{CASES}/{mine.pk}/documents/{foreign.pk}"), 404, "document_not_found")


def test_the_worker_and_the_current_sponsor_cannot_download(api, filer, sponsor, worker):
    case = file_case(filer, worker)
    document = CaseDocument.objects.filter(case=case).first()

    for person in (sponsor, worker):
        signed_in(api, filer_user(person))
        refused(api.get(f"{CASES}/{case.pk}/documents/{document.pk}"), 404, "case_not_found")


def test_once_approved_the_case_shows_the_transfer_awaiting_payment(as_filer, filer, worker):
    case = file_case(filer, worker)
    officer = make_officer()
    services.case_review_start(officer=officer, case_id=case.pk)
    services.case_approve(officer=officer, case_id=case.pk)

    body = as_filer.get(f"{CASES}/{case.pk}").json()

    assert body["status"] == "approved"
    assert body["transfer_id"] is not None
    assert body["transfer"]["id"] == body["transfer_id"]
    assert body["transfer"]["status"] == "awaiting_payment"
    assert body["transfer"]["fee_halalas"] == 200_000
    assert len(body["transfer"]["sadad_number"]) == 13
    assert [t["step"] for t in body["timeline"]] == ["filed", "review_started", "approved"]
    transfer = as_filer.get(f"/api/v1/transfers/{body['transfer_id']}").json()
    assert (transfer["status"], transfer["without_consent"]) == ("awaiting_payment", True)


# --- answering a request for more documents -------------------------------------------------------


def test_the_filer_answers_a_request_for_more_documents_in_one_request(
    as_filer, filer, worker, documents_dir
):
    case = file_case(filer, worker)
    officer = make_officer()
    services.case_review_start(officer=officer, case_id=case.pk)
    services.case_request_documents(
        officer=officer, case_id=case.pk, note="خطاب النقل غير واضح", documents=["transfer_letter"]
    )
    assert as_filer.get(f"{CASES}/{case.pk}").json()["requested_documents"] == ["transfer_letter"]

    response = send(
        as_filer,
        f"{CASES}/{case.pk}/documents",
        {"transfer_letter": upload(PDF, "letter2.pdf"), "additional": [upload(PNG, "x.png")]},
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["requested_documents"]) == ("submitted", [])
    current = [d["slot"] for d in body["documents"] if d["is_current"]]
    assert current == [*REQUIRED_DOCUMENTS, "additional"]
    replaced = [d["slot"] for d in body["documents"] if not d["is_current"]]
    assert replaced == ["transfer_letter"]
    assert len(stored_files(documents_dir)) == 9


def test_documents_cannot_be_added_before_the_officer_asks(as_filer, filer, worker):
    case = file_case(filer, worker)
    before = case_snapshot()

    refused(
        send(as_filer, f"{CASES}/{case.pk}/documents", {"transfer_letter": upload(PDF)}),
        409,
        "case_not_awaiting_documents",
    )

    assert case_snapshot() == before
