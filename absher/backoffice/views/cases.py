"""Officers review cases for a transfer without the sponsor's consent (نقل الكفالة بدون موافقة
الكفيل): the queue, one case with its people, documents and history, and the decisions — take it
for review, then approve it (a transfer starts, awaiting the fee), reject it with a reason, or ask
the filer for more documents.

Opening a case shows the registry data of the filer, the worker and the current sponsor, so each
opening is written to their access logs ("who looked at my data"); each document an officer
downloads is written to the filer's and the worker's. The queue shows only names and the last
digits of ID numbers and is not.

A refused approval (a condition of the transfer is not met) is shown with every failed condition;
the case stays under review, and the refusal is in its history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from absher.accounts.constants import StaffRole
from absher.audit.services import audit_record_access
from absher.backoffice.access import StaffRequest, officer_label, staff_required
from absher.backoffice.forms import (
    CASE_REJECT_FIELDS,
    CASE_REQUEST_FIELDS,
    CaseDecisionForm,
    CaseDocumentsRequestForm,
    CaseRejectForm,
    add_refusal,
)
from absher.core.errors import ApplicationError, NotFound
from absher.transfers.constants import CaseStatus, DocumentKind, TransferStatus
from absher.transfers.documents import document_download
from absher.transfers.models import CaseDocument, TransferCase
from absher.transfers.selectors import (
    case_conditions_now,
    case_document_get,
    case_documents_current,
    case_documents_replaced,
    case_get_for_staff,
    case_timeline,
    cases_to_review,
    transfer_status_now,
)
from absher.transfers.services import (
    case_approve,
    case_reject,
    case_request_documents,
    case_review_start,
)

PAGE_SIZE = 50
VIEWED_ACTION = "transfer_case.viewed"
DOCUMENT_ACTION = "transfer_case.document_viewed"


def _case(request: StaffRequest, case_id: int) -> TransferCase:
    try:
        return case_get_for_staff(member=request.staff_member, case_id=case_id)
    except NotFound:
        raise Http404 from None


def _access(
    request: StaffRequest,
    case: TransferCase,
    people: list[Any],
    *,
    action: str = VIEWED_ACTION,
    **data: Any,
) -> None:
    """Writes the officer's look-up to each person's access log."""
    member = request.staff_member
    for person in people:
        audit_record_access(
            action=action,
            actor_type="staff",
            actor_id=str(member.user_id),
            person=person,
            subject_type="transfer_case",
            subject_id=str(case.pk),
            data={
                "actor_label": officer_label(member),
                "office": member.office.code if member.office else "",
                "purpose": "transfer_case_review",
                "reference": case.reference,
                **data,
            },
        )


def _render_detail(
    request: StaffRequest,
    case: TransferCase,
    *,
    review_form: CaseDecisionForm | None = None,
    approve_form: CaseDecisionForm | None = None,
    reject_form: CaseRejectForm | None = None,
    request_form: CaseDocumentsRequestForm | None = None,
    refused_conditions: list[Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    transfer = case.transfer
    transfer_status = transfer_status_now(transfer) if transfer is not None else ""
    is_under_review = case.status == CaseStatus.UNDER_REVIEW
    context = {
        "case": case,
        "documents": case_documents_current(case=case),
        "replaced": case_documents_replaced(case=case),
        "timeline": case_timeline(case=case),
        "requested": [DocumentKind(kind).label for kind in case.requested_documents or []],
        "conditions": case_conditions_now(case=case) if is_under_review else [],
        "refused_conditions": refused_conditions or [],
        "review_form": review_form or CaseDecisionForm(),
        "approve_form": approve_form or CaseDecisionForm(),
        "reject_form": reject_form or CaseRejectForm(),
        "request_form": request_form or CaseDocumentsRequestForm(),
        "transfer": transfer,
        "transfer_status_label": TransferStatus(transfer_status).label if transfer_status else "",
    }
    return render(request, "backoffice/cases/detail.html", context, status=status)


def _changed_meanwhile(request: StaffRequest, case: TransferCase, error: ApplicationError) -> Any:
    messages.info(request, str(error.message))
    return redirect("backoffice:case_detail", case_id=case.pk)


@staff_required(StaffRole.OFFICER)
@require_GET
def case_queue(request: StaffRequest) -> HttpResponse:
    page = Paginator(cases_to_review(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/cases/queue.html", {"page": page})


@staff_required(StaffRole.OFFICER)
@never_cache
@require_GET
def case_detail(request: StaffRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    _access(request, case, [case.filer, case.worker, case.current_sponsor])
    return _render_detail(request, case)


@staff_required(StaffRole.OFFICER)
@require_POST
def case_review(request: StaffRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    try:
        case_review_start(officer=request.staff_member, case_id=case.pk)
    except ApplicationError as error:
        return _changed_meanwhile(request, case, error)
    messages.success(
        request,
        _("You took case %(reference)s for review. The filer was told.")
        % {"reference": case.reference},
    )
    return redirect("backoffice:case_detail", case_id=case.pk)


@staff_required(StaffRole.OFFICER)
@require_POST
def case_approve_view(request: StaffRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = CaseDecisionForm(request.POST)
    form.is_valid()
    try:
        approved = case_approve(officer=request.staff_member, case_id=case.pk)
    except ApplicationError as error:
        if error.code == "case_transition_refused":
            return _changed_meanwhile(request, case, error)
        add_refusal(form, error)
        return _render_detail(
            request,
            _case(request, case_id),
            approve_form=form,
            refused_conditions=[item["message"] for item in error.extra.get("failed", [])],
            status=422,
        )
    messages.success(
        request,
        _(
            "Case %(reference)s was approved: transfer request no. %(transfer)s awaits payment of "
            "its fee by the new sponsor. Everyone concerned was told."
        )
        % {"reference": approved.reference, "transfer": approved.transfer_id},
    )
    return redirect("backoffice:case_detail", case_id=case.pk)


@staff_required(StaffRole.OFFICER)
@require_POST
def case_reject_view(request: StaffRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = CaseRejectForm(request.POST)
    if form.is_valid():
        try:
            case_reject(
                officer=request.staff_member,
                case_id=case.pk,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            if error.code == "case_transition_refused":
                return _changed_meanwhile(request, case, error)
            add_refusal(form, error, CASE_REJECT_FIELDS)
        else:
            messages.success(
                request,
                _("Case %(reference)s was rejected. The filer was told the reason.")
                % {"reference": case.reference},
            )
            return redirect("backoffice:case_queue")
    return _render_detail(request, case, reject_form=form, status=422)


@staff_required(StaffRole.OFFICER)
@require_POST
def case_request_documents_view(request: StaffRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = CaseDocumentsRequestForm(request.POST)
    if form.is_valid():
        try:
            case_request_documents(
                officer=request.staff_member,
                case_id=case.pk,
                note=form.cleaned_data["note"],
                documents=form.cleaned_data["documents"],
            )
        except ApplicationError as error:
            if error.code == "case_transition_refused":
                return _changed_meanwhile(request, case, error)
            add_refusal(form, error, CASE_REQUEST_FIELDS)
        else:
            messages.success(
                request,
                _(
                    "More documents were asked for on case %(reference)s. The filer was told "
                    "which; the case comes back to the queue once they send them."
                )
                % {"reference": case.reference},
            )
            return redirect("backoffice:case_queue")
    return _render_detail(request, case, request_form=form, status=422)


@staff_required(StaffRole.OFFICER)
@require_GET
def case_document(request: StaffRequest, case_id: int, document_id: int) -> HttpResponse:
    case = _case(request, case_id)
    try:
        document: CaseDocument = case_document_get(case=case, document_id=document_id)
        download = document_download(case=case, document=document)
    except NotFound:
        raise Http404 from None
    _access(
        request,
        case,
        [case.filer, case.worker],
        action=DOCUMENT_ACTION,
        document=document.pk,
        kind=document.kind,
    )
    response = HttpResponse(download.path.read_bytes(), content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
