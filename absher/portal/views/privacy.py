"""Download my personal data (تنزيل بياناتي الشخصية): the right of access of the Personal Data
Protection Law. The page says what the file holds; the download is a POST (it is recorded in the
audit log) and answers the JSON document as an attachment that no cache keeps."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from absher.core import clock
from absher.portal.access import PersonRequest, person_required
from absher.privacy.constants import EXPORT_FILE_PREFIX
from absher.privacy.services import personal_data_export


@person_required
@require_http_methods(["GET", "POST"])
def personal_data(request: PersonRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "portal/privacy/personal_data.html")
    export = personal_data_export(person=request.person, channel="portal")
    body = json.dumps(export, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    day = clock.now().date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{EXPORT_FILE_PREFIX}-{day}.json"'
    response["Cache-Control"] = "private, no-store"
    return response
