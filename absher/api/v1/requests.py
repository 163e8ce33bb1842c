"""Generic fee-bearing e-service requests."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from absher.api.openapi import errors
from absher.api.security import activated_token, caller
from absher.requests import selectors, services
from absher.requests.models import ServiceRequest

router = Router(tags=["service requests"])


class RequestIn(Schema):
    service_code: str = Field(max_length=60, examples=["passport_renewal"])


class RequestOut(Schema):
    id: int
    service_code: str
    status: str
    fee_halalas: int
    sadad_number: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str


class RequestList(Schema):
    items: list[RequestOut]


def request_out(request: ServiceRequest) -> dict:
    return {
        "id": request.pk,
        "service_code": request.service.code,
        "status": request.status,
        "fee_halalas": request.fee_halalas,
        "sadad_number": request.sadad_number,
        "created_at": request.created_at,
        "decided_at": request.decided_at,
        "decision_note": request.decision_note,
    }


@router.post(
    "",
    response={201: RequestOut},
    auth=activated_token,
    openapi_extra=errors(404, 409),
    summary="Request an e-service",
)
def request_create(request: HttpRequest, payload: RequestIn) -> Status:
    created = services.service_request_create(
        user=caller(request), service_code=payload.service_code
    )
    return Status(201, request_out(created))


@router.get("", response=RequestList, auth=activated_token, summary="My e-service requests")
def request_list(request: HttpRequest) -> dict:
    requests = selectors.service_requests_of(person=caller(request).person)[:200]
    return {"items": [request_out(r) for r in requests]}


@router.get(
    "/{request_id}",
    response=RequestOut,
    auth=activated_token,
    openapi_extra=errors(404),
    summary="One request",
)
def request_detail(request: HttpRequest, request_id: int) -> dict:
    found = selectors.service_request_get_for_actor(
        person=caller(request).person, request_id=request_id
    )
    return request_out(found)
