"""Cases for a transfer without the sponsor's consent (SPEC 9) through their services: filing with
the seven documents of the checklist, every refusal of the filing (each with its code, nothing
stored and no file left on disk), the officer's review, approval (a transfer awaiting the fee, or
a refusal of conditions 1–5 that leaves the case under review), rejection with a reason, a request
for more documents and the filer's answer, the history, audit and notifications of each step,
and who may see a case."""

from __future__ import annotations

import stat

import pytest
from django.utils import translation

from absher.accounts.constants import AccountStatus, StaffRole
from absher.audit.models import AuditEvent
from absher.core.errors import ApplicationError
from absher.identity.rules import id_number_with_check_digit
from absher.notifications.models import Message, SmsMessage
from absher.payments.models import Bill
from absher.suspensions.tests.helpers import authority_partner, place
from absher.transfers import selectors, services
from absher.transfers.constants import (
    CASE_FINAL_STATUSES,
    CASE_OPEN_STATUSES,
    CASE_TRANSITIONS,
    REQUIRED_DOCUMENTS,
    CaseStatus,
)
from absher.transfers.documents import document_path
from absher.transfers.models import CaseDocument, CaseEvent, TransferCase, TransferRequest
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
    stored_files,
    under_review,
    upload,
)
from absher.transfers.tests.helpers import citizen, kinds_for, resident, user_of, worker_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_dir")]


@pytest.fixture
def documents_dir(settings, tmp_path):
    return private_documents(settings, tmp_path)


