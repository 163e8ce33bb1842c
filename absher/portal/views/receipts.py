"""Receipts (إيصالات السداد): the payer's receipt of a paid bill, as a printable page and as a PDF,
and the public page its QR code opens, which tells anyone holding the receipt whether it is
genuine, and nothing about the payer or the service."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET

from absher.core.errors import ApplicationError, NotFound
from absher.payments.receipts import (
    Receipt,
    receipt_get_for_actor,
    receipt_pdf,
    receipt_qr_svg_data_uri,
    receipt_verify,
)
from absher.portal.access import PersonRequest, person_required

NOT_INDEXED = "noindex, nofollow"


def verification_url(request: HttpRequest, code: str) -> str:
    """The absolute address of a receipt's public verification page (what its QR code holds)."""
    return request.build_absolute_uri(reverse("portal:receipt_verify", args=[code]))


def _own_receipt(request: PersonRequest, sadad_number: str) -> Receipt | HttpResponse:
    """The person's receipt; another person's bill is a 404, an unpaid one goes back to the bill
    page with the reason."""
    try:
        return receipt_get_for_actor(person=request.person, sadad_number=sadad_number)
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("portal:bill", sadad_number=sadad_number)


@person_required
@require_GET
def receipt(request: PersonRequest, sadad_number: str) -> HttpResponse:
    found = _own_receipt(request, sadad_number)
    if isinstance(found, HttpResponse):
        return found
    url = verification_url(request, found.code)
    return render(
        request,
        "portal/receipts/receipt.html",
        {
            "receipt": found,
            "verify_url": url,
            "qr_code": receipt_qr_svg_data_uri(url=url),
            "language": translation.get_language(),
        },
    )


@person_required
@require_GET
def receipt_download(request: PersonRequest, sadad_number: str) -> HttpResponse:
    """The receipt as a PDF in the page's language (Arabic unless English was chosen)."""
    found = _own_receipt(request, sadad_number)
    if isinstance(found, HttpResponse):
        return found
    language = "en" if translation.get_language() == "en" else "ar"
    document = receipt_pdf(
        receipt=found, language=language, verify_url=verification_url(request, found.code)
    )
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{found.sadad_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def receipt_check(request: HttpRequest, code: str) -> HttpResponse:
    """Open to anyone, without signing in, and kept out of search engines."""
    try:
        check = receipt_verify(code=code)
    except NotFound:
        response = render(request, "portal/receipts/not_found.html", status=404)
    else:
        response = render(request, "portal/receipts/verify.html", {"check": check})
    response["X-Robots-Tag"] = NOT_INDEXED
    return response
