"""The transfer service's own page (Passports → Transfer services), the person's requests by
direction, and one request with its timeline: the same page for every party."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from absher.accounts.selectors import services_for_viewer
from absher.catalog.constants import TRANSFER_SERVICE_CODE
from absher.core.errors import ApplicationError
from absher.portal.access import PersonRequest, person_required
from absher.portal.views.transfers.common import (
    own_transfer,
    refusal_failures,
    timeline,
    transfer_service_get,
    transfer_view,
    worker_party,
)
from absher.transfers import selectors
from absher.transfers.constants import Direction

if TYPE_CHECKING:
    from absher.transfers.models import TransferRequest

PAGE_SIZE = 20
RECENT = 5


def _rows(request: PersonRequest, transfers: Any) -> list[dict[str, Any]]:
    return [transfer_view(transfer, viewer=request.person) for transfer in transfers]


@person_required
@require_GET
def hub(request: PersonRequest) -> HttpResponse:
    """Transfer services: start a transfer (when the service is available to the person, else
    why not), the latest requests made by and to the person, and the workers they sponsor."""
    for_viewer = {item["code"]: item for item in services_for_viewer(user=request.account)}
    person = request.person

    def latest(direction: str) -> list[dict[str, Any]]:
        return _rows(request, selectors.transfers_of(person=person, direction=direction)[:RECENT])

    return render(
        request,
        "portal/transfers/hub.html",
        {
            "service": transfer_service_get(),
            "acceptance_days": settings.TRANSFER_ACCEPTANCE_DAYS,
            "viewer": for_viewer.get(TRANSFER_SERVICE_CODE),
            "incoming": latest(Direction.INCOMING),
            "outgoing": latest(Direction.OUTGOING),
            "about_me": latest(Direction.WORKER),
            "workers": [
                worker_party(worker) for worker in selectors.workers_of_sponsor(sponsor=person)
            ],
        },
    )


def _list(request: PersonRequest, direction: str) -> HttpResponse:
    transfers = selectors.transfers_of(person=request.person, direction=direction)
    page = Paginator(transfers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/transfers/list.html",
        {"page": page, "items": _rows(request, page.object_list), "direction": direction},
    )


@person_required
@require_GET
def incoming(request: PersonRequest) -> HttpResponse:
    """The requests made to the person as the new sponsor, newest first."""
    return _list(request, Direction.INCOMING)


@person_required
@require_GET
def outgoing(request: PersonRequest) -> HttpResponse:
    """The requests the person made as the current sponsor, newest first."""
    return _list(request, Direction.OUTGOING)


@person_required
@require_GET
def about_me(request: PersonRequest) -> HttpResponse:
    """The requests to transfer the person's own services, as the worker."""
    return _list(request, Direction.WORKER)


def detail_page(
    request: PersonRequest,
    transfer: TransferRequest,
    *,
    refusal: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    """One request, the viewer's answers to it and its timeline; a refused answer is shown at
    the top, with every failed condition when that is why."""
    context: dict[str, Any] = {
        **transfer_view(transfer, viewer=request.person),
        "timeline": timeline(transfer),
        "refusal": refusal,
        "refusal_failures": refusal_failures(refusal) if refusal is not None else [],
    }
    return render(request, "portal/transfers/detail.html", context, status=status)


@person_required
@require_GET
def detail(request: PersonRequest, transfer_id: int) -> HttpResponse:
    return detail_page(request, own_transfer(request, transfer_id))