def refused(call, expected: str, /, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as refusal:
        call(**kwargs)
    assert refusal.value.code == expected, (refusal.value.code, refusal.value.extra)
    return refusal.value


@pytest.fixture
def filer(new_sponsor):
    return filer_user(new_sponsor)


@pytest.fixture
def officer(db):
    return make_officer()


@pytest.fixture
def case(filer, worker):
    return file_case(filer, worker)


def events(case: TransferCase) -> list[tuple[str, str, str, str]]:
    return list(
        CaseEvent.objects.filter(case=case)
        .order_by("created_at", "id")
        .values_list("step", "from_status", "to_status", "actor_role")
    )


# --- filing ---------------------------------------------------------------------------------------


def test_a_case_is_filed_with_the_seven_documents_and_waits_for_an_officer(
    filer, worker, sponsor, new_sponsor, documents_dir
):
    case = file_case(filer, worker)

    assert case.status == CaseStatus.SUBMITTED
    assert (case.filer, case.worker, case.current_sponsor) == (new_sponsor, worker, sponsor)
    assert case.reference == f"TWC-2026-{case.pk:06d}"
    documents = list(selectors.case_documents_current(case=case))
    assert [d.kind for d in documents] == list(REQUIRED_DOCUMENTS)
    assert {d.kind: d.content_type for d in documents}["resident_photo"] == "image/jpeg"
    assert {d.kind: d.content_type for d in documents}["old_passports"] == "image/png"
    assert {d.kind: d.content_type for d in documents}["transfer_letter"] == "application/pdf"
    assert len(stored_files(documents_dir)) == 7
    assert events(case) == [("filed", "", "submitted", "filer")]
    assert AuditEvent.objects.filter(
        action="transfer_case.filed", subject_id=str(case.pk), actor_id=str(filer.pk)
    ).exists()
    assert kinds_for(new_sponsor) == ["transfer_case_filed"]


def test_each_document_keeps_its_sha256_and_a_random_name_in_the_private_directory(
    case, documents_dir
):
    import hashlib

    for document in CaseDocument.objects.filter(case=case):
        path = document_path(document.storage_name)
        content = path.read_bytes()
        assert hashlib.sha256(content).hexdigest() == document.sha256
        assert document.size_bytes == len(content)
        assert documents_dir.resolve() in path.parents
        assert document.kind not in path.name
        assert "." not in path.name  # no extension a web server could act on
        assert len(path.name) == 40
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert document.original_name.endswith((".pdf", ".png", ".jpg"))


def test_the_type_kept_is_the_content_not_the_name_or_the_claimed_type(filer, worker):
    case = file_case(
        filer,
        worker,
        transfer_letter=upload(PNG, "letter.pdf", "application/pdf"),
        sponsor_pledge=upload(PDF, "pledge.png", "image/png"),
    )

    kinds = {d.kind: d.content_type for d in CaseDocument.objects.filter(case=case)}
    assert kinds["transfer_letter"] == "image/png"
    assert kinds["sponsor_pledge"] == "application/pdf"


def test_the_file_name_is_kept_for_display_only_without_folders(filer, worker):
    case = file_case(
        filer, worker, transfer_letter=upload(PDF, "../../etc/passwd\x07.pdf", "application/pdf")
    )

    document = CaseDocument.objects.get(case=case, kind="transfer_letter")
    assert document.original_name == "passwd.pdf"


# --- refused filings: each with its code, nothing stored, no file left ----------------------------


def assert_nothing_stored(before, documents_dir) -> None:
    assert case_snapshot() == before
    assert stored_files(documents_dir) == []


def test_a_missing_document_is_refused_naming_each_missing_slot(filer, worker, documents_dir):
    before = case_snapshot()

    refusal = refused(
        services.case_file,
        "documents_missing",
        user=filer,
        worker_id_number=worker.id_number,
        documents={
            kind: upload(PDF)
            for kind in REQUIRED_DOCUMENTS
            if kind not in ("chamber_of_commerce", "resident_photo")
        },
    )

    assert [item["slot"] for item in refusal.extra["missing"]] == [
        "chamber_of_commerce",
        "resident_photo",
    ]
    assert refusal.http_status == 422
    assert_nothing_stored(before, documents_dir)


@pytest.mark.parametrize(
    ("content", "name", "claimed", "code"),
    [
        (EXECUTABLE, "pledge.pdf", "application/pdf", "document_executable"),
        (
            b"\x7fELF\x02\x01\x01" + b"\x00" * 40,
            "pledge.pdf",
            "application/pdf",
            "document_executable",
        ),
        (b"#!/bin/sh\nrm -rf /\n", "pledge.png", "image/png", "document_executable"),
        (
            b"Dear officer, please approve.",
            "pledge.pdf",
            "application/pdf",
            "document_type_not_allowed",
        ),
        (
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
            "pledge.gif",
            "image/gif",
            "document_type_not_allowed",
        ),
        (
            b"PK\x03\x04" + b"\x00" * 30,
            "pledge.docx",
            "application/pdf",
            "document_type_not_allowed",
        ),
        (b"", "pledge.pdf", "application/pdf", "document_empty"),
        (PNG[:40], "pledge.png", "image/png", "document_damaged"),
        (JPEG[: len(JPEG) // 2], "pledge.jpg", "image/jpeg", "document_damaged"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "pledge.png", "image/png", "document_damaged"),
        (PDF.replace(b"%%EOF", b""), "pledge.pdf", "application/pdf", "document_damaged"),
        (
            PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript >>"),
            "pledge.pdf",
            "application/pdf",
            "document_active_content",
        ),
        (
            PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /Launch >>"),
            "pledge.pdf",
            "application/pdf",
            "document_active_content",
        ),
    ],
    ids=[
        "windows-program-renamed-pdf",
        "linux-program-renamed-pdf",
        "script-renamed-png",
        "text-renamed-pdf",
        "gif",
        "zip-office-file",
        "empty",
        "truncated-png",
        "truncated-jpeg",
        "png-header-then-garbage",
        "pdf-without-end",
        "pdf-with-javascript",
        "pdf-with-launch-action",
    ],
)
def test_a_file_that_is_not_a_clean_pdf_jpeg_or_png_is_refused_by_its_content(
    filer, worker, documents_dir, content, name, claimed, code
):
    before = case_snapshot()

    refusal = refused(
        services.case_file,
        code,
        user=filer,
        worker_id_number=worker.id_number,
        documents={
            **{kind: upload(PDF) for kind in REQUIRED_DOCUMENTS},
            "sponsor_pledge": upload(content, name, claimed),
        },
    )

    assert refusal.extra["slot"] == "sponsor_pledge"
    assert refusal.extra["problems"] == [
        {"slot": "sponsor_pledge", "code": code, "message": refusal.message}
    ]
    assert_nothing_stored(before, documents_dir)


def test_every_refused_document_is_listed_in_checklist_order(filer, worker, documents_dir):
    before = case_snapshot()

    refusal = refused(
        services.case_file,
        "document_executable",
        user=filer,
        worker_id_number=worker.id_number,
        documents={
            **{kind: upload(PDF) for kind in REQUIRED_DOCUMENTS},
            "resident_photo": upload(b"hello", "photo.jpg", "image/jpeg"),
            "transfer_letter": upload(EXECUTABLE, "letter.pdf"),
        },
    )

    assert [(p["slot"], p["code"]) for p in refusal.extra["problems"]] == [
        ("transfer_letter", "document_executable"),
        ("resident_photo", "document_type_not_allowed"),
    ]
    assert_nothing_stored(before, documents_dir)


def test_a_file_over_the_size_limit_is_refused_and_one_at_the_limit_is_accepted(
    filer, worker, documents_dir, settings
):
    settings.CASE_DOCUMENT_MAX_BYTES = 1000
    at_limit = PDF.replace(b"%%EOF", b"%" + b"x" * (1000 - len(PDF) - 2) + b"\n%%EOF")
    assert len(at_limit) == 1000
    before = case_snapshot()

    refusal = refused(
        services.case_file,
        "document_too_large",
        user=filer,
        worker_id_number=worker.id_number,
        documents={kind: upload(at_limit + b"\n") for kind in REQUIRED_DOCUMENTS},
    )

    assert len(refusal.extra["problems"]) == 7
    with translation.override("en"):
        assert str(refusal.message).startswith("The file is larger than 0.000954 MB.")
    assert_nothing_stored(before, documents_dir)
    case = services.case_file(
        user=filer,
        worker_id_number=worker.id_number,
        documents={kind: upload(at_limit) for kind in REQUIRED_DOCUMENTS},
    )
    assert case.status == CaseStatus.SUBMITTED


def test_the_size_is_counted_from_the_bytes_not_the_declared_size(filer, worker, settings):
    settings.CASE_DOCUMENT_MAX_BYTES = 1000
    lying = upload(PDF.replace(b"%%EOF", b"%" + b"x" * 2000 + b"\n%%EOF"))
    lying.size = 10

    refused(
        services.case_file,
        "document_too_large",
        user=filer,
        worker_id_number=worker.id_number,
        documents={**{kind: upload(PDF) for kind in REQUIRED_DOCUMENTS}, "transfer_letter": lying},
    )


def test_the_size_limit_is_five_megabytes_by_default():
    from config.settings import base

    assert base.CASE_DOCUMENT_MAX_BYTES == 5 * 1024 * 1024


@pytest.mark.parametrize(
    ("make_worker", "code"),
    [
        (lambda filer, sponsor: resident(), "worker_has_no_sponsor"),
        (lambda filer, sponsor: worker_of(filer), "worker_already_yours"),
        (lambda filer, sponsor: filer, "worker_is_filer"),
    ],
    ids=["worker-without-sponsor", "own-worker", "the-filer-himself"],
)
def test_a_worker_who_cannot_be_transferred_to_the_filer_is_refused(
    filer, new_sponsor, sponsor, documents_dir, make_worker, code
):
    worker = make_worker(new_sponsor, sponsor)
    before = case_snapshot()

    refusal = refused(
        services.case_file,
        code,
        user=filer,
        worker_id_number=worker.id_number,
        documents={k: upload(PDF) for k in REQUIRED_DOCUMENTS},
    )

    assert refusal.http_status == 422
    assert_nothing_stored(before, documents_dir)


def test_an_unknown_or_malformed_worker_number_is_refused(filer, documents_dir):
    before = case_snapshot()
    documents = {kind: upload(PDF) for kind in REQUIRED_DOCUMENTS}

    refused(
        services.case_file,
        "invalid_id_number",
        user=filer,
        worker_id_number="2123",
        documents=documents,
    )
    refused(
        services.case_file,
        "worker_not_found",
        user=filer,
        worker_id_number=id_number_with_check_digit("299999999"),
        documents=documents,
    )

    assert_nothing_stored(before, documents_dir)


def test_arabic_indic_digits_name_the_worker(filer, worker):
    arabic = worker.id_number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    case = services.case_file(
        user=filer,
        worker_id_number=f" {arabic} ",
        documents={kind: upload(PDF) for kind in REQUIRED_DOCUMENTS},
    )

    assert case.worker == worker


def test_a_slot_outside_the_checklist_is_refused(filer, worker, documents_dir):
    before = case_snapshot()

    refusal = refused(
        services.case_file,
        "document_slot_unknown",
        user=filer,
        worker_id_number=worker.id_number,
        documents={**{kind: upload(PDF) for kind in REQUIRED_DOCUMENTS}, "selfie": upload(PNG)},
    )

    assert refusal.extra["slots"] == ["selfie"]
    assert_nothing_stored(before, documents_dir)


def test_a_second_open_case_for_the_same_worker_is_refused_until_the_first_ends(
    case, filer, worker, officer, documents_dir
):
    before = case_snapshot()
    files = stored_files(documents_dir)

    refused(
        services.case_file,
        "case_open",
        user=filer,
        worker_id_number=worker.id_number,
        documents={k: upload(PDF) for k in REQUIRED_DOCUMENTS},
    )

    assert case_snapshot() == before
    assert stored_files(documents_dir) == files
    under_review(case, officer)
    services.case_reject(officer=officer, case_id=case.pk, reason="المستندات غير مصدقة")
    assert file_case(filer, worker).status == CaseStatus.SUBMITTED


def test_a_suspension_of_the_filer_blocks_filing_and_stores_nothing(
    filer, new_sponsor, worker, documents_dir
):
    court = authority_partner("test-court").authority
    place(court, new_sponsor, "CRT-9", "service:transfer_without_consent")
    before = case_snapshot()

    refusal = refused(
        services.case_file,
        "service_suspended",
        user=filer,
        worker_id_number=worker.id_number,
        documents={k: upload(PDF) for k in REQUIRED_DOCUMENTS},
    )

    assert refusal.extra["reference"] == "CRT-9"
    assert_nothing_stored(before, documents_dir)


def test_a_suspension_of_another_service_does_not_block_filing(filer, new_sponsor, worker):
    court = authority_partner("test-court").authority
    place(court, new_sponsor, "CRT-10", "service:passport_renewal")

    assert file_case(filer, worker).status == CaseStatus.SUBMITTED


def test_the_service_must_be_activated_and_the_account_too(new_sponsor, worker, documents_dir):
    documents = {kind: upload(PDF) for kind in REQUIRED_DOCUMENTS}
    only_transfers = user_of(new_sponsor)  # activated for the consented transfer only

    refused(
        services.case_file,
        "service_not_activated",
        user=only_transfers,
        worker_id_number=worker.id_number,
        documents=documents,
    )

    registered = filer_user(citizen(), status=AccountStatus.REGISTERED)
    refused(
        services.case_file,
        "account_not_activated",
        user=registered,
        worker_id_number=worker.id_number,
        documents=documents,
    )
    assert stored_files(documents_dir) == []


def test_files_written_for_a_filing_that_fails_afterwards_are_removed(
    filer, worker, documents_dir, monkeypatch
):
    from absher.transfers import case_messages

    def fail(case):
        raise RuntimeError("the inbox is down")

    monkeypatch.setattr(case_messages, "tell_filed", fail)
    before = case_snapshot()

    with pytest.raises(RuntimeError):
        file_case(filer, worker)

    assert_nothing_stored(before, documents_dir)


def test_files_already_written_are_removed_when_a_later_write_fails(
    filer, worker, documents_dir, monkeypatch
):
    from absher.transfers.services import cases as case_services

    written = []
    real_write = case_services.document_write

    def write_three(content):
        if len(written) == 3:
            raise OSError("disk full")
        written.append(real_write(content))
        return written[-1]

    monkeypatch.setattr(case_services, "document_write", write_three)

    with pytest.raises(OSError, match="disk full"):
        file_case(filer, worker)

    assert len(written) == 3
    assert stored_files(documents_dir) == []
    assert TransferCase.objects.count() == 0


def test_the_documents_directory_may_not_lie_under_the_web_root(settings, filer, worker):
    from django.core.exceptions import ImproperlyConfigured

    from absher.transfers.documents import documents_root

    settings.CASE_DOCUMENTS_DIR = settings.STATIC_ROOT / "cases"

    with pytest.raises(ImproperlyConfigured):
        documents_root()
    with pytest.raises(ImproperlyConfigured):
        file_case(filer, worker)
    assert TransferCase.objects.count() == 0


def test_the_default_documents_directory_is_private_and_outside_the_web_root():
    from config.settings import base

    assert base.CASE_DOCUMENTS_DIR == base.VAR_DIR / "private" / "cases"
    assert not base.CASE_DOCUMENTS_DIR.resolve().is_relative_to(base.STATIC_ROOT.resolve())
    assert not base.CASE_DOCUMENTS_DIR.resolve().is_relative_to(
        (base.BASE_DIR / "absher").resolve()
    )


# --- the transition table -------------------------------------------------------------------------


def test_the_transition_table_is_the_one_of_the_specification():
    s = CaseStatus
    assert {
        s.SUBMITTED: {s.UNDER_REVIEW},
        s.UNDER_REVIEW: {s.APPROVED, s.REJECTED, s.MORE_DOCUMENTS_REQUESTED},
        s.MORE_DOCUMENTS_REQUESTED: {s.SUBMITTED},
        s.APPROVED: set(),
        s.REJECTED: set(),
    } == CASE_TRANSITIONS
    assert {s.APPROVED, s.REJECTED} == CASE_FINAL_STATUSES
    assert {s.SUBMITTED, s.UNDER_REVIEW, s.MORE_DOCUMENTS_REQUESTED} == CASE_OPEN_STATUSES


def _decisions(officer):
    return {
        "review": lambda case: services.case_review_start(officer=officer, case_id=case.pk),
        "approve": lambda case: services.case_approve(officer=officer, case_id=case.pk),
        "reject": lambda case: services.case_reject(officer=officer, case_id=case.pk, reason="x"),
        "request": lambda case: services.case_request_documents(
            officer=officer, case_id=case.pk, note="x"
        ),
    }


ALLOWED = {
    "submitted": {"review"},
    "under_review": {"approve", "reject", "request"},
    "more_documents_requested": set(),
    "approved": set(),
    "rejected": set(),
}


def _case_in(status: str, filer, worker, officer) -> TransferCase:
    case = file_case(filer, worker)
    if status == "submitted":
        return case
    under_review(case, officer)
    if status == "approved":
        services.case_approve(officer=officer, case_id=case.pk)
    elif status == "rejected":
        services.case_reject(officer=officer, case_id=case.pk, reason="x")
    elif status == "more_documents_requested":
        services.case_request_documents(officer=officer, case_id=case.pk, note="x")
    return TransferCase.objects.get(pk=case.pk)


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("decision", ["review", "approve", "reject", "request"])
def test_an_officer_decision_goes_only_where_the_table_allows(
    filer, worker, officer, status, decision
):
    case = _case_in(status, filer, worker, officer)
    assert case.status == status
    before = case_snapshot()

    if decision in ALLOWED[status]:
        _decisions(officer)[decision](case)
        assert TransferCase.objects.get(pk=case.pk).status in CASE_TRANSITIONS[status]
    else:
        refusal = refused(_decisions(officer)[decision], "case_transition_refused", case=case)
        assert refusal.extra["status"] == status
        assert case_snapshot() == before


# --- the officer's review and decisions -----------------------------------------------------------


def test_an_officer_takes_a_case_for_review_and_the_filer_is_told(case, officer, new_sponsor):
    services.case_review_start(officer=officer, case_id=case.pk)

    case.refresh_from_db()
    assert (case.status, case.reviewer) == ("under_review", officer)
    assert events(case)[-1] == ("review_started", "submitted", "under_review", "officer")
    assert AuditEvent.objects.filter(
        action="transfer_case.review_started", actor_type="staff", actor_id=str(officer.user_id)
    ).exists()
    assert kinds_for(new_sponsor)[-1] == "transfer_case_under_review"


def test_approval_starts_the_transfer_awaiting_the_fee_without_the_sponsor(
    case, officer, sponsor, worker, new_sponsor
):
    under_review(case, officer)

    approved = services.case_approve(officer=officer, case_id=case.pk)

    transfer = TransferRequest.objects.get()
    assert approved.transfer == transfer
    assert (transfer.status, transfer.is_without_consent) == ("awaiting_payment", True)
    assert (transfer.worker, transfer.current_sponsor, transfer.new_sponsor) == (
        worker,
        sponsor,
        new_sponsor,
    )
    assert transfer.case_reference == case.reference
    assert transfer.bill.payer == new_sponsor
    case.refresh_from_db()
    assert (case.status, case.decided_by) == ("approved", str(officer.user_id))
    assert case.decided_at is not None
    assert events(case)[-1] == ("approved", "under_review", "approved", "officer")
    assert AuditEvent.objects.filter(action="transfer_case.approved").exists()
    message = Message.objects.filter(person=new_sponsor, kind="transfer_case_approved").get()
    assert transfer.bill.sadad_number in message.body_ar
    assert transfer.bill.sadad_number in message.body_en
    assert "transfer_approved_without_consent" in kinds_for(sponsor)
    assert "transfer_approved_without_consent" in kinds_for(worker)


def test_a_condition_not_met_refuses_approval_and_the_case_stays_under_review(
    filer, sponsor, officer, new_sponsor
):
    worker = worker_of(sponsor, owes_sponsor=True, has_criminal_case=True)
    case = under_review(file_case(filer, worker), officer)
    messages_before = Message.objects.count()

    refusal = refused(
        services.case_approve, "transfer_conditions_failed", officer=officer, case_id=case.pk
    )

    assert [f["code"] for f in refusal.extra["failed"]] == [
        "worker_criminal_case",
        "worker_owes_sponsor",
    ]
    case.refresh_from_db()
    assert (case.status, case.transfer) == ("under_review", None)
    assert TransferRequest.objects.count() == 0
    assert Bill.objects.count() == 0
    assert Message.objects.count() == messages_before
    refused_event = CaseEvent.objects.filter(case=case).order_by("id").last()
    assert (refused_event.step, refused_event.from_status, refused_event.to_status) == (
        "approval_refused",
        "under_review",
        "under_review",
    )
    assert refused_event.data == {
        "code": "transfer_conditions_failed",
        "failed": ["worker_criminal_case", "worker_owes_sponsor"],
    }
    assert AuditEvent.objects.filter(action="transfer_case.approval_refused").exists()


def test_a_new_sponsor_who_is_not_saudi_cannot_be_approved(sponsor, officer):
    resident_filer = resident(nationality="EG", mother_nationality="EG")
    worker = worker_of(sponsor)
    case = under_review(file_case(filer_user(resident_filer), worker), officer)

    refusal = refused(
        services.case_approve, "transfer_conditions_failed", officer=officer, case_id=case.pk
    )

    assert [f["code"] for f in refusal.extra["failed"]] == ["new_sponsor_not_saudi"]
    assert selectors.case_conditions_now(case=case)[0].code == "new_sponsor_not_saudi"


def test_the_officer_sees_the_conditions_before_approving(case, officer, worker):
    assert selectors.case_conditions_now(case=case) == []

    worker.residency_status = "absent"
    worker.save()
    fresh = selectors.case_get_for_staff(member=officer, case_id=case.pk)

    assert [f.code for f in selectors.case_conditions_now(case=fresh)] == ["worker_reported_absent"]


def test_a_worker_with_an_open_transfer_cannot_be_approved_again(case, officer, sponsor, worker):
    other = citizen()
    user_of(other)
    services.transfer_create_approved_without_consent(
        worker=worker, new_sponsor=other, case_reference="OTHER", actor_id="x"
    )
    under_review(case, officer)

    refused(services.case_approve, "transfer_open", officer=officer, case_id=case.pk)

    case.refresh_from_db()
    assert case.status == "under_review"


def test_a_rejection_needs_a_reason_which_the_filer_is_told(case, officer, new_sponsor):
    under_review(case, officer)
    before = case_snapshot()

    refused(services.case_reject, "reason_required", officer=officer, case_id=case.pk, reason="   ")
    assert case_snapshot() == before

    services.case_reject(officer=officer, case_id=case.pk, reason="خطاب النقل غير مختوم")

    case.refresh_from_db()
    assert (case.status, case.officer_note) == ("rejected", "خطاب النقل غير مختوم")
    assert events(case)[-1] == ("rejected", "under_review", "rejected", "officer")
    message = Message.objects.filter(person=new_sponsor, kind="transfer_case_rejected").get()
    assert "خطاب النقل غير مختوم" in message.body_ar
    assert SmsMessage.objects.filter(to=new_sponsor.mobile, body__contains="غير مختوم").exists()


def test_a_note_over_the_limit_is_refused(case, officer):
    under_review(case, officer)

    refused(
        services.case_reject, "note_too_long", officer=officer, case_id=case.pk, reason="x" * 1001
    )


def test_a_request_for_more_documents_needs_a_note_and_names_known_slots(
    case, officer, new_sponsor
):
    under_review(case, officer)
    before = case_snapshot()

    refused(
        services.case_request_documents, "note_required", officer=officer, case_id=case.pk, note=""
    )
    refused(
        services.case_request_documents,
        "document_slot_unknown",
        officer=officer,
        case_id=case.pk,
        note="x",
        documents=["selfie"],
    )
    assert case_snapshot() == before

    services.case_request_documents(
        officer=officer,
        case_id=case.pk,
        note="صورة الجواز غير واضحة",
        documents=["additional", "old_passports"],
    )

    case.refresh_from_db()
    assert case.status == "more_documents_requested"
    assert case.requested_documents == ["old_passports", "additional"]
    message = Message.objects.filter(
        person=new_sponsor, kind="transfer_case_documents_requested"
    ).get()
    assert "صورة الجواز غير واضحة" in message.body_ar
    assert "صور جوازات المقيم القديمة" in message.body_ar
    assert "Copies of the resident's old passports" in message.body_en


def test_only_an_officer_decides(case):
    clerk = make_officer(StaffRole.AUTHORITY_CLERK)
    before = case_snapshot()

    refused(services.case_review_start, "not_an_officer", officer=clerk, case_id=case.pk)

    assert case_snapshot() == before


# --- the filer's answer to a request for more documents -------------------------------------------


@pytest.fixture
def asked(case, officer):
    under_review(case, officer)
    return services.case_request_documents(
        officer=officer,
        case_id=case.pk,
        note="أرفق خطاب نقل مختومًا ومستندًا إضافيًا",
        documents=["transfer_letter", "additional"],
    )


def test_the_answer_must_hold_every_document_asked_for(asked, filer, documents_dir):
    before = case_snapshot()
    files = stored_files(documents_dir)

    refusal = refused(
        services.case_documents_add,
        "documents_missing",
        user=filer,
        case_id=asked.pk,
        documents={"transfer_letter": upload(PDF)},
    )

    assert [item["slot"] for item in refusal.extra["missing"]] == ["additional"]
    assert case_snapshot() == before
    assert stored_files(documents_dir) == files


def test_the_answer_replaces_the_slot_keeps_the_old_document_and_submits_again(
    asked, filer, new_sponsor, documents_dir
):
    old_letter = CaseDocument.objects.get(case=asked, kind="transfer_letter")

    services.case_documents_add(
        user=filer,
        case_id=asked.pk,
        documents={"transfer_letter": upload(PNG, "letter.png", "image/png")},
        additional=[upload(PDF, "extra.pdf")],
    )

    asked.refresh_from_db()
    assert (asked.status, asked.requested_documents) == ("submitted", [])
    old_letter.refresh_from_db()
    assert (old_letter.is_current, old_letter.replaced_at is not None) == (False, True)
    current = list(selectors.case_documents_current(case=asked))
    assert [d.kind for d in current] == [*REQUIRED_DOCUMENTS, "additional"]
    assert {d.kind: d.content_type for d in current}["transfer_letter"] == "image/png"
    assert len(stored_files(documents_dir)) == 9
    assert events(asked)[-1] == ("resubmitted", "more_documents_requested", "submitted", "filer")
    assert kinds_for(new_sponsor)[-1] == "transfer_case_resubmitted"
    assert selectors.cases_to_review().get() == asked


def test_a_refused_answer_stores_nothing(asked, filer, documents_dir):
    before = case_snapshot()
    files = stored_files(documents_dir)

    refused(
        services.case_documents_add,
        "document_executable",
        user=filer,
        case_id=asked.pk,
        documents={"transfer_letter": upload(PDF)},
        additional=[upload(EXECUTABLE, "extra.pdf")],
    )

    assert case_snapshot() == before
    assert stored_files(documents_dir) == files


def test_documents_are_added_only_when_the_officer_asked(case, filer):
    before = case_snapshot()

    refused(
        services.case_documents_add,
        "case_not_awaiting_documents",
        user=filer,
        case_id=case.pk,
        documents={"transfer_letter": upload(PDF)},
    )

    assert case_snapshot() == before


def test_at_most_ten_additional_documents(asked, filer):
    refused(
        services.case_documents_add,
        "too_many_documents",
        user=filer,
        case_id=asked.pk,
        documents={"transfer_letter": upload(PDF)},
        additional=[upload(PDF) for _ in range(11)],
    )


# --- who may see a case ---------------------------------------------------------------------------


def test_a_case_exists_only_for_its_filer_and_for_officers(case, sponsor, worker, officer):
    assert selectors.case_get_for_actor(person=case.filer, case_id=case.pk) == case
    for someone in (sponsor, worker, citizen()):
        refused(selectors.case_get_for_actor, "case_not_found", person=someone, case_id=case.pk)
    refused(selectors.case_get_for_actor, "case_not_found", person=case.filer, case_id=10**9)
    assert selectors.case_get_for_staff(member=officer, case_id=case.pk) == case
    for role in (StaffRole.AUTHORITY_CLERK, StaffRole.CALL_CENTRE_AGENT, StaffRole.ADMINISTRATOR):
        refused(
            selectors.case_get_for_staff,
            "case_not_found",
            member=make_officer(role),
            case_id=case.pk,
        )
    officer.user.is_active = False
    officer.user.save()
    refused(selectors.case_get_for_staff, "case_not_found", member=officer, case_id=case.pk)


def test_another_persons_document_is_not_found_through_a_case_one_may_see(case, sponsor, officer):
    other_filer = filer_user(citizen())
    other_case = file_case(other_filer, worker_of(sponsor))
    foreign = CaseDocument.objects.filter(case=other_case).first()

    refused(selectors.case_document_get, "document_not_found", case=case, document_id=foreign.pk)


def test_another_persons_case_cannot_be_answered(asked, sponsor, documents_dir):
    stranger = filer_user(citizen())
    files = stored_files(documents_dir)

    refused(
        services.case_documents_add,
        "case_not_found",
        user=stranger,
        case_id=asked.pk,
        documents={"transfer_letter": upload(PDF)},
        additional=[upload(PDF)],
    )

    assert stored_files(documents_dir) == files


def test_the_queue_holds_cases_waiting_for_an_officer_longest_waiting_first(
    filer, sponsor, officer, moved_clock
):
    import datetime as dt

    from absher.accounts.tests.support import T0

    first = file_case(filer, worker_of(sponsor))
    moved_clock(T0 + dt.timedelta(hours=1))
    second = file_case(filer, worker_of(sponsor))
    third = file_case(filer, worker_of(sponsor))
    under_review(second, officer)
    services.case_request_documents(officer=officer, case_id=second.pk, note="x")

    assert list(selectors.cases_to_review()) == [first, third]
    assert list(selectors.cases_of(person=filer.person)) == [third, second, first]


def test_a_phone_photo_saved_as_mpo_is_a_jpeg(filer, worker):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(
        buffer, format="MPO", save_all=True, append_images=[Image.new("RGB", (8, 8))]
    )

    case = file_case(
        filer, worker, resident_photo=upload(buffer.getvalue(), "IMG_0042.JPG", "image/jpeg")
    )

    assert CaseDocument.objects.get(case=case, kind="resident_photo").content_type == "image/jpeg"


def test_an_image_with_too_many_pixels_is_refused(filer, worker, documents_dir):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (7000, 7000)).save(buffer, format="PNG")  # 49 million pixels in 6 kB
    before = case_snapshot()

    refused(
        services.case_file,
        "document_image_too_large",
        user=filer,
        worker_id_number=worker.id_number,
        documents={
            **{kind: upload(PDF) for kind in REQUIRED_DOCUMENTS},
            "resident_photo": upload(buffer.getvalue(), "photo.png", "image/png"),
        },
    )

    assert_nothing_stored(before, documents_dir)


def test_without_pillow_the_image_end_markers_are_checked():
    from absher.transfers.documents import DocumentRefused, _image_structure_check

    _image_structure_check(JPEG, "image/jpeg")
    _image_structure_check(PNG, "image/png")
    for content, content_type in ((JPEG[:-2], "image/jpeg"), (PNG[:-12], "image/png")):
        with pytest.raises(DocumentRefused) as refusal:
            _image_structure_check(content, content_type)
        assert refusal.value.code == "document_damaged"
