"""No e-service can be started around the one enforcement point (`service_start_check`).

The design, in three parts:

1. A registry of e-service entry points in `absher/catalog/availability.py`. Every domain function
   that starts an e-service for a person calls `service_start_check` before it changes anything
   and is declared with one decorator that says how to start it for an activated account and a
   service:

       @e_service_entry_point(arguments=lambda user, service: {"user": user, "service_code": ...})
       def service_activation_start(*, user, service_code): ...

2. Every declared entry point is started here for a person whose `all` suspension covers every
   service it can start, and must refuse with `service_suspended` naming the suspension while
   leaving every table of the database as it was; once the suspension is lifted, the same call
   must no longer be refused for a suspension (so the refusal came from the suspension).

3. The whole URL configuration (the API's operations, the portal's and the back office's pages) is
   walked. A route that starts an e-service — a write under `…/services/<code>/…`, `…/transfers`,
   `…/requests`, `…/cases` or `…/card-payment`, on any surface — must reach a declared entry point:
   its view, or a function it calls, refers to a declared function. A route that looks like a
   start but is not one goes into NOT_A_START with the reason, so that each new route is a
   decision someone wrote down. The API routes among them that name the service (the path's
   `code`, or the body's `service_code`) are also called over HTTP as the suspended person, with
   a body built from the OpenAPI document, and must answer 403 `service_suspended` without
   changing anything.

Adding an entry point (a transfer, a request, a card payment) is one decorator on its domain
function; adding a route that starts one without the decorator fails part 3; declaring one that
does not check fails part 2."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import CodeType
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from absher.accounts.selectors import service_is_offered_to
from absher.accounts.services import activation
from absher.accounts.tests.support import T0
from absher.api.v1 import api as api_v1
from absher.catalog.availability import EntryPoint, e_service_entry_points
from absher.catalog.models import Service
from absher.core.errors import ApplicationError
from absher.suspensions.services import suspension_lift
from absher.suspensions.tests.helpers import account, authority_partner, place, signed_in

pytestmark = pytest.mark.django_db

# What starts an e-service, on any surface (api/v1/…, the portal at the root, backoffice/…).
E_SERVICE_START = re.compile(
    r"(^|/)services/<[^>]+>/"  # one service: activate it, use it
    r"|(^|/)transfers(/|$)"  # transfer of worker services (issue 6)
    r"|(^|/)requests(/|$)"  # generic fee-bearing service requests
    r"|(^|/)cases(/|$)"  # transfer without the sponsor's consent
    r"|(^|/)bills/<[^>]+>/card-payment(/|$)"  # paying a fee by card
)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Routes that match E_SERVICE_START but start nothing, each with why.
NOT_A_START: dict[str, str] = {
    "services/<slug:code>/activate/resend/": (
        "re-sends the code of an activation already started; finishing it (verify) is the "
        "declared entry point service_activation_verify"
    ),
    "backoffice/requests/<int:request_id>/fulfil/": (
        "an officer completes a request the person started (through service_request_create) "
        "and paid; nothing new is started for the person"
    ),
    "backoffice/requests/<int:request_id>/reject/": "an officer ends a request; it starts nothing",
    "api/v1/bills/<sadad_number>/card-payment": (
        "pays a bill that an entry point already issued (service_request_create, a transfer's "
        "acceptance); a bank pays the same bill with no person signed in, so the suspension "
        "check belongs where the bill is issued, not where it is paid"
    ),
    "bills/<str:sadad_number>/card-payment/": (
        "the portal's form for the same card payment as api/v1/bills/<sadad_number>/card-payment"
    ),
    "api/v1/transfers/<transfer_id>/cancel": (
        "the current sponsor withdraws a request started through transfer_create; it starts nothing"
    ),
    "api/v1/transfers/<transfer_id>/reject": (
        "the new sponsor turns down a request made to them; it starts nothing"
    ),
    "api/v1/transfers/<transfer_id>/worker-consent": (
        "the worker answers a request their sponsor started through transfer_create; accepting "
        "it is the declared entry point transfer_accept"
    ),
    "api/v1/cases/<case_id>/documents": (
        "the filer adds documents to a case started through case_file, after an officer asked "
        "for more; nothing new is started, and the officer's approval checks every party's "
        "suspensions again"
    ),
    "cases/<int:case_id>/documents/": (
        "the portal's form for the same answer as api/v1/cases/<case_id>/documents"
    ),
    "backoffice/cases/<int:case_id>/review/": (
        "an officer takes for review a case the filer started through case_file; it starts "
        "nothing for the filer"
    ),
    "backoffice/cases/<int:case_id>/approve/": (
        "an officer approves a case; the transfer it starts is checked by "
        "transfer_create_approved_without_consent, whose conditions refuse a suspended new "
        "sponsor or worker"
    ),
    "backoffice/cases/<int:case_id>/reject/": "an officer ends a case; it starts nothing",
    "backoffice/cases/<int:case_id>/request-documents/": (
        "an officer asks the filer for more documents on an existing case; it starts nothing"
    ),
    "transfers/start/resend/": (
        "re-sends the code of a transfer session already started through "
        "transfer_session_start; entering it (verify) is the declared entry point "
        "transfer_session_verify"
    ),
    "transfers/new/confirm/resend/": (
        "re-sends the confirmation code of a transfer_preview; confirming it is the declared "
        "entry point transfer_create"
    ),
    "transfers/<int:transfer_id>/accept/resend/": (
        "re-sends the code of an acceptance started through transfer_accept_start; entering "
        "it is the declared entry point transfer_accept"
    ),
    "transfers/<int:transfer_id>/cancel/": (
        "the portal's form for the same cancellation as api/v1/transfers/<transfer_id>/cancel"
    ),
    "transfers/<int:transfer_id>/reject/": (
        "the portal's form for the same rejection as api/v1/transfers/<transfer_id>/reject"
    ),
    "transfers/<int:transfer_id>/worker-consent/": (
        "the portal's form for the same answer as api/v1/transfers/<transfer_id>/worker-consent"
    ),
    **{
        f"django-admin/transfers/transferrequest/{page}": (
            "the Django admin shows transfer requests read-only (no add, change or delete "
            "permission); only the transfer services write them"
        )
        for page in (
            "",
            "add/",
            "<path:object_id>/",
            "<path:object_id>/change/",
            "<path:object_id>/delete/",
            "<path:object_id>/history/",
        )
    },
}

# Every declared entry point that exists today (a new one adds itself to the registry).
KNOWN_ENTRY_POINTS = {
    "absher.accounts.services.activation.service_activation_start",
    "absher.accounts.services.activation.service_activation_verify",
    "absher.transfers.services.sponsor.transfer_session_start",
    "absher.transfers.services.sponsor.transfer_session_verify",
    "absher.transfers.services.sponsor.transfer_preview",
    "absher.transfers.services.sponsor.transfer_create",
    "absher.transfers.services.acceptance.transfer_accept_start",
    "absher.transfers.services.acceptance.transfer_accept",
    "absher.transfers.services.cases.case_file",
}


@pytest.fixture(autouse=True)
def _clock(moved_clock):
    moved_clock(T0)


@pytest.fixture
def court(db):
    return authority_partner("test-court").authority


@pytest.fixture
def user(person):
    return account(person)


@pytest.fixture
def suspended(person, court):
    return place(court, person, "CRT-ALL", "all")


def _declared() -> list[EntryPoint]:
    """Every declared entry point, once the URL configuration has imported every interface (and
    through them every service module)."""
    _ = get_resolver().url_patterns
    return e_service_entry_points()


def _rows_everywhere() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


# --- part 2: every declared entry point refuses a suspended person --------------------------------


def test_the_registry_holds_the_entry_points_of_today():
    declared = _declared()

    assert {entry_point.name for entry_point in declared} >= KNOWN_ENTRY_POINTS
    assert activation.service_activation_start in {e.function for e in declared}


def _services_started_by(entry_point: EntryPoint, user) -> list[Service]:
    services = Service.objects.select_related("department").filter(
        is_active=True, is_suspendable=True
    )
    if entry_point.service_codes:
        services = services.filter(code__in=entry_point.service_codes)
    return [s for s in services if service_is_offered_to(service=s, person=user.person)]


@pytest.mark.parametrize("entry_point", _declared(), ids=lambda e: e.name.rsplit(".", 1)[1])
def test_every_entry_point_refuses_a_suspended_person_and_changes_nothing(
    entry_point, user, court, suspended
):
    services = _services_started_by(entry_point, user)
    assert services, f"{entry_point.name} starts no suspendable service offered to this person"
    for service in services:
        before = _rows_everywhere()

        with pytest.raises(ApplicationError) as refusal:
            entry_point.start(user=user, service=service)

        assert refusal.value.code == "service_suspended", (entry_point.name, service.code)
        assert refusal.value.extra["reference"] == "CRT-ALL"
        assert refusal.value.extra["service"] == service.code
        assert _rows_everywhere() == before, (entry_point.name, service.code)


@pytest.mark.parametrize("entry_point", _declared(), ids=lambda e: e.name.rsplit(".", 1)[1])
def test_after_the_lift_no_entry_point_is_refused_for_a_suspension(
    entry_point, user, court, suspended
):
    suspension_lift(authority=court, reference="CRT-ALL", actor_type="system", actor_id="test")

    refusals = []
    for service in _services_started_by(entry_point, user):
        try:
            entry_point.start(user=user, service=service)
        except ApplicationError as refusal:
            refusals.append((service.code, refusal.code))

    assert [r for r in refusals if r[1] == "service_suspended"] == []


# --- part 3: every route that starts an e-service goes through a declared entry point -------------


@dataclass(frozen=True)
class Route:
    path: str  # as in the URL configuration: "api/v1/services/<code>/activate"
    methods: frozenset[str] | None  # None: the view does not restrict its methods
    view: Callable[..., Any]
    is_api: bool

    @property
    def writes(self) -> bool:
        return self.methods is None or bool(self.methods & WRITE_METHODS)


def _ninja_path_view(callback: Callable[..., Any]) -> Any:
    if not getattr(callback, "__closure__", None):
        return None
    owner = inspect.getclosurevars(callback).nonlocals.get("self")
    return owner if hasattr(owner, "operations") else None


def _allowed_methods(view: Callable[..., Any]) -> frozenset[str] | None:
    """The methods `require_http_methods` (and require_GET / require_POST) let through."""
    layer: Any = view
    while layer is not None:
        if getattr(layer, "__closure__", None):
            allowed = inspect.getclosurevars(layer).nonlocals.get("request_method_list")
            if allowed is not None:
                return frozenset(method.upper() for method in allowed)
        layer = getattr(layer, "__wrapped__", None)
    return None


def _routes(patterns: list[Any] | None = None, prefix: str = "") -> Iterator[Route]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
            continue
        assert isinstance(pattern, URLPattern)
        path = prefix + str(pattern.pattern)
        path_view = _ninja_path_view(pattern.callback)
        if path_view is None:
            view = pattern.callback
            yield Route(path, _allowed_methods(view), view, is_api=False)
            continue
        for operation in path_view.operations:
            methods = frozenset(m.upper() for m in operation.methods)
            yield Route(path, methods, operation.view_func, is_api=True)


def _starts() -> list[Route]:
    return [
        route
        for route in _routes()
        if route.writes and E_SERVICE_START.search(route.path) and route.path not in NOT_A_START
    ]


def _names_in(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            names |= _names_in(constant)
    return names


def _reaches_entry_point(function: Any, declared: list[Any], seen: set[int]) -> bool:
    """Whether `function`, or an absher function it refers to, refers to a declared entry point."""
    function = inspect.unwrap(function)
    if any(function is d for d in declared):
        return True
    if id(function) in seen or not inspect.isfunction(function):
        return False
    seen.add(id(function))
    names = _names_in(function.__code__)
    for name in names:
        target = function.__globals__.get(name)
        if inspect.ismodule(target):
            if any(getattr(target, attr, None) is d for attr in names for d in declared):
                return True
        elif (
            inspect.isfunction(target)
            and target.__module__.startswith("absher.")
            and _reaches_entry_point(target, declared, seen)
        ):
            return True
    return False


def test_the_walk_finds_the_routes_that_start_e_services_today():
    found = {(route.path, route.is_api) for route in _starts()}

    assert found >= {
        ("api/v1/services/<code>/activate", True),
        ("api/v1/services/<code>/activate/verify", True),
        ("services/<slug:code>/activate/", False),
        ("services/<slug:code>/activate/verify/", False),
    }
    reads = {route.path for route in _routes() if not route.writes}
    assert {"api/v1/services", "services/<slug:code>/activated/"} <= reads


def test_every_route_that_starts_an_e_service_reaches_a_declared_entry_point():
    declared = [entry_point.function for entry_point in e_service_entry_points()]

    bypassing = [
        f"{sorted(route.methods or {'ANY'})} {route.path} → {route.view.__module__}."
        f"{route.view.__name__}"
        for route in _starts()
        if not _reaches_entry_point(route.view, declared, set())
    ]

    assert bypassing == [], (
        "These routes start an e-service without a declared entry point: declare the domain "
        "function they call with @e_service_entry_point (after making it call "
        "service_start_check), or add the route to NOT_A_START with the reason."
    )


def test_every_exemption_names_a_route_that_exists():
    paths = {route.path for route in _routes()}

    assert set(NOT_A_START) <= paths


def test_the_static_check_catches_a_view_that_bypasses():
    declared = [entry_point.function for entry_point in e_service_entry_points()]

    def bypassing_view(request, code):
        return Service.objects.filter(code=code).update(position=1)

    assert not _reaches_entry_point(bypassing_view, declared, set())


def _body_for(route: Route, method: str, service_code: str) -> dict[str, Any]:
    """The smallest body the API's own schema accepts for this operation, naming the service in
    `service_code` when it has that field."""
    document = api_v1.get_openapi_schema()
    path = "/" + re.sub(r"<(\w+)>", r"{\1}", route.path)
    operation = document["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return {}
    schema = _resolve(document, content["schema"])
    placeholders = {"string": "0", "integer": 0, "number": 0, "boolean": False}
    body = {}
    for name in schema.get("required", []):
        field = _resolve(document, schema["properties"][name])
        body[name] = field["enum"][0] if "enum" in field else placeholders[field.get("type", "")]
    if "service_code" in body:
        body["service_code"] = service_code
    return body


def _names_the_service(route: Route, method: str) -> bool:
    """The service is the path's only parameter `code`, or the body's `service_code` when the
    path has no parameter."""
    parameters = set(re.findall(r"<(?:\w+:)?(\w+)>", route.path))
    if parameters == {"code"}:
        return True
    return not parameters and "service_code" in _body_for(route, method, "")


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return schema


def test_api_routes_that_start_a_chosen_service_refuse_a_suspended_person(
    api, user, court, suspended
):
    signed_in(api, user)
    calls = sorted(
        {
            (route.path, method)
            for route in _starts()
            if route.is_api
            for method in (route.methods or {"POST"})
            if _names_the_service(route, method)
        }
    )
    assert ("api/v1/services/<code>/activate", "POST") in calls
    routes = {route.path: route for route in _starts()}
    service = Service.objects.get(code="worker_services_transfer")
    for path, method in calls:
        url = "/" + re.sub(r"<(?:\w+:)?code>", service.code, path)
        before = _rows_everywhere()

        response = api.client.generic(
            method,
            url,
            data=json.dumps(_body_for(routes[path], method, service.code)),
            content_type="application/json",
            headers={"Authorization": f"Bearer {api.token}", "Accept-Language": "en"},
        )

        assert response.status_code == 403, (method, url, response.json())
        assert response.json()["code"] == "service_suspended"
        assert response.json()["details"]["reference"] == "CRT-ALL"
        assert _rows_everywhere() == before, (method, url)
