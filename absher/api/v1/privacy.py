"""The caller's right of access to their personal data (PDPL): everything the platform holds about
them, as one JSON document."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from absher.api.security import activated_token, caller
from absher.privacy.services import personal_data_export

router = Router(tags=["me"])


@router.get(
    "/personal-data",
    response=dict[str, Any],
    auth=activated_token,
    summary="Download my personal data",
    description=(
        "Everything the platform holds about the caller: the registry record, the account (never "
        "its password), activations, sponsorships, suspensions, bills, payments and receipts, "
        "e-service requests, transfers (as any party) and cases, inbox messages, SMS (verification "
        "codes left out) and the access log. Each download is recorded in the audit log. Open to "
        "activated accounts only: activation proves the account belongs to the registry's person."
    ),
)
def my_personal_data(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    response["Cache-Control"] = "private, no-store"
    return personal_data_export(person=caller(request).person, channel="api")
