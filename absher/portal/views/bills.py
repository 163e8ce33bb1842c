"""The person's SADAD bills (فواتير سداد): the list, one bill with how to pay it at a bank or ATM,
and paying it by card through the gateway's hosted page (the platform never sees the card)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from absher.core import clock
from absher.core.errors import ApplicationError, NotFound
from absher.payments.cards import card_checkout_start, card_return_apply
from absher.payments.constants import BillStatus, CheckoutStatus
from absher.payments.models import Bill, CardCheckout
from absher.payments.selectors import bill_get_for_actor, bills_of
from absher.portal.access import PersonRequest, person_required
from absher.requests.constants import BILL_PURPOSE as SERVICE_REQUEST_PURPOSE
from absher.transfers.constants import BILL_PURPOSE as TRANSFER_PURPOSE

PAGE_SIZE = 20

# What a bill pays for, by its purpose, beside the service's name.
PURPOSE_TEXTS = {
    SERVICE_REQUEST_PURPOSE: _("The fee of your e-service request no. %(number)s"),
    TRANSFER_PURPOSE: _("The fee of the transfer of worker services, request no. %(number)s"),
}


def bill_view(bill: Bill) -> dict[str, Any]:
    """A bill as the pages show it. An unpaid bill past its expiry shows as expired before the
    sweep has marked it, and can no longer be paid."""
    status = bill.status
    if status == BillStatus.UNPAID and bill.expires_at <= clock.now():
        status = BillStatus.EXPIRED
    purpose = PURPOSE_TEXTS.get(bill.purpose)
    return {
        "bill": bill,
        "status": status,
        "status_label": BillStatus(status).label,
        "is_payable": status == BillStatus.UNPAID,
        "has_receipt": status in (BillStatus.PAID, BillStatus.REFUNDED),
        "purpose": purpose % {"number": bill.purpose_id} if purpose else "",
    }


def own_bill(request: PersonRequest, sadad_number: str) -> Bill:
    """The person's bill; another person's and a missing one are the same 404."""
    try:
        return bill_get_for_actor(person=request.person, sadad_number=sadad_number)
    except NotFound:
        raise Http404 from None


@person_required
@require_GET
def bills(request: PersonRequest) -> HttpResponse:
    page = Paginator(bills_of(person=request.person), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/bills/list.html",
        {"page": page, "items": [bill_view(bill) for bill in page.object_list]},
    )


@person_required
@require_GET
def bill_detail(request: PersonRequest, sadad_number: str) -> HttpResponse:
    bill = own_bill(request, sadad_number)
    return render(request, "portal/bills/detail.html", bill_view(bill))


# What the person is told on coming back from the card gateway's page, by the checkout's outcome.
CARD_FAILURES = {
    "declined": _(
        "Your bank declined the card payment, and nothing was taken from your card. You can try "
        "again with another card, or pay the bill at a bank or ATM through SADAD."
    ),
    "3ds_failed": _(
        "Your card's security check (3-D Secure) did not succeed, and nothing was taken from "
        "your card. You can try again."
    ),
    "timeout": _(
        "The card payment was not completed in time. If your bank confirms it later, the bill "
        "will show as paid here; otherwise you can try again."
    ),
    "cancelled": _("You cancelled the card payment. The bill is still unpaid."),
}
CARD_FAILED = _("The card payment did not go through. The bill is still unpaid.")
CARD_PAID = _("Thank you. Your card payment was received and the bill is paid.")
CARD_RETURNED = _(
    "The bill could no longer be paid when your card was charged (it had been paid, had expired "
    "or was cancelled), so the amount will be returned to your card."
)
CARD_PENDING = _(
    "The result of your card payment has not arrived yet. Open this page again in a moment."
)


@person_required
@require_POST
def card_payment(request: PersonRequest, sadad_number: str) -> HttpResponse:
    """Sends the browser to the gateway's hosted page; it comes back to `card_return`."""
    bill = own_bill(request, sadad_number)
    return_url = request.build_absolute_uri(
        reverse("portal:bill_card_return", args=[bill.sadad_number])
    )
    try:
        started = card_checkout_start(
            person=request.person,
            sadad_number=bill.sadad_number,
            return_url=return_url,
            language="en" if translation.get_language() == "en" else "ar",
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("portal:bill", sadad_number=bill.sadad_number)
    return redirect(started.redirect_url)


@person_required
@require_GET
def card_return(request: PersonRequest, sadad_number: str) -> HttpResponse:
    """The browser is back from the gateway with its signed outcome: apply it (unless the webhook
    already did) and tell the person what happened, on the bill's page."""
    bill = own_bill(request, sadad_number)
    try:
        checkout = card_return_apply(params=request.GET.dict())
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("portal:bill", sadad_number=bill.sadad_number)
    _tell_outcome(request, checkout)
    return redirect("portal:bill", sadad_number=bill.sadad_number)


def _tell_outcome(request: PersonRequest, checkout: CardCheckout) -> None:
    if checkout.status == CheckoutStatus.PAID:
        messages.success(request, str(CARD_PAID))
    elif checkout.status == CheckoutStatus.REFUNDED:
        messages.warning(request, str(CARD_RETURNED))
    elif checkout.status == CheckoutStatus.FAILED:
        messages.error(request, str(CARD_FAILURES.get(checkout.failure_code, CARD_FAILED)))
    else:
        messages.warning(request, str(CARD_PENDING))
