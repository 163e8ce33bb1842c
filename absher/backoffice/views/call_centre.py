"""The 19999 call centre: the agent verifies the caller by ID number and date of birth, then reads
the caller's active suspensions (read only). The service records each look-up in the person's
"who looked at my data".

The result is the answer to the verifying POST and nothing else: no address carries the ID number,
no later page shows it again, and no cache keeps it. Seeing it again means verifying again."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from absher.accounts.constants import StaffRole
from absher.backoffice.access import StaffRequest, staff_required
from absher.backoffice.forms import CALLER_FIELDS, CallerVerifyForm, add_refusal, posted
from absher.core.errors import ApplicationError
from absher.suspensions.services import suspensions_lookup_for_caller


@staff_required(StaffRole.CALL_CENTRE_AGENT)
@never_cache
@require_http_methods(["GET", "POST"])
def call_centre(request: StaffRequest) -> HttpResponse:
    form = CallerVerifyForm(posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            person, suspensions = suspensions_lookup_for_caller(
                agent=request.staff_member, **form.cleaned_data
            )
        except ApplicationError as error:
            add_refusal(form, error, CALLER_FIELDS)
            # A backing service that is down says so in the status too (503), not only on the form.
            status = 503 if error.http_status == 503 else 200
        else:
            return render(
                request,
                "backoffice/call_centre/result.html",
                {"person": person, "suspensions": suspensions},
            )
    return render(request, "backoffice/call_centre/verify.html", {"form": form}, status=status)
