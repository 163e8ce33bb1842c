"""Transfer without the sponsor's consent (نقل الكفالة بدون موافقة الكفيل): the prospective new
sponsor's pages. File a case with the worker's iqama number and the seven documents of the
checklist, follow it (status, the officer's note, documents, history and, once approved, the
transfer and its SADAD bill), answer a request for more documents, and download the documents.

The forms only collect the files; the case services judge them (by their content) and every
refusal comes back next to the field it is about. A case is shown to its filer only: anyone else
gets the 404 of a case that does not exist."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from absher.accounts.selectors import service_codes_activated_by
from absher.catalog.selectors import service_get
from absher.core.errors import ApplicationError, NotFound
from absher.portal.access import PersonRequest, person_required
from absher.portal.forms import PortalForm
from absher.transfers.constants import (
    REQUIRED_DOCUMENTS,
    WITHOUT_CONSENT_SERVICE_CODE,
    CaseStatus,
    DocumentKind,
    TransferStatus,
    case_document_max_bytes,
)
from absher.transfers.documents import document_download
from absher.transfers.models import TransferCase
from absher.transfers.selectors import (
    case_document_get,
    case_documents_current,
    case_documents_replaced,
    case_get_for_actor,
    case_timeline,
    cases_of,
    transfer_status_now,
)
from absher.transfers.services import case_documents_add, case_file

PAGE_SIZE = 20
ACCEPTED_TYPES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
WORKER_FIELDS = {
    "invalid_id_number": "worker_id_number",
    "worker_not_found": "worker_id_number",
    "worker_is_filer": "worker_id_number",
    "worker_has_no_sponsor": "worker_id_number",
    "worker_already_yours": "worker_id_number",
    "case_open": "worker_id_number",
}


def _size_hint() -> str:
    megabytes = case_document_max_bytes() / (1024 * 1024)
    return _("PDF, JPEG or PNG, at most %(size)s MB.") % {"size": f"{megabytes:g}"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [file for file in data if file]
        return [data] if data else []


def _file_field(kind: str) -> forms.FileField:
    # Empty and bad files alike are judged by the case services, by their content.
    return forms.FileField(
        label=DocumentKind(kind).label,
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_TYPES}),
    )


class CaseFileForm(PortalForm):
    """The worker's iqama number and one file per slot of the checklist."""

    worker_id_number = forms.CharField(
        label=gettext_lazy("The worker's iqama number"),
        help_text=gettext_lazy(
            "10 digits, starting with 2. The worker must be sponsored by someone else now."
        ),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"}),
        error_messages={"required": gettext_lazy("Enter the worker's iqama number.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hint = _size_hint()
        for kind in REQUIRED_DOCUMENTS:
            field = _file_field(kind)
            field.help_text = hint
            self.fields[kind] = field

    def uploads(self) -> dict[str, Any]:
        return {kind: self.files.get(kind) for kind in REQUIRED_DOCUMENTS if self.files.get(kind)}


class CaseDocumentsForm(PortalForm):
    """Replacements by slot, and documents beyond the checklist, for a request for more."""

    def __init__(self, *args: Any, requested: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hint = _size_hint()
        asked = set(requested or [])
        for kind in REQUIRED_DOCUMENTS:
            field = _file_field(kind)
            field.help_text = (
                _("The officer asked for this document. %(hint)s") % {"hint": hint}
                if kind in asked
                else hint
            )
            self.fields[kind] = field
        self.fields["additional"] = MultipleFileField(
            label=DocumentKind.ADDITIONAL.label,
            required=False,
            allow_empty_file=True,
            help_text=_("You may choose several files. %(hint)s") % {"hint": hint},
            widget=MultipleFileInput(attrs={"accept": ACCEPTED_TYPES}),
        )

    def uploads(self) -> dict[str, Any]:
        return {kind: self.files.get(kind) for kind in REQUIRED_DOCUMENTS if self.files.get(kind)}

    def additional(self) -> list[Any]:
        return [file for file in self.files.getlist("additional") if file]


def _show_refusal(form: forms.Form, error: ApplicationError) -> None:
    """A refusal next to what it is about: the worker's number, each missing or refused
    document, or the whole form."""
    if error.code == "documents_missing" and error.extra.get("missing"):
        for item in error.extra["missing"]:
            field = "additional" if item["slot"] == DocumentKind.ADDITIONAL else item["slot"]
            form.add_error(field, ValidationError(_("Attach this document.")))
        return
    problems = error.extra.get("problems")
    if problems:
        for problem in problems:
            form.add_error(problem["slot"], ValidationError(str(problem["message"])))
        return
    form.add_error(WORKER_FIELDS.get(error.code), ValidationError(str(error.message)))


def _service_state(request: PersonRequest) -> dict[str, Any]:
    service = service_get(code=WITHOUT_CONSENT_SERVICE_CODE)
    needs_activation = bool(
        service is not None
        and service.requires_activation
        and service.code not in service_codes_activated_by(user=request.account)
    )
    return {"service": service, "needs_activation": needs_activation}


@person_required
@require_GET
def cases(request: PersonRequest) -> HttpResponse:
    page = Paginator(cases_of(person=request.person), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/cases/list.html", {"page": page, **_service_state(request)})


@person_required
@never_cache
@require_http_methods(["GET", "POST"])
def case_new(request: PersonRequest) -> HttpResponse:
    if request.method == "POST":
        form = CaseFileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                case = case_file(
                    user=request.account,
                    worker_id_number=form.cleaned_data["worker_id_number"],
                    documents=form.uploads(),
                )
            except ApplicationError as error:
                _show_refusal(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Your case %(reference)s was received with its seven documents. A "
                        "passports officer will review it; you will be told the decision by SMS "
                        "and in your Absher messages."
                    )
                    % {"reference": case.reference},
                )
                return redirect("portal:case", case_id=case.pk)
    else:
        form = CaseFileForm()
    return render(request, "portal/cases/new.html", {"form": form, **_service_state(request)})


def _case_or_404(request: PersonRequest, case_id: int) -> TransferCase:
    try:
        return case_get_for_actor(person=request.person, case_id=case_id)
    except NotFound:
        raise Http404 from None


def _render_case(
    request: PersonRequest,
    case: TransferCase,
    *,
    documents_form: CaseDocumentsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    requested = list(case.requested_documents or [])
    awaiting = case.status == CaseStatus.MORE_DOCUMENTS_REQUESTED
    transfer = case.transfer
    transfer_status = transfer_status_now(transfer) if transfer is not None else ""
    context = {
        "case": case,
        "documents": case_documents_current(case=case),
        "replaced": case_documents_replaced(case=case),
        "timeline": case_timeline(case=case),
        "requested": [DocumentKind(kind).label for kind in requested],
        "documents_form": documents_form
        or (CaseDocumentsForm(requested=requested) if awaiting else None),
        "transfer": transfer,
        "transfer_status": transfer_status,
        "transfer_status_label": TransferStatus(transfer_status).label if transfer_status else "",
    }
    return render(request, "portal/cases/detail.html", context, status=status)


@person_required
@never_cache
@require_GET
def case_detail(request: PersonRequest, case_id: int) -> HttpResponse:
    return _render_case(request, _case_or_404(request, case_id))


@person_required
@require_POST
def case_documents(request: PersonRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = CaseDocumentsForm(
        request.POST, request.FILES, requested=list(case.requested_documents or [])
    )
    if form.is_valid():
        try:
            case_documents_add(
                user=request.account,
                case_id=case.pk,
                documents=form.uploads(),
                additional=form.additional(),
            )
        except ApplicationError as error:
            if error.code == "case_not_awaiting_documents":
                messages.info(request, str(error.message))
                return redirect("portal:case", case_id=case.pk)
            _show_refusal(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your documents were added and case %(reference)s was submitted again for "
                    "review."
                )
                % {"reference": case.reference},
            )
            return redirect("portal:case", case_id=case.pk)
    return _render_case(request, case, documents_form=form)


@person_required
@require_GET
def case_document(request: PersonRequest, case_id: int, document_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    try:
        document = case_document_get(case=case, document_id=document_id)
        download = document_download(case=case, document=document)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(download.path.read_bytes(), content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
