"""No list endpoint reads per item (N+1): each answers 20 items with as many queries as 2.

The list endpoints are found in the API's own OpenAPI document (every GET whose answer is
`{"items": [...]}`, SPEC 13), once per value of an enumerated query parameter. Each needs a builder
here that gives the caller more items of that list, as varied as real data (other services, other
authorities, other people), so that a relation read item by item shows as more queries. A new list
endpoint, or a new value of its filter, without a builder fails `test_every_list_endpoint_has_a_
query_count_guard` by name."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher.accounts.models import Authority, ServiceActivation, User
from absher.accounts.tests.support import T0, Api, make_person
from absher.api.v1 import api as api_v1
from absher.audit.services import audit_record_access
from absher.catalog.models import Department, Service
from absher.core import clock
from absher.identity.models import Person, Sponsorship
from absher.notifications.models import Message
from absher.payments.services import bill_create
from absher.requests.models import ServiceRequest
from absher.suspensions import selectors as suspension_selectors
from absher.suspensions.models import Suspension
from absher.suspensions.tests.helpers import account, signed_in
from absher.transfers.models import TransferCase, TransferRequest

pytestmark = pytest.mark.django_db

FEW, MANY = 2, 20


# --- the list endpoints, from the OpenAPI document ------------------------------------------------


@dataclass(frozen=True)
class ListEndpoint:
    path: str
    query: tuple[tuple[str, str], ...] = ()

    @property
    def url(self) -> str:
        return f"{self.path}?{urlencode(self.query)}" if self.query else self.path

    def __str__(self) -> str:
        return f"GET {self.url}"


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _enum_values(schema: dict[str, Any]) -> list[str]:
    values = list(schema.get("enum", []))
    for option in schema.get("anyOf", []):
        values.extend(option.get("enum", []))
    return values


def list_endpoints() -> list[ListEndpoint]:
    """Every GET answering `{"items": [...]}`: once as it is, and once per value of each
    enumerated query parameter (a filter such as `direction`)."""
    document = api_v1.get_openapi_schema()
    found: list[ListEndpoint] = []
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        responses = get.get("responses", {})
        ok = responses.get(200) or responses.get("200") or {}
        content = ok.get("content", {}).get("application/json")
        if content is None:
            continue
        answer = _resolve(content["schema"], document)
        items = answer.get("properties", {}).get("items")
        if items is None or items.get("type") != "array":
            continue
        found.append(ListEndpoint(path))
        for parameter in get.get("parameters", []):
            if parameter.get("in") == "query":
                for value in _enum_values(parameter.get("schema", {})):
                    found.append(ListEndpoint(path, ((parameter["name"], value),)))
    return found


# --- the caller and their items -------------------------------------------------------------------

_serial = itertools.count(1)


@dataclass
class Caller:
    person: Person
    user: User
    api: Api


def _citizen() -> Person:
    return make_person(mobile=f"+96655{next(_serial):07d}")


def _resident() -> Person:
    return make_person(
        prefix="2",
        nationality="IN",
        name_en="Rajesh Kumar",
        mobile=f"+96656{next(_serial):07d}",
    )


def _department() -> Department:
    n = next(_serial)
    return Department.objects.create(
        code=f"qc-dept-{n}", name_ar=f"إدارة {n}", name_en=f"Department {n}", position=50 + n
    )


def _service(department: Department | None = None, **fields: Any) -> Service:
    n = next(_serial)
    values: dict[str, Any] = {
        "code": f"qc-service-{n}",
        "department": department or _department(),
        "name_ar": f"خدمة {n}",
        "name_en": f"Service {n}",
        "fee_halalas": 1000 + n,
    }
    values.update(fields)
    return Service.objects.create(**values)


def _authority() -> Authority:
    n = next(_serial)
    return Authority.objects.create(code=f"qc-authority-{n}", name_ar="محكمة", name_en="Court")


def _bill(payer: Person, *, purpose: str = "service_request", service: Service | None = None):
    return bill_create(
        payer=payer,
        service=service or _service(),
        amount_halalas=5000,
        purpose=purpose,
        purpose_id=f"qc-{next(_serial)}",
    )


def messages(caller: Caller, count: int) -> None:
    for n in range(count):
        Message.objects.create(
            person=caller.person,
            kind="bill_issued" if n % 2 else "suspension_placed",
            title_ar="رسالة",
            title_en="A message",
            body_ar="نص",
            body_en="Text",
        )


def access_log(caller: Caller, count: int) -> None:
    for n in range(count):
        audit_record_access(
            action="suspensions.looked_up",
            actor_type="staff" if n % 2 else "partner",
            actor_id=f"qc-actor-{next(_serial)}",
            person=caller.person,
            data={"actor_label": f"Agent {n}"},
        )


def suspensions(caller: Caller, count: int) -> None:
    for n in range(count):
        department = _department() if n % 3 == 1 else None
        service = _service() if n % 3 == 2 else None
        Suspension.objects.create(
            person=caller.person,
            authority=_authority(),
            reference=f"QC-{next(_serial)}",
            reason_ar="سبب",
            reason_en="A reason",
            lift_procedure_ar="طريقة الرفع",
            lift_procedure_en="How to lift",
            scope_kind="department" if department else "service" if service else "all",
            scope_department=department,
            scope_service=service,
            placed_at=clock.now(),
            placed_by_type="partner",
            placed_by_id="qc",
        )


def bills(caller: Caller, count: int) -> None:
    for _n in range(count):
        _bill(caller.person)


def workers(caller: Caller, count: int) -> None:
    for _n in range(count):
        Sponsorship.objects.create(
            worker=_resident(), sponsor=caller.person, started_at=clock.now()
        )


def _transfer(*, worker: Person, current: Person, new: Person, n: int) -> TransferRequest:
    """Every other one accepted, with its fee bill (the list shows it)."""
    accepted = n % 2 == 1
    transfer_service = Service.objects.get(code="worker_services_transfer")
    return TransferRequest.objects.create(
        service=transfer_service,
        worker=worker,
        current_sponsor=current,
        new_sponsor=new,
        status="awaiting_payment" if accepted else "pending_acceptance",
        fee_halalas=200_000,
        expires_at=clock.now() + dt.timedelta(days=15),
        accepted_at=clock.now() if accepted else None,
        bill=_bill(new, purpose="worker_services_transfer", service=transfer_service)
        if accepted
        else None,
    )


def transfers_outgoing(caller: Caller, count: int) -> None:
    for n in range(count):
        _transfer(worker=_resident(), current=caller.person, new=_citizen(), n=n)


def transfers_incoming(caller: Caller, count: int) -> None:
    for n in range(count):
        _transfer(worker=_resident(), current=_citizen(), new=caller.person, n=n)


def transfers_about_me(caller: Caller, count: int) -> None:
    """A worker has at most one open request: the earlier ones are closed."""
    for n in range(count):
        TransferRequest.objects.filter(worker=caller.person).update(status="cancelled")
        _transfer(worker=caller.person, current=_citizen(), new=_citizen(), n=n)


def transfers_all(caller: Caller, count: int) -> None:
    for n in range(count):
        [transfers_outgoing, transfers_incoming][n % 2](caller, 1)


def cases(caller: Caller, count: int) -> None:
    service = Service.objects.get(code="transfer_without_consent")
    for n in range(count):
        worker, current = _resident(), _citizen()
        transfer = (
            _transfer(worker=worker, current=current, new=caller.person, n=1) if n % 2 else None
        )
        TransferCase.objects.create(
            reference=f"QC-CASE-{next(_serial)}",
            service=service,
            filer=caller.person,
            worker=worker,
            current_sponsor=current,
            status="approved" if transfer else "submitted",
            submitted_at=clock.now(),
            transfer=transfer,
        )


def requests(caller: Caller, count: int) -> None:
    for n in range(count):
        service = _service()
        bill = _bill(caller.person, service=service)
        ServiceRequest.objects.create(
            person=caller.person,
            service=service,
            status="awaiting_payment" if n % 2 else "cancelled",
            fee_halalas=bill.amount_halalas,
            sadad_number=bill.sadad_number,
        )


def services(caller: Caller, count: int) -> None:
    """Services in their own departments: some to activate (half of them activated), some
    suspended for the caller by a suspension of their own."""
    for n in range(count):
        service = _service(requires_activation=n % 2 == 0)
        if n % 4 == 0:
            ServiceActivation.objects.create(user=caller.user, service=service)
        if n % 3 == 0:
            Suspension.objects.create(
                person=caller.person,
                authority=_authority(),
                reference=f"QC-{next(_serial)}",
                reason_ar="سبب",
                reason_en="A reason",
                lift_procedure_ar="طريقة الرفع",
                lift_procedure_en="How to lift",
                scope_kind="service",
                scope_service=service,
                placed_at=clock.now(),
                placed_by_type="partner",
                placed_by_id="qc",
            )


def departments(caller: Caller, count: int) -> None:
    for _n in range(count):
        department = _department()
        _service(department)
        _service(department)


Builder = Callable[[Caller, int], None]

BUILDERS: dict[str, Builder] = {
    "GET /api/v1/me/messages": messages,
    "GET /api/v1/me/access-log": access_log,
    "GET /api/v1/me/suspensions": suspensions,
    "GET /api/v1/me/bills": bills,
    "GET /api/v1/me/workers": workers,
    "GET /api/v1/transfers": transfers_all,
    "GET /api/v1/transfers?direction=outgoing": transfers_outgoing,
    "GET /api/v1/transfers?direction=incoming": transfers_incoming,
    "GET /api/v1/transfers?direction=worker": transfers_about_me,
    "GET /api/v1/cases": cases,
    "GET /api/v1/requests": requests,
    "GET /api/v1/services": services,
    "GET /api/v1/departments": departments,
}

# Lists fixed in code rather than read from the database: nothing to add per item.
FIXED_LISTS: dict[str, str] = {
    "GET /api/v1/cases/checklist": "the seven document slots of a case",
}

# Endpoints found to read per item, each with the query it repeats; the guard is kept (strict)
# so that the fix turns it green.
KNOWN_N_PLUS_ONE: dict[str, str] = {}


def _params() -> Iterator[Any]:
    for endpoint in list_endpoints():
        key = str(endpoint)
        if key in FIXED_LISTS:
            continue
        marks = []
        if key in KNOWN_N_PLUS_ONE:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_N_PLUS_ONE[key]))
        yield pytest.param(endpoint, id=key, marks=marks)


# --- the guards -----------------------------------------------------------------------------------


@pytest.fixture
def caller(api: Api, moved_clock) -> Caller:
    moved_clock(T0)
    person = _citizen()
    user = account(person, username=f"qc.{next(_serial)}")
    return Caller(person=person, user=user, api=signed_in(api, user))


def _get(caller: Caller, endpoint: ListEndpoint) -> tuple[list[Any], list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = caller.api.get(endpoint.url)
    assert response.status_code == 200, (str(endpoint), response.json())
    return response.json()["items"], [query["sql"] for query in queries.captured_queries]


def test_every_list_endpoint_has_a_query_count_guard():
    endpoints = {str(endpoint) for endpoint in list_endpoints()}

    unguarded = sorted(endpoints - set(BUILDERS) - set(FIXED_LISTS))

    assert unguarded == [], (
        f"list endpoints without a query-count guard: {unguarded}. Add a builder that gives the "
        f"caller more items of each to BUILDERS in {__name__}."
    )
    assert sorted(set(BUILDERS) | set(FIXED_LISTS)) == sorted(endpoints), "stale builders"
    assert len(endpoints) >= 12


@pytest.mark.parametrize("endpoint", list(_params()))
def test_a_list_endpoint_answers_20_items_with_as_many_queries_as_2(caller, endpoint):
    build = BUILDERS[str(endpoint)]

    # given 2 items (and a first request that warms every cache)
    build(caller, FEW)
    _get(caller, endpoint)
    few_items, few_queries = _get(caller, endpoint)

    # when there are 20
    build(caller, MANY - FEW)
    many_items, many_queries = _get(caller, endpoint)

    # then the answer has 18 more items, and was read with the same queries
    assert len(many_items) - len(few_items) == MANY - FEW
    assert len(many_queries) == len(few_queries), "\n".join(
        [
            f"{len(few_queries)} queries for {len(few_items)} items:",
            *few_queries,
            f"{len(many_queries)} queries for {len(many_items)} items:",
            *many_queries,
        ]
    )


@pytest.mark.parametrize("key", sorted(FIXED_LISTS))
def test_a_list_fixed_in_code_reads_nothing_per_item(caller, key):
    endpoint = next(e for e in list_endpoints() if str(e) == key)
    bare_items, bare_queries = _get(caller, endpoint)

    # even for a caller with a lot of data of every kind
    for build in BUILDERS.values():
        build(caller, 3)
    items, queries = _get(caller, endpoint)

    assert items == bare_items
    assert len(queries) == len(bare_queries)


def test_the_guard_sees_a_relation_read_item_by_item(caller, monkeypatch):
    # given the suspensions' selector without its joins, so that each item reads its authority
    monkeypatch.setattr(suspension_selectors, "_with_relations", lambda queryset: queryset)
    endpoint = ListEndpoint("/api/v1/me/suspensions")
    suspensions(caller, FEW)
    _get(caller, endpoint)
    _few_items, few_queries = _get(caller, endpoint)

    # when there are more items
    suspensions(caller, MANY - FEW)
    _many_items, many_queries = _get(caller, endpoint)

    # then the count grows with them: the comparison above would fail
    assert len(many_queries) > len(few_queries)
