"""Cases for a transfer without the current sponsor's consent (نقل الكفالة بدون موافقة الكفيل,
SPEC 9): the prospective new sponsor files a case for a worker with the seven documents of the
checklist; an officer takes it for review and approves it (a transfer then awaits the fee, as in
SPEC 8, conditions 1–5 still applying), rejects it with a reason, or asks for more documents, which
the filer adds to submit it again.

Every status change locks the case's row, follows CASE_TRANSITIONS, and writes a history row and an
audit event in the same transaction, and tells the filer. Documents are checked by their content
before anything is written; their files are written before the transaction and removed again if
it does not commit, so a refused or failed filing leaves no file behind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import StaffRole
from absher.accounts.models import StaffMember, User
from absher.accounts.selectors import service_codes_activated_by, service_is_offered_to
from absher.audit.services import audit_record
from absher.catalog.availability import e_service_entry_point, service_start_check
from absher.catalog.models import Service
from absher.catalog.selectors import service_get
from absher.core import clock
from absher.core.errors import ApplicationError, Conflict, Forbidden, InvalidInput, NotFound
from absher.identity.models import Person
from absher.identity.rules import id_number_parse
from absher.identity.selectors import person_get_by_id_number, sponsor_current_of
from absher.transfers import case_messages
from absher.transfers.constants import (
    ADDITIONAL_DOCUMENTS_MAX,
    CASE_FINAL_STATUSES,
    CASE_NOTE_MAX_LENGTH,
    CASE_OPEN_STATUSES,
    CASE_REFERENCE_PREFIX,
    CASE_TRANSITIONS,
    REQUIRED_DOCUMENTS,
    WITHOUT_CONSENT_SERVICE_CODE,
    CaseRole,
    CaseStatus,
    CaseStep,
    DocumentKind,
)
from absher.transfers.documents import (
    Inspected,
    Upload,
    document_write,
    documents_delete,
    documents_inspect,
    documents_refusal,
)
from absher.transfers.models import CaseDocument, CaseEvent, TransferCase
from absher.transfers.selectors import case_get_for_actor, case_not_found
from absher.transfers.services.common import acting_person
from absher.transfers.services.without_consent import transfer_create_approved_without_consent

FILER = "person"
STAFF = "staff"


# --- refusals ------------------------------------------------------------------------------------


def _documents_missing(missing: Sequence[str]) -> InvalidInput:
    return InvalidInput(
        "documents_missing",
        _("Attach every document asked for. Each missing one is listed."),
        {"missing": [{"slot": kind, "label": DocumentKind(kind).label} for kind in missing]},
    )


def _case_open() -> Conflict:
    return Conflict(
        "case_open",
        _(
            "You already have an open case for this worker. Follow it up on its page instead of "
            "filing a new one."
        ),
    )


def _officer_only(officer: StaffMember) -> None:
    if officer.role != StaffRole.OFFICER or not officer.user.is_active:
        raise Forbidden("not_an_officer", _("Only Absher officers may review these cases."))


def _required_text(value: str, code: str, message: Any) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(code, message)
    if len(text) > CASE_NOTE_MAX_LENGTH:
        raise InvalidInput(
            "note_too_long",
            _("Write at most 1000 characters."),
            {"max_length": CASE_NOTE_MAX_LENGTH},
        )
    return text


# --- what every step shares ----------------------------------------------------------------------


def _case_service() -> Service:
    service = service_get(code=WITHOUT_CONSENT_SERVICE_CODE)
    if service is None:
        raise NotFound("service_not_found", _("This e-service does not exist."))
    return service


def case_lock(*, case_id: int) -> TransferCase | None:
    """The case's row, locked until the end of the transaction (its people read with it)."""
    return (
        TransferCase.objects.select_related("filer", "worker", "current_sponsor", "service")
        .select_for_update(of=("self",))
        .filter(pk=case_id)
        .first()
    )


def _locked(case_id: int) -> TransferCase:
    case = case_lock(case_id=case_id)
    if case is None:
        raise case_not_found()
    return case


