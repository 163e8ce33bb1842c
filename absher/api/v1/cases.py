"""Transfer without the sponsor's consent (SPEC 9, نقل الكفالة بدون موافقة الكفيل): the
prospective new sponsor's cases.

One design, in one request each: a case is filed with a single `multipart/form-data` request that
carries the worker's iqama number and the seven documents of the checklist, one file field per
slot (the field names are the slot codes of `GET /cases/checklist`); when an officer asks for more
documents, one `multipart/form-data` request to `/cases/{id}/documents` carries the replacements
(same field names) and any `additional` files, and submits the case again. Files are PDF, JPEG or
PNG judged by their content, each at most the size the checklist gives; nothing is stored unless
the whole request is accepted. Documents are downloaded by the filer only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from absher.api.openapi import error_responses, errors
from absher.api.security import activated_token, caller
from absher.identity.models import Person
from absher.transfers import selectors, services
from absher.transfers.constants import REQUIRED_DOCUMENTS, DocumentKind, case_document_max_bytes
from absher.transfers.documents import document_download
from absher.transfers.models import CaseDocument, CaseEvent, TransferCase

router = Router(tags=["transfer without the sponsor's consent"])

LIST_LIMIT = 200
SLOT_FIELD = "One of the seven documents of the checklist: PDF, JPEG or PNG."
# A file field of the multipart body, optional so that a missing one is refused by the service
# with `documents_missing` (and the slots that are missing), not as a malformed request.
SlotFile = Annotated[UploadedFile | None, File(description=SLOT_FIELD)]
AdditionalFiles = Annotated[
    list[UploadedFile] | None,
    File(description="Documents the officer asked for beyond the checklist."),
]


# --- shapes ---------------------------------------------------------------------------------------


class SlotOut(Schema):
    slot: str
    label_ar: str
    label_en: str
    required: bool


class ChecklistOut(Schema):
    items: list[SlotOut]
    content_types: list[str]
    max_bytes: int


class PersonOut(Schema):
    id_number: str = Field(description="The worker's in full; the current sponsor's masked.")
    name_ar: str
    name_en: str
    nationality: str


class DocumentOut(Schema):
    id: int
    slot: str
    label_ar: str
    label_en: str
    content_type: str = Field(description="What the content is: application/pdf, image/jpeg, …")
    size_bytes: int
    sha256: str
    original_name: str
    uploaded_at: dt.datetime
    is_current: bool = Field(description="False for a document the filer replaced later.")
    download_url: str


class TimelineItemOut(Schema):
    step: str
    status: str = Field(description="The case's status after this step.")
    actor: str = Field(description="filer or officer")
    at: dt.datetime
    note: str


class TransferSummaryOut(Schema):
    id: int
    status: str
    fee_halalas: int
    sadad_number: str | None


class CaseOut(Schema):
    id: int
    reference: str
    status: str = Field(
        description="submitted, under_review, more_documents_requested, approved or rejected"
    )
    worker: PersonOut
    current_sponsor: PersonOut
    created_at: dt.datetime
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    officer_note: str = Field(
        description="The officer's reason for a rejection, or which documents are needed."
    )
    requested_documents: list[str] = Field(
        description="The slots the officer asked the filer to send again (or `additional`)."
    )
    transfer_id: int | None = Field(description="The transfer started once the case is approved.")


class CaseDetailOut(CaseOut):
    transfer: TransferSummaryOut | None
    documents: list[DocumentOut]
    timeline: list[TimelineItemOut]


class CaseList(Schema):
    items: list[CaseOut]


# --- rendering ------------------------------------------------------------------------------------


def _labels(kind: str) -> dict[str, str]:
    label = DocumentKind(kind).label
    with translation.override("ar"):
        label_ar = str(label)
    with translation.override("en"):
        label_en = str(label)
    return {"label_ar": label_ar, "label_en": label_en}


def _masked(id_number: str) -> str:
    return "•" * (len(id_number) - 4) + id_number[-4:]


def _person(person: Person, *, shown: bool) -> dict:
    return {
        "id_number": person.id_number if shown else _masked(person.id_number),
        "name_ar": person.name_ar,
        "name_en": person.name_en,
        "nationality": person.nationality,
    }


def case_out(case: TransferCase) -> dict:
    return {
        "id": case.pk,
        "reference": case.reference or "",
        "status": case.status,
        "worker": _person(case.worker, shown=True),
        "current_sponsor": _person(case.current_sponsor, shown=False),
        "created_at": case.created_at,
        "submitted_at": case.submitted_at,
        "decided_at": case.decided_at,
        "officer_note": case.officer_note,
        "requested_documents": list(case.requested_documents or []),
        "transfer_id": case.transfer_id,
    }


def _document(case: TransferCase, document: CaseDocument) -> dict:
    return {
        "id": document.pk,
        "slot": document.kind,
        **_labels(document.kind),
        "content_type": document.content_type,
        "size_bytes": document.size_bytes,
        "sha256": document.sha256,
        "original_name": document.original_name,
        "uploaded_at": document.created_at,
        "is_current": document.is_current,
        "download_url": f"/api/v1/cases/{case.pk}/documents/{document.pk}",
    }


def _timeline_item(event: CaseEvent) -> dict:
    return {
        "step": event.step,
        "status": event.to_status,
        "actor": event.actor_role,
        "at": event.created_at,
        "note": event.note,
    }


def case_detail_out(case: TransferCase) -> dict:
    transfer = case.transfer
    current = list(selectors.case_documents_current(case=case))
    replaced = list(selectors.case_documents_replaced(case=case))
    return {
        **case_out(case),
        "transfer": None
        if transfer is None
        else {
            "id": transfer.pk,
            "status": selectors.transfer_status_now(transfer),
            "fee_halalas": transfer.fee_halalas,
            "sadad_number": transfer.bill.sadad_number if transfer.bill else None,
        },
        "documents": [_document(case, document) for document in [*current, *replaced]],
        "timeline": [_timeline_item(e) for e in selectors.case_timeline(case=case)],
    }


def _fresh(person: Person, case_id: int) -> dict:
    return case_detail_out(selectors.case_get_for_actor(person=person, case_id=case_id))


# --- operations -----------------------------------------------------------------------------------


@router.get(
    "/checklist",
    response=ChecklistOut,
    auth=activated_token,
    summary="The seven documents a case needs (the multipart field names), types and size limit",
)
def checklist(request: HttpRequest) -> dict:
    return {
        "items": [
            {"slot": kind, **_labels(kind), "required": kind in REQUIRED_DOCUMENTS}
            for kind in DocumentKind.values
        ],
        "content_types": ["application/pdf", "image/jpeg", "image/png"],
        "max_bytes": case_document_max_bytes(),
    }


@router.post(
    "",
    response={201: CaseDetailOut},
    auth=activated_token,
    openapi_extra=errors(404, 409),
    summary=(
        "File a case in one multipart/form-data request: worker_id_number and the seven "
        "documents, one file field per slot of /cases/checklist"
    ),
)
def case_create(
    request: HttpRequest,
    worker_id_number: Form[str],
    sponsorship_form: SlotFile = None,
    transfer_letter: SlotFile = None,
    old_passports: SlotFile = None,
    chamber_of_commerce: SlotFile = None,
    sponsor_pledge: SlotFile = None,
    commercial_registration: SlotFile = None,
    resident_photo: SlotFile = None,
) -> Status:
    user = caller(request)
    uploads = {
        "sponsorship_form": sponsorship_form,
        "transfer_letter": transfer_letter,
        "old_passports": old_passports,
        "chamber_of_commerce": chamber_of_commerce,
        "sponsor_pledge": sponsor_pledge,
        "commercial_registration": commercial_registration,
        "resident_photo": resident_photo,
    }
    case = services.case_file(
        user=user,
        worker_id_number=worker_id_number,
        documents={kind: upload for kind, upload in uploads.items() if upload is not None},
    )
    return Status(201, _fresh(user.person, case.pk))


@router.get("", response=CaseList, auth=activated_token, summary="My cases, newest first")
def case_list(request: HttpRequest) -> dict:
    cases = selectors.cases_of(person=caller(request).person)[:LIST_LIMIT]
    return {"items": [case_out(case) for case in cases]}


@router.get(
    "/{case_id}",
    response=CaseDetailOut,
    auth=activated_token,
    openapi_extra=errors(404),
    summary="One case: status, documents, history and, once approved, the transfer",
)
def case_detail(request: HttpRequest, case_id: int) -> dict:
    return _fresh(caller(request).person, case_id)


@router.post(
    "/{case_id}/documents",
    response=CaseDetailOut,
    auth=activated_token,
    openapi_extra=errors(404, 409),
    summary=(
        "Answer a request for more documents in one multipart/form-data request: replacements "
        "by slot and any `additional` files; the case is submitted again"
    ),
)
def case_documents_add(
    request: HttpRequest,
    case_id: int,
    sponsorship_form: SlotFile = None,
    transfer_letter: SlotFile = None,
    old_passports: SlotFile = None,
    chamber_of_commerce: SlotFile = None,
    sponsor_pledge: SlotFile = None,
    commercial_registration: SlotFile = None,
    resident_photo: SlotFile = None,
    additional: AdditionalFiles = None,
) -> dict:
    user = caller(request)
    uploads = {
        "sponsorship_form": sponsorship_form,
        "transfer_letter": transfer_letter,
        "old_passports": old_passports,
        "chamber_of_commerce": chamber_of_commerce,
        "sponsor_pledge": sponsor_pledge,
        "commercial_registration": commercial_registration,
        "resident_photo": resident_photo,
    }
    services.case_documents_add(
        user=user,
        case_id=case_id,
        documents={kind: upload for kind, upload in uploads.items() if upload is not None},
        additional=additional or [],
    )
    return _fresh(user.person, case_id)


@router.get(
    "/{case_id}/documents/{document_id}",
    auth=activated_token,
    summary="Download one document of my case (as an attachment, with its stored type)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The document",
                "content": {
                    kind: {"schema": {"type": "string", "format": "binary"}}
                    for kind in ("application/pdf", "image/jpeg", "image/png")
                },
            },
            **error_responses(404),
        }
    },
)
def case_document(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    case = selectors.case_get_for_actor(person=caller(request).person, case_id=case_id)
    document = selectors.case_document_get(case=case, document_id=document_id)
    download = document_download(case=case, document=document)
    response = HttpResponse(download.path.read_bytes(), content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
