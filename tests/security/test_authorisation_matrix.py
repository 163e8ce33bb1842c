"""Who may reach which address: every address of the platform (portal, back office, Django admin,
every operation of the JSON API) × every kind of caller.

`RULES` declares, for each address, who is let in. The addresses themselves are read from the URL
configuration and the API object (`endpoints`), so an address added anywhere fails
`test_every_address_has_a_rule` until someone decides who may use it and writes it down here.

A caller who is let in must not be turned away; anyone else must be turned away the way their kind
is: a visitor is sent to the sign-in page of that part of the site (or gets 401 from the API), a
signed-in person or staff member without the right gets 403, and a person who may use the page but
names an object that is not theirs (another person's bill, request, transfer, case or message)
gets the same 404 as for an object that does not exist. Pages are opened with GET; an address that
changes something is only sent the refused callers' request (a POST without a valid body), and
`test_refused_requests_change_nothing` checks that they changed nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.http import HttpResponse

from absher.accounts.models import OtpChallenge, Partner, ServiceActivation, StaffMember, User
from absher.notifications.models import SmsMessage
from absher.payments.models import Bill, CardCheckout, Payment
from absher.requests.models import ServiceRequest
from absher.suspensions.models import Suspension
from absher.transfers.models import CaseDocument, TransferCase, TransferRequest

from .actors import (
    ADMINISTRATOR,
    AGENT,
    ANONYMOUS,
    OFFICER,
    OTHER_CLERK,
    OTHER_PERSON,
    OWNER,
    REGISTERED,
    ROLES,
    World,
)
from .endpoints import Endpoint, all_endpoints

pytestmark = pytest.mark.django_db

STAFF = frozenset({OFFICER, OTHER_CLERK, AGENT, ADMINISTRATOR})
EVERYONE = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()
SIGN_IN = "sign-in"  # a redirect to the sign-in page that comes back here afterwards
ALLOWED = "allowed"
REFUSALS = (SIGN_IN, 401, 403, 404)
SIGN_IN_PAGES = {
    "portal": "/login/",
    "backoffice": "/backoffice/login/",
    "admin": "/django-admin/login/",
}
# A code and a challenge in the right shape, so that the body passes validation and the refusal
# comes from the access check (no such challenge exists: nothing could be verified anyway).
CHALLENGE_BODY = b'{"challenge_id": "00000000-0000-4000-8000-000000000000", "code": "000000"}'


@dataclass(frozen=True)
class Rule:
    """Who is let in (`allowed`), and the refusal every other caller gets (`refusals`, by role;
    the kind of refusal follows from the part of the site unless a rule says otherwise).

    `writes`: the address changes something, so only refused callers are sent a request.
    `values`: which of the world's objects a URL parameter names (by default the parameter's own
    name). `body`: what refused callers of an API operation send. `skip`: the address is not
    served in production (the reason is the value); it is classified, never requested."""

    allowed: frozenset[str]
    refusals: Mapping[str, Any] = field(default_factory=dict)
    writes: bool = False
    values: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b"{}"
    skip: str = ""


def public(*, writes: bool = False, **values: str) -> Rule:
    return Rule(allowed=EVERYONE, writes=writes, values=values)


def person(
    *,
    registered: bool = False,
    owned: bool = False,
    party: bool = True,
    writes: bool = False,
    body: bytes = b"{}",
    **values: str,
) -> Rule:
    """A person's page or operation. `registered`: open to accounts that are not activated yet.
    `owned`: it names an object of the owner's, so other people get 404. `party=False`: it is
    for a party of the object that none of the callers here is (the owner gets 404 too)."""
    gate = {REGISTERED, OWNER, OTHER_PERSON} if registered else {OWNER, OTHER_PERSON}
    allowed = set(gate)
    refusals: dict[str, Any] = {}
    if owned:
        strangers = gate - {OWNER} if party else gate
        allowed -= strangers
        refusals = dict.fromkeys(strangers, 404)
    return Rule(
        allowed=frozenset(allowed),
        refusals=refusals,
        writes=writes,
        values=values,
        body=body,
    )


def staff(*roles: str, writes: bool = False, other_authority: int | None = None, **values: str):
    """A back-office page for `roles`. `other_authority`: what a clerk of another authority gets
    (the page names one authority's object)."""
    allowed = set(roles)
    refusals: dict[str, Any] = {}
    if other_authority is not None:
        allowed.discard(OTHER_CLERK)
        refusals[OTHER_CLERK] = other_authority
    return Rule(allowed=frozenset(allowed), refusals=refusals, writes=writes, values=values)


def partner() -> Rule:
    """An integration call: only a signed partner system, which none of these callers is."""
    return Rule(allowed=NOBODY, refusals=dict.fromkeys(ROLES, 401), writes=True)


def django_admin() -> Rule:
    """Django's own admin site is for `is_staff` operators only; a back-office administrator is
    not one, so every caller here is sent to its sign-in page."""
    return Rule(allowed=NOBODY, refusals=dict.fromkeys(ROLES, SIGN_IN))


def not_in_production(reason: str) -> Rule:
    return Rule(allowed=NOBODY, skip=reason)


SANDBOX = "the sandbox card gateway (test and local profiles only; production has no such URLs)"
DEV = "development endpoint (DEV_ENDPOINTS, never on in production)"

RULES: dict[str, Rule] = {
    # --- the site itself -------------------------------------------------------------------------
    "healthz": public(),
    "readyz": public(),
    "set_language": public(),
    # A scraper's bearer token (METRICS_TOKEN); the page does not exist while no token is set.
    "metrics": Rule(allowed=NOBODY, refusals=dict.fromkeys(ROLES, (401, 404))),
    "api-v1:openapi-json": public(),
    "api-v1:openapi-view": public(),
    # The API's root names nothing: the same 404 for everyone.
    "api-v1:api-root": Rule(allowed=NOBODY, refusals=dict.fromkeys(ROLES, 404)),
    "dev_sms_outbox": not_in_production(DEV),
    # --- portal: signing up and in ---------------------------------------------------------------
    "portal:home": public(),
    "portal:register": public(),
    "portal:register_verify": public(),
    "portal:register_resend": public(writes=True),
    "portal:register_done": public(),
    "portal:login": public(),
    "portal:login_verify": public(),
    "portal:login_resend": public(writes=True),
    "portal:logout": public(writes=True),
    "portal:password_reset": public(),
    "portal:password_reset_verify": public(),
    "portal:password_reset_resend": public(writes=True),
    "portal:receipt_verify": public(code="receipt_code"),
    # --- portal: the person's own pages (registered accounts too) --------------------------------
    "portal:dashboard": person(registered=True),
    "portal:sign_out_everywhere": person(registered=True, writes=True),
    "portal:messages": person(registered=True),
    "portal:message": person(registered=True, owned=True),
    "portal:access_log": person(registered=True),
    "portal:activation": person(registered=True),
    "portal:activation_national_id": person(registered=True),
    "portal:activation_verify": person(registered=True),
    "portal:activation_resend": person(registered=True, writes=True),
    "portal:activation_code": person(registered=True),
    "portal:activation_done": person(registered=True),
    # --- portal: e-services (activated accounts) -------------------------------------------------
    "portal:personal_data": person(),
    "portal:services": person(),
    "portal:suspensions": person(),
    "portal:service_activate": person(writes=True, code="activation_service_code"),
    "portal:service_activate_verify": person(code="activation_service_code"),
    "portal:service_activate_resend": person(writes=True, code="activation_service_code"),
    "portal:service_activated": person(code="activation_service_code"),
    "portal:service_request": person(writes=True, code="service_code"),
    "portal:requests": person(),
    "portal:bills": person(),
    "portal:bill": person(owned=True),
    "portal:bill_card_payment": person(owned=True, writes=True),
    "portal:bill_card_return": person(owned=True),
    "portal:receipt": person(owned=True),
    "portal:receipt_pdf": person(owned=True),
    "portal:transfers": person(),
    "portal:transfer_start": person(writes=True),
    "portal:transfer_start_verify": person(),
    "portal:transfer_start_resend": person(writes=True),
    "portal:transfer_worker": person(),
    "portal:transfer_new_sponsor": person(),
    "portal:transfer_review": person(),
    "portal:transfer_confirm": person(),
    "portal:transfer_confirm_resend": person(writes=True),
    "portal:transfers_incoming": person(),
    "portal:transfers_outgoing": person(),
    "portal:transfers_about_me": person(),
    "portal:transfer": person(owned=True),
    "portal:transfer_sent": person(owned=True),
    "portal:transfer_cancel": person(owned=True),
    "portal:transfer_accept": person(owned=True, transfer_id="incoming_transfer_id"),
    "portal:transfer_accept_verify": person(owned=True, transfer_id="incoming_transfer_id"),
    "portal:transfer_accept_resend": person(
        owned=True, writes=True, transfer_id="incoming_transfer_id"
    ),
    "portal:transfer_reject": person(owned=True, transfer_id="incoming_transfer_id"),
    # Only the worker consents: the owner is the request's current sponsor.
    "portal:transfer_worker_consent": person(owned=True, party=False),
    "portal:cases": person(),
    "portal:case_new": person(),
    "portal:case": person(owned=True),
    "portal:case_documents": person(owned=True, writes=True),
    "portal:case_document": person(owned=True),
    # --- back office -----------------------------------------------------------------------------
    "backoffice:home": staff(*STAFF),
    "backoffice:login": public(),
    "backoffice:login_verify": public(),
    "backoffice:login_resend": public(writes=True),
    "backoffice:logout": public(writes=True),
    "backoffice:activation": staff(OFFICER),
    "backoffice:activation_activate": staff(OFFICER, writes=True),
    "backoffice:activation_done": staff(OFFICER),
    "backoffice:request_queue": staff(OFFICER),
    "backoffice:request_detail": staff(OFFICER),
    "backoffice:request_fulfil": staff(OFFICER, writes=True),
    "backoffice:request_reject": staff(OFFICER, writes=True),
    "backoffice:case_queue": staff(OFFICER),
    "backoffice:case_detail": staff(OFFICER),
    "backoffice:case_review": staff(OFFICER, writes=True),
    "backoffice:case_approve": staff(OFFICER, writes=True),
    "backoffice:case_reject": staff(OFFICER, writes=True),
    "backoffice:case_request_documents": staff(OFFICER, writes=True),
    "backoffice:case_document": staff(OFFICER),
    # A clerk works on their own authority's suspensions only (the owner's is the court's).
    "backoffice:suspension_list": staff(OTHER_CLERK),
    "backoffice:suspension_new": staff(OTHER_CLERK),
    "backoffice:suspension_detail": staff(OTHER_CLERK, other_authority=404),
    "backoffice:call_centre": staff(AGENT),
    "backoffice:staff_list": staff(ADMINISTRATOR),
    "backoffice:staff_new": staff(ADMINISTRATOR),
    "backoffice:staff_active": staff(ADMINISTRATOR, writes=True),
    "backoffice:office_list": staff(ADMINISTRATOR),
    "backoffice:office_new": staff(ADMINISTRATOR),
    "backoffice:authority_list": staff(ADMINISTRATOR),
    "backoffice:authority_new": staff(ADMINISTRATOR),
    "backoffice:partner_list": staff(ADMINISTRATOR),
    "backoffice:partner_new": staff(ADMINISTRATOR),
    "backoffice:partner_rotate": staff(ADMINISTRATOR, code="partner_code"),
    "backoffice:service_list": staff(ADMINISTRATOR),
    "backoffice:service_edit": staff(ADMINISTRATOR, code="service_code"),
    "backoffice:reconciliation": staff(ADMINISTRATOR),
    # --- Django admin ----------------------------------------------------------------------------
    "admin:login": public(),
    "admin:logout": public(writes=True),
    # --- API: signing up and in ------------------------------------------------------------------
    "POST /api/v1/auth/register": public(writes=True),
    "POST /api/v1/auth/register/verify": public(writes=True),
    "POST /api/v1/auth/login": public(writes=True),
    "POST /api/v1/auth/login/verify": public(writes=True),
    "POST /api/v1/auth/otp/resend": public(writes=True),
    "GET /api/v1/auth/otp/{challenge_id}/delivery": public(),
    "POST /api/v1/auth/refresh": public(writes=True),
    "POST /api/v1/auth/logout": public(writes=True),
    "POST /api/v1/auth/logout-everywhere": person(registered=True, writes=True),
    "POST /api/v1/auth/password-reset": public(writes=True),
    "POST /api/v1/auth/password-reset/verify": public(writes=True),
    "GET /api/v1/departments": public(),
    # --- API: the person's own (registered accounts too, SPEC 13) --------------------------------
    "GET /api/v1/me": person(registered=True),
    "GET /api/v1/me/messages": person(registered=True),
    "GET /api/v1/me/access-log": person(registered=True),
    "POST /api/v1/activation/national-id": person(registered=True, writes=True),
    "POST /api/v1/activation/verify": person(registered=True, writes=True),
    "POST /api/v1/activation/code": person(registered=True, writes=True),
    # --- API: e-services (activated accounts) ----------------------------------------------------
    "GET /api/v1/me/personal-data": person(),
    "GET /api/v1/me/suspensions": person(),
    "GET /api/v1/me/bills": person(),
    "GET /api/v1/me/workers": person(),
    "GET /api/v1/services": person(),
    "POST /api/v1/services/{code}/activate": person(writes=True, code="activation_service_code"),
    "POST /api/v1/services/{code}/activate/verify": person(
        writes=True, code="activation_service_code"
    ),
    "GET /api/v1/bills/{sadad_number}": person(owned=True),
    "POST /api/v1/bills/{sadad_number}/card-payment": person(owned=True, writes=True),
    "GET /api/v1/bills/{sadad_number}/receipt": person(owned=True),
    "POST /api/v1/requests": person(writes=True),
    "GET /api/v1/requests": person(),
    "GET /api/v1/requests/{request_id}": person(owned=True),
    "POST /api/v1/transfers/verify-start": person(writes=True),
    "POST /api/v1/transfers/verify-start/verify": person(writes=True),
    "POST /api/v1/transfers/preview": person(writes=True),
    "POST /api/v1/transfers": person(writes=True),
    "GET /api/v1/transfers": person(),
    "GET /api/v1/transfers/{transfer_id}": person(owned=True),
    "POST /api/v1/transfers/{transfer_id}/cancel": person(owned=True, writes=True),
    "POST /api/v1/transfers/{transfer_id}/accept": person(
        owned=True, writes=True, transfer_id="incoming_transfer_id"
    ),
    "POST /api/v1/transfers/{transfer_id}/accept/verify": person(
        owned=True, writes=True, body=CHALLENGE_BODY, transfer_id="incoming_transfer_id"
    ),
    "POST /api/v1/transfers/{transfer_id}/reject": person(
        owned=True, writes=True, transfer_id="incoming_transfer_id"
    ),
    "POST /api/v1/transfers/{transfer_id}/worker-consent": person(
        owned=True, party=False, writes=True
    ),
    "GET /api/v1/cases/checklist": person(),
    "POST /api/v1/cases": person(writes=True),
    "GET /api/v1/cases": person(),
    "GET /api/v1/cases/{case_id}": person(owned=True),
    "POST /api/v1/cases/{case_id}/documents": person(owned=True, writes=True),
    "GET /api/v1/cases/{case_id}/documents/{document_id}": person(owned=True),
    # --- API: integrations (signed partner calls) ------------------------------------------------
    "POST /api/v1/integrations/banks/activations": partner(),
    "POST /api/v1/integrations/authorities/suspensions": partner(),
    "DELETE /api/v1/integrations/authorities/suspensions/{reference}": partner(),
    "POST /api/v1/integrations/sadad/inquiry": partner(),
    "POST /api/v1/integrations/sadad/payments": partner(),
    "POST /api/v1/integrations/sadad/payments/batch": partner(),
    "POST /api/v1/integrations/card-gateway/webhook": partner(),
}

# Families of addresses that share one rule, by key pattern (after the exact rules above).
PATTERN_RULES: list[tuple[re.Pattern[str], Rule]] = [
    (re.compile(r"^admin:"), django_admin()),
    (re.compile(r"^sandbox_gateway:"), not_in_production(SANDBOX)),
]


def rule_for(endpoint: Endpoint) -> Rule | None:
    if endpoint.key in RULES:
        return RULES[endpoint.key]
    for pattern, rule in PATTERN_RULES:
        if pattern.search(endpoint.key):
            return rule
    return None


# --- what each caller should get -----------------------------------------------------------------


def expected(endpoint: Endpoint, rule: Rule, role: str) -> Any:
    """ALLOWED, or the refusal (`SIGN_IN`, 401, 403, 404, or a tuple of acceptable ones)."""
    if role in rule.allowed:
        return ALLOWED
    if role in rule.refusals:
        return rule.refusals[role]
    if endpoint.is_api_operation:
        # No account, or an account with no registry person (staff): not authenticated.
        if role == ANONYMOUS or role in STAFF:
            return 401
        return 403
    if role == ANONYMOUS:
        return SIGN_IN
    return 403


def outcome(endpoint: Endpoint, response: HttpResponse) -> Any:
    status = response.status_code
    if status in (301, 302, 303, 307):
        location = response.get("Location", "")
        sign_in = SIGN_IN_PAGES.get(endpoint.area, "/login/")
        if location.startswith(sign_in) and "next=" in location:
            return SIGN_IN
        return ALLOWED
    if status in (401, 403, 404):
        return status
    return ALLOWED


def matches(result: Any, wanted: Any) -> bool:
    if isinstance(wanted, tuple):
        return result in wanted
    return result == wanted


def send(world: World, role: str, endpoint: Endpoint, rule: Rule) -> HttpResponse:
    values = {**world.values, **{name: world.values[key] for name, key in rule.values.items()}}
    path = endpoint.path(values)
    client = world.client(role)
    if endpoint.is_api_operation:
        token = world.bearer(role)
        headers = {"Accept-Language": "en"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if endpoint.method == "GET":
            return client.get(path, headers=headers)
        return client.generic(
            endpoint.method, path, rule.body, content_type="application/json", headers=headers
        )
    if rule.writes:
        return client.post(path, {})
    return client.get(path)


def state() -> dict[str, Any]:
    """What a refused request must leave as it was."""
    return {
        "transfers": sorted(TransferRequest.objects.values_list("pk", "status", "updated_at")),
        "cases": sorted(TransferCase.objects.values_list("pk", "status", "updated_at")),
        "documents": CaseDocument.objects.count(),
        "bills": sorted(Bill.objects.values_list("pk", "status", "updated_at")),
        "payments": Payment.objects.count(),
        "checkouts": CardCheckout.objects.count(),
        "requests": sorted(ServiceRequest.objects.values_list("pk", "status", "updated_at")),
        "suspensions": sorted(Suspension.objects.values_list("pk", "status", "updated_at")),
        "accounts": sorted(
            User.objects.values_list("pk", "is_active", "status", "session_epoch", "password")
        ),
        "staff": sorted(StaffMember.objects.values_list("pk", "role", "updated_at")),
        "partners": sorted(Partner.objects.values_list("pk", "secret", "is_active")),
        "service_activations": ServiceActivation.objects.count(),
        "codes": OtpChallenge.objects.count(),
        "sms": SmsMessage.objects.count(),
    }


# --- the tests -----------------------------------------------------------------------------------


def test_every_address_has_a_rule():
    unclassified = [
        f"{endpoint.key}  ({endpoint.route})"
        for endpoint in all_endpoints()
        if rule_for(endpoint) is None
    ]

    assert unclassified == [], (
        "Addresses without a rule in tests/security/test_authorisation_matrix.py (decide who may "
        "use each and add it to RULES):\n  " + "\n  ".join(unclassified)
    )


def test_every_rule_names_an_address():
    keys = {endpoint.key for endpoint in all_endpoints()}

    assert sorted(set(RULES) - keys) == []


def test_the_walk_reaches_every_part_of_the_platform():
    areas = {endpoint.area for endpoint in all_endpoints()}
    keys = {endpoint.key for endpoint in all_endpoints()}

    assert {"portal", "backoffice", "admin", "api", "site"} <= areas
    assert {"portal:bill", "backoffice:case_detail", "GET /api/v1/me/personal-data"} <= keys
    assert "GET /api/v1/transfers" in keys
    assert "POST /api/v1/transfers" in keys  # one operation per method of a path


@pytest.mark.parametrize("role", ROLES)
def test_each_caller_is_let_in_or_turned_away_as_the_rules_say(world, role):
    wrong = []
    for endpoint in all_endpoints():
        rule = rule_for(endpoint)
        assert rule is not None, endpoint.key  # test_every_address_has_a_rule says which
        if rule.skip:
            continue
        wanted = expected(endpoint, rule, role)
        if rule.writes and wanted == ALLOWED:
            continue
        response = send(world, role, endpoint, rule)
        result = outcome(endpoint, response)
        if not matches(result, wanted):
            wrong.append(
                f"{endpoint.key}: wanted {wanted}, got {result} "
                f"(HTTP {response.status_code} {response.get('Location', '')})"
            )

    assert wrong == [], f"{role}:\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_refused_requests_change_nothing(world, role):
    before = state()

    for endpoint in all_endpoints():
        rule = rule_for(endpoint)
        if rule is None or rule.skip or not rule.writes:
            continue
        if expected(endpoint, rule, role) != ALLOWED:
            send(world, role, endpoint, rule)

    assert state() == before


def test_staff_cannot_use_an_access_token_of_their_own(world):
    """The API serves registry people and partner systems only: a token minted for a staff
    account (which sign-in never issues) opens nothing."""
    client = world.client(ANONYMOUS)
    token = world.bearer(ADMINISTRATOR)

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
