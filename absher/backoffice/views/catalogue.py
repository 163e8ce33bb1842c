"""Administrators keep the e-services catalogue: names, descriptions, fees (typed in riyals, stored
in halalas), per-service activation and whether a service is offered. `service_update` audits each
change with what it was before."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from absher.accounts.constants import StaffRole
from absher.backoffice.access import StaffRequest, staff_required
from absher.backoffice.forms import ServiceEditForm, add_refusal, posted
from absher.catalog.selectors import service_get_any, services_all
from absher.catalog.services import EDITABLE_FIELDS, service_update
from absher.core.errors import ApplicationError
from absher.core.money import HALALAS_PER_RIYAL


@staff_required(StaffRole.ADMINISTRATOR)
@require_GET
def service_list(request: StaffRequest) -> HttpResponse:
    return render(request, "backoffice/admin/service_list.html", {"services": services_all()})


@staff_required(StaffRole.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def service_edit(request: StaffRequest, code: str) -> HttpResponse:
    service = service_get_any(code=code)
    if service is None:
        raise Http404
    current = {field: getattr(service, field) for field in EDITABLE_FIELDS}
    initial = {**current, "fee_sar": _riyals(service.fee_halalas)}
    form = ServiceEditForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = form.changes_from(current)
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("backoffice:service_list")
        try:
            service_update(actor_id=str(request.user.pk), code=service.code, changes=changes)
        except ApplicationError as error:
            add_refusal(form, error, {"invalid_fee": "fee_sar"})
        else:
            messages.success(
                request, _("The e-service %(code)s was updated.") % {"code": service.code}
            )
            return redirect("backoffice:service_list")
    return render(request, "backoffice/admin/service_form.html", {"form": form, "service": service})


def _riyals(halalas: int) -> str:
    """Halalas as the fee field shows them: "300.00" (no thousands separators, Western digits)."""
    whole, part = divmod(halalas, HALALAS_PER_RIYAL)
    return f"{whole}.{part:02d}"