def _event(
    case: TransferCase,
    *,
    step: str,
    before: str,
    role: str,
    actor_type: str,
    actor_id: str,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    CaseEvent.objects.create(
        case=case,
        step=step,
        from_status=before,
        to_status=case.status,
        actor_role=role,
        actor_type=actor_type,
        actor_id=actor_id,
        note=note[:CASE_NOTE_MAX_LENGTH],
        data=data or {},
    )
    audit_record(
        action=f"transfer_case.{step}",
        actor_type=actor_type,
        actor_id=actor_id,
        subject_type="transfer_case",
        subject_id=str(case.pk),
        person=case.filer,
        data={"from": before, "to": case.status, "reference": case.reference, **(data or {})},
    )


def _transition(
    case: TransferCase,
    to: str,
    *,
    step: str,
    role: str,
    actor_type: str,
    actor_id: str,
    note: str = "",
    fields: tuple[str, ...] = (),
    data: dict[str, Any] | None = None,
) -> None:
    """The one place a case's status changes, by CASE_TRANSITIONS; the caller holds the row lock.
    Writes the history row and the audit event."""
    if to not in CASE_TRANSITIONS[case.status]:
        raise Conflict(
            "case_transition_refused",
            _("This case can no longer be changed this way: its status has changed."),
            {"status": case.status, "refused": to},
        )
    before = case.status
    case.status = to
    changed = ["status", "updated_at", *fields]
    if to in CASE_FINAL_STATUSES:
        case.decided_at = clock.now()
        case.decided_by = actor_id
        changed += ["decided_at", "decided_by"]
    case.save(update_fields=changed)
    _event(
        case,
        step=step,
        before=before,
        role=role,
        actor_type=actor_type,
        actor_id=actor_id,
        note=note,
        data=data,
    )


def _documents_store(
    case: TransferCase, stored: list[tuple[str, Inspected, str]], *, uploaded_by: str
) -> None:
    CaseDocument.objects.bulk_create(
        CaseDocument(
            case=case,
            kind=kind,
            content_type=inspected.content_type,
            size_bytes=inspected.size,
            sha256=inspected.sha256,
            storage_name=storage_name,
            original_name=inspected.original_name,
            uploaded_by=uploaded_by,
        )
        for kind, inspected, storage_name in stored
    )


def _files_write(items: list[tuple[str, Inspected]]) -> list[tuple[str, Inspected, str]]:
    """Writes every file; on any failure removes those already written."""
    stored: list[tuple[str, Inspected, str]] = []
    try:
        for kind, inspected in items:
            stored.append((kind, inspected, document_write(inspected.content)))
    except BaseException:
        documents_delete(name for _kind, _inspected, name in stored)
        raise
    return stored


def _inspected_or_refuse(uploads: dict[str, Upload]) -> dict[str, Inspected]:
    passed, problems = documents_inspect(uploads)
    if problems:
        raise documents_refusal(problems)
    return passed


# --- the filer ------------------------------------------------------------------------------------


def _filer_start_checks(user: User, service: Service) -> Person:
    """An activated account, no suspension of this service (checked before anything else), the
    service offered to the filer and activated."""
    filer = acting_person(user)
    service_start_check(person=filer, service=service)
    if not service_is_offered_to(service=service, person=filer):
        raise Forbidden("service_not_eligible", _("This e-service is not offered to you."))
    if service.requires_activation and service.code not in service_codes_activated_by(user=user):
        raise Forbidden(
            "service_not_activated", _("Activate this e-service first, then try again.")
        )
    return filer


def _worker_for(filer: Person, worker_id_number: str) -> tuple[Person, Person]:
    """The worker named by ID number and the worker's current sponsor, who must be someone other
    than the filer."""
    parsed = id_number_parse(worker_id_number)
    worker = person_get_by_id_number(id_number=parsed.value)
    if worker is None:
        raise InvalidInput(
            "worker_not_found",
            _(
                "No resident with this ID number is in the registry. Check the worker's iqama "
                "number."
            ),
        )
    if worker.pk == filer.pk:
        raise InvalidInput(
            "worker_is_filer",
            _("You cannot file a case for yourself. Enter the worker's iqama number."),
        )
    sponsor = sponsor_current_of(worker=worker)
    if sponsor is None:
        raise InvalidInput(
            "worker_has_no_sponsor",
            _("This worker has no current sponsor, so there is no sponsorship to transfer."),
        )
    if sponsor.pk == filer.pk:
        raise InvalidInput(
            "worker_already_yours",
            _("This worker is already sponsored by you. A case is filed by a new sponsor."),
        )
    return worker, sponsor


@e_service_entry_point(
    arguments=lambda user, service: {"user": user, "worker_id_number": "", "documents": {}},
    service_codes=(WITHOUT_CONSENT_SERVICE_CODE,),
)
def case_file(
    *, user: User, worker_id_number: str, documents: Mapping[str, Upload]
) -> TransferCase:
    """The prospective new sponsor files a case for a worker with the seven documents of the
    checklist (`documents`: slot → upload). It starts `submitted`, waiting for an officer."""
    service = _case_service()
    filer = _filer_start_checks(user, service)
    worker, current_sponsor = _worker_for(filer, worker_id_number)
    unknown = sorted(set(documents) - set(REQUIRED_DOCUMENTS))
    if unknown:
        raise InvalidInput(
            "document_slot_unknown",
            _("A document was sent for a slot that does not exist."),
            {"slots": unknown},
        )
    missing = [kind for kind in REQUIRED_DOCUMENTS if documents.get(kind) is None]
    if missing:
        raise _documents_missing(missing)
    if TransferCase.objects.filter(
        filer=filer, worker=worker, status__in=sorted(CASE_OPEN_STATUSES)
    ).exists():
        raise _case_open()
    passed = _inspected_or_refuse({kind: documents[kind] for kind in REQUIRED_DOCUMENTS})
    stored = _files_write([(kind, passed[kind]) for kind in REQUIRED_DOCUMENTS])
    try:
        with transaction.atomic():
            now = clock.now()
            case = TransferCase.objects.create(
                service=service,
                filer=filer,
                worker=worker,
                current_sponsor=current_sponsor,
                submitted_at=now,
            )
            case.reference = f"{CASE_REFERENCE_PREFIX}-{now:%Y}-{case.pk:06d}"
            case.save(update_fields=["reference", "updated_at"])
            _documents_store(case, stored, uploaded_by=str(user.pk))
            _event(
                case,
                step=CaseStep.FILED,
                before="",
                role=CaseRole.FILER,
                actor_type=FILER,
                actor_id=str(user.pk),
                data={"documents": list(REQUIRED_DOCUMENTS)},
            )
            case_messages.tell_filed(case)
    except IntegrityError:
        documents_delete(name for _kind, _inspected, name in stored)
        if TransferCase.objects.filter(
            filer=filer, worker=worker, status__in=sorted(CASE_OPEN_STATUSES)
        ).exists():
            raise _case_open() from None
        raise
    except BaseException:
        documents_delete(name for _kind, _inspected, name in stored)
        raise
    return case


def case_documents_add(
    *,
    user: User,
    case_id: int,
    documents: Mapping[str, Upload],
    additional: Sequence[Upload] = (),
) -> TransferCase:
    """The filer answers a request for more documents: `documents` replace those of the same
    slots (the replaced ones are kept for the history) and `additional` are added; the case is
    submitted again. Every slot the officer named must be in the answer."""
    filer = acting_person(user)
    case = case_get_for_actor(person=filer, case_id=case_id)
    if case.status != CaseStatus.MORE_DOCUMENTS_REQUESTED:
        raise _not_awaiting_documents(case.status)
    unknown = sorted(set(documents) - set(REQUIRED_DOCUMENTS))
    if unknown:
        raise InvalidInput(
            "document_slot_unknown",
            _("A document was sent for a slot that does not exist."),
            {"slots": unknown},
        )
    given = {kind: upload for kind, upload in documents.items() if upload is not None}
    extra = [upload for upload in additional if upload is not None]
    requested = list(case.requested_documents or [])
    missing = [
        kind
        for kind in requested
        if (kind == DocumentKind.ADDITIONAL and not extra)
        or (kind != DocumentKind.ADDITIONAL and kind not in given)
    ]
    if missing:
        raise _documents_missing(missing)
    if not given and not extra:
        raise InvalidInput(
            "documents_missing",
            _("Attach at least one document: the one the officer asked for."),
            {"missing": []},
        )
    already = CaseDocument.objects.filter(case=case, kind=DocumentKind.ADDITIONAL).count()
    if already + len(extra) > ADDITIONAL_DOCUMENTS_MAX:
        raise InvalidInput(
            "too_many_documents",
            _("A case can hold at most 10 additional documents."),
            {"max_additional": ADDITIONAL_DOCUMENTS_MAX},
        )
    ordered: dict[str, Upload] = {kind: given[kind] for kind in REQUIRED_DOCUMENTS if kind in given}
    ordered.update({f"{DocumentKind.ADDITIONAL}.{i}": upload for i, upload in enumerate(extra)})
    passed = _inspected_or_refuse(ordered)
    items = [(slot.split(".")[0], inspected) for slot, inspected in passed.items()]
    stored = _files_write(items)
    try:
        with transaction.atomic():
            case = _locked(case.pk)
            if case.status != CaseStatus.MORE_DOCUMENTS_REQUESTED:
                raise _not_awaiting_documents(case.status)
            now = clock.now()
            replaced = [kind for kind in REQUIRED_DOCUMENTS if kind in given]
            CaseDocument.objects.filter(case=case, kind__in=replaced, is_current=True).update(
                is_current=False, replaced_at=now, updated_at=now
            )
            _documents_store(case, stored, uploaded_by=str(user.pk))
            case.submitted_at = now
            case.requested_documents = []
            _transition(
                case,
                CaseStatus.SUBMITTED,
                step=CaseStep.RESUBMITTED,
                role=CaseRole.FILER,
                actor_type=FILER,
                actor_id=str(user.pk),
                fields=("submitted_at", "requested_documents"),
                data={"replaced": replaced, "additional": len(extra)},
            )
            case_messages.tell_resubmitted(case)
    except BaseException:
        documents_delete(name for _kind, _inspected, name in stored)
        raise
    return case


def _not_awaiting_documents(status: str) -> Conflict:
    return Conflict(
        "case_not_awaiting_documents",
        _("Documents can be added to a case only when the officer has asked for more."),
        {"status": status},
    )


# --- the officer ----------------------------------------------------------------------------------


def case_review_start(*, officer: StaffMember, case_id: int) -> TransferCase:
    """An officer takes a submitted case for review (submitted → under review)."""
    _officer_only(officer)
    with transaction.atomic():
        case = _locked(case_id)
        case.reviewer = officer
        _transition(
            case,
            CaseStatus.UNDER_REVIEW,
            step=CaseStep.REVIEW_STARTED,
            role=CaseRole.OFFICER,
            actor_type=STAFF,
            actor_id=str(officer.user_id),
            fields=("reviewer",),
        )
        case_messages.tell_review_started(case)
    return case


def case_approve(*, officer: StaffMember, case_id: int) -> TransferCase:
    """The officer approves: the transfer starts without the current sponsor's consent, awaiting
    the fee (`transfer_create_approved_without_consent`, which checks conditions 1–5). When it is
    refused (a condition is not met, the worker has an open transfer) the case stays under review,
    the refusal is written to its history, and it is raised for the officer to see."""
    _officer_only(officer)
    refusal: ApplicationError | None = None
    with transaction.atomic():
        case = _locked(case_id)
        if CaseStatus.APPROVED not in CASE_TRANSITIONS[case.status]:
            raise Conflict(
                "case_transition_refused",
                _("This case can no longer be changed this way: its status has changed."),
                {"status": case.status, "refused": CaseStatus.APPROVED},
            )
        try:
            with transaction.atomic():
                transfer = transfer_create_approved_without_consent(
                    worker=case.worker,
                    new_sponsor=case.filer,
                    case_reference=case.reference or str(case.pk),
                    actor_id=str(officer.user_id),
                    actor_type=STAFF,
                )
        except ApplicationError as error:
            refusal = error
            failed = [item["code"] for item in error.extra.get("failed", [])]
            _event(
                case,
                step=CaseStep.APPROVAL_REFUSED,
                before=case.status,
                role=CaseRole.OFFICER,
                actor_type=STAFF,
                actor_id=str(officer.user_id),
                data={"code": error.code, "failed": failed},
            )
        else:
            case.transfer = transfer
            _transition(
                case,
                CaseStatus.APPROVED,
                step=CaseStep.APPROVED,
                role=CaseRole.OFFICER,
                actor_type=STAFF,
                actor_id=str(officer.user_id),
                fields=("transfer",),
                data={"transfer": transfer.pk},
            )
            case_messages.tell_approved(case)
    if refusal is not None:
        raise refusal
    return case


def case_reject(*, officer: StaffMember, case_id: int, reason: str) -> TransferCase:
    """The officer rejects the case; the reason (required) is shown to the filer."""
    _officer_only(officer)
    reason = _required_text(reason, "reason_required", _("Give the reason for the rejection."))
    with transaction.atomic():
        case = _locked(case_id)
        case.officer_note = reason
        _transition(
            case,
            CaseStatus.REJECTED,
            step=CaseStep.REJECTED,
            role=CaseRole.OFFICER,
            actor_type=STAFF,
            actor_id=str(officer.user_id),
            note=reason,
            fields=("officer_note",),
        )
        case_messages.tell_rejected(case)
    return case


def case_request_documents(
    *, officer: StaffMember, case_id: int, note: str, documents: Sequence[str] = ()
) -> TransferCase:
    """The officer asks the filer for more documents: the note (required) says which and why;
    `documents` names the slots the answer must fill (`additional` for a document beyond the
    checklist)."""
    _officer_only(officer)
    note = _required_text(note, "note_required", _("Say which documents are needed and why."))
    unknown = sorted(set(documents) - set(DocumentKind.values))
    if unknown:
        raise InvalidInput(
            "document_slot_unknown",
            _("A document was named that is not part of a case."),
            {"slots": unknown},
        )
    requested = [kind for kind in DocumentKind.values if kind in set(documents)]
    with transaction.atomic():
        case = _locked(case_id)
        case.officer_note = note
        case.requested_documents = requested
        _transition(
            case,
            CaseStatus.MORE_DOCUMENTS_REQUESTED,
            step=CaseStep.DOCUMENTS_REQUESTED,
            role=CaseRole.OFFICER,
            actor_type=STAFF,
            actor_id=str(officer.user_id),
            note=note,
            fields=("officer_note", "requested_documents"),
            data={"documents": requested},
        )
        case_messages.tell_documents_requested(case)
    return case


__all__ = [
    "case_approve",
    "case_documents_add",
    "case_file",
    "case_lock",
    "case_reject",
    "case_request_documents",
    "case_review_start",
]
