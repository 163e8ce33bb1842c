"""Each role reaches only its own pages: every back-office address × every kind of visitor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from absher.accounts.constants import PartnerKind, StaffRole
from absher.accounts.models import Partner
from absher.audit.models import AuditEvent
from absher.backoffice.access import SECTIONS, staff_required
from absher.backoffice.tests.conftest import make_account, make_person, signed_in
from absher.backoffice.tests.test_suspensions import make_suspension
from absher.payments.models import Bill
from absher.suspensions.constants import SuspensionStatus
from absher.suspensions.models import Suspension
from absher.transfers.tests.case_support import file_case, filer_user
from absher.transfers.tests.helpers import citizen, worker_of

ALL_STAFF = frozenset(StaffRole.values)
OFFICER = frozenset({StaffRole.OFFICER})
ADMIN = frozenset({StaffRole.ADMINISTRATOR})
CLERK = frozenset({StaffRole.AUTHORITY_CLERK})
AGENT = frozenset({StaffRole.CALL_CENTRE_AGENT})
OTHER_CLERK = "other_authority_clerk"

# (address, roles that may open it, answer to those roles' GET)
PAGES = [
    ("/backoffice/", ALL_STAFF, 200),
    ("/backoffice/activation/", OFFICER, 200),
    ("/backoffice/activation/activate/", OFFICER, 405),
    ("/backoffice/activation/done/", OFFICER, 302),
    ("/backoffice/requests/", OFFICER, 200),
    ("/backoffice/requests/{request}/", OFFICER, 200),
    ("/backoffice/requests/{request}/fulfil/", OFFICER, 405),
    ("/backoffice/requests/{request}/reject/", OFFICER, 405),
    ("/backoffice/cases/", OFFICER, 200),
    ("/backoffice/cases/{case}/", OFFICER, 200),
    ("/backoffice/cases/{case}/review/", OFFICER, 405),
    ("/backoffice/cases/{case}/approve/", OFFICER, 405),
    ("/backoffice/cases/{case}/reject/", OFFICER, 405),
    ("/backoffice/cases/{case}/request-documents/", OFFICER, 405),
    ("/backoffice/cases/{case}/documents/{document}/", OFFICER, 200),
    ("/backoffice/suspensions/", CLERK, 200),
    ("/backoffice/suspensions/new/", CLERK, 200),
    ("/backoffice/suspensions/{suspension}/", CLERK, 200),
    ("/backoffice/call-centre/", AGENT, 200),
    ("/backoffice/staff/", ADMIN, 200),
    ("/backoffice/staff/new/", ADMIN, 200),
    ("/backoffice/staff/{member}/active/", ADMIN, 405),
    ("/backoffice/offices/", ADMIN, 200),
    ("/backoffice/offices/new/", ADMIN, 200),
    ("/backoffice/authorities/", ADMIN, 200),
    ("/backoffice/authorities/new/", ADMIN, 200),
    ("/backoffice/partners/", ADMIN, 200),
    ("/backoffice/partners/new/", ADMIN, 200),
    ("/backoffice/partners/{partner}/rotate/", ADMIN, 200),
    ("/backoffice/catalogue/", ADMIN, 200),
    ("/backoffice/catalogue/passport_renewal/", ADMIN, 200),
    ("/backoffice/reconciliation/", ADMIN, 200),
]
# A clerk of another authority has the clerk's role but none of the court's suspensions.
OTHER_AUTHORITY_STATUS = {"/backoffice/suspensions/{suspension}/": 404}
VISITORS = ["anonymous", "citizen", *StaffRole.values, OTHER_CLERK]


@pytest.fixture
def visitor_client(make_staff, other_clerk):
    def client_for(visitor: str) -> Client:
        if visitor == "anonymous":
            return Client()
        if visitor == "citizen":
            return signed_in(make_account(make_person(), username="citizen.visitor"))
        if visitor == OTHER_CLERK:
            return signed_in(other_clerk.user)
        return signed_in(make_staff(visitor).user)

    return client_for


@pytest.fixture
def targets(make_staff, authority):
    member = make_staff(StaffRole.CALL_CENTRE_AGENT, username="agent.target")
    partner = Partner.objects.create(
        code="alrajhi-bank", kind=PartnerKind.BANK, name="Al Rajhi Bank", secret="s" * 43
    )
    suspension = make_suspension(authority, make_person(), "CRT-1447-000381")
    return {"member": member.pk, "partner": partner.code, "suspension": suspension.reference}


@pytest.fixture
def make_case(settings, tmp_path):
    """A case filed with its seven documents (stored under the test's own directory)."""

    def make() -> dict[str, int]:
        settings.CASE_DOCUMENTS_DIR = tmp_path / "cases"
        sponsor = citizen()
        case = file_case(filer_user(citizen()), worker_of(sponsor))
        return {"case": case.pk, "document": case.documents.first().pk}

    return make


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize(("template", "roles", "allowed_status"), PAGES)
def test_every_page_admits_only_its_roles(
    visitor_client, targets, make_paid_request, make_case, visitor, template, roles, allowed_status
):
    if "{request}" in template:  # only where needed: paying a bill takes a while
        targets = {**targets, "request": make_paid_request().pk}
    if "{case}" in template:  # only where needed: a case stores seven files
        targets = {**targets, **make_case()}
    path = template.format(**targets)
    client = visitor_client(visitor)

    response = client.get(path)

    if visitor == "anonymous":
        assert response.status_code == 302
        assert response.url == f"/backoffice/login/?next={path}"
    elif visitor == OTHER_CLERK and StaffRole.AUTHORITY_CLERK in roles:
        assert response.status_code == OTHER_AUTHORITY_STATUS.get(template, allowed_status)
    elif visitor in roles:
        assert response.status_code == allowed_status
    else:
        assert response.status_code == 403
        assert "backoffice/forbidden.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("visitor", ["citizen", StaffRole.OFFICER, StaffRole.AUTHORITY_CLERK])
def test_actions_refuse_other_roles_without_changing_anything(visitor_client, targets, visitor):
    client = visitor_client(visitor)

    deactivate = client.post(f"/backoffice/staff/{targets['member']}/active/", {"is_active": "0"})
    rotate = client.post(f"/backoffice/partners/{targets['partner']}/rotate/")

    assert (deactivate.status_code, rotate.status_code) == (403, 403)
    assert Partner.objects.get(code="alrajhi-bank").secret == "s" * 43
    assert Partner.objects.get(code="alrajhi-bank").secret_rotated_at is None


@pytest.mark.parametrize(
    ("visitor", "lift_status"),
    [
        ("citizen", 403),
        (StaffRole.OFFICER, 403),
        (StaffRole.CALL_CENTRE_AGENT, 403),
        (StaffRole.ADMINISTRATOR, 403),
        (OTHER_CLERK, 404),
    ],
)
def test_only_the_authoritys_clerks_place_and_lift_its_suspensions(
    visitor_client, targets, visitor, lift_status
):
    client = visitor_client(visitor)
    person = make_person()

    lift = client.post(f"/backoffice/suspensions/{targets['suspension']}/")
    place = client.post(
        "/backoffice/suspensions/new/",
        {
            "id_number": person.id_number,
            "reference": "CRT-2",
            "scope": "all",
            "reason_ar": "سبب",
            "reason_en": "Reason",
            "lift_procedure_ar": "طريقة",
            "lift_procedure_en": "Procedure",
        },
    )

    assert lift.status_code == lift_status
    assert place.status_code == (302 if visitor == OTHER_CLERK else 403)
    court = Suspension.objects.get(reference=targets["suspension"])
    assert court.status == SuspensionStatus.ACTIVE
    assert not Suspension.objects.filter(person=person, authority=court.authority).exists()


@pytest.mark.parametrize(
    "visitor",
    [
        "anonymous",
        "citizen",
        StaffRole.AUTHORITY_CLERK,
        StaffRole.CALL_CENTRE_AGENT,
        StaffRole.ADMINISTRATOR,
    ],
)
def test_only_officers_decide_requests(visitor_client, make_paid_request, visitor):
    client = visitor_client(visitor)
    paid = make_paid_request()
    request_id = paid.pk
    events = AuditEvent.objects.count()

    fulfil = client.post(f"/backoffice/requests/{request_id}/fulfil/")
    reject = client.post(f"/backoffice/requests/{request_id}/reject/", {"reason": "No."})

    expected = 302 if visitor == "anonymous" else 403
    assert (fulfil.status_code, reject.status_code) == (expected, expected)
    paid.refresh_from_db()
    assert (paid.status, paid.decision_note) == ("paid", "")
    assert Bill.objects.get(sadad_number=paid.sadad_number).status == "paid"
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "visitor", ["citizen", StaffRole.OFFICER, StaffRole.AUTHORITY_CLERK, StaffRole.ADMINISTRATOR]
)
def test_only_agents_look_up_callers(visitor_client, visitor):
    client = visitor_client(visitor)
    person = make_person()

    response = client.post(
        "/backoffice/call-centre/",
        {"id_number": person.id_number, "date_of_birth": "1992-03-08", "calendar": "gregorian"},
    )

    assert response.status_code == 403
    assert "Noura" not in response.text
    assert not AuditEvent.objects.filter(is_access=True).exists()


def test_the_page_table_covers_every_back_office_address():
    from absher.backoffice.urls import urlpatterns

    public = {"login", "login_verify", "login_resend", "logout"}
    guarded = {p.name for p in urlpatterns} - public
    assert len(guarded) == len(PAGES)


@pytest.mark.parametrize(
    ("role", "links"),
    [
        (
            StaffRole.OFFICER,
            ["/backoffice/activation/", "/backoffice/requests/", "/backoffice/cases/"],
        ),
        (StaffRole.AUTHORITY_CLERK, ["/backoffice/suspensions/"]),
        (StaffRole.CALL_CENTRE_AGENT, ["/backoffice/call-centre/"]),
        (
            StaffRole.ADMINISTRATOR,
            [
                "/backoffice/staff/",
                "/backoffice/offices/",
                "/backoffice/authorities/",
                "/backoffice/partners/",
                "/backoffice/catalogue/",
                "/backoffice/reconciliation/",
            ],
        ),
    ],
)
def test_home_lists_only_the_pages_of_the_role(make_staff, role, links):
    client = signed_in(make_staff(role).user)

    response = client.get("/backoffice/", headers={"accept-language": "en"})

    every = [reverse(section.url_name) for section in SECTIONS]
    assert [path for path in every if f'href="{path}"' in response.text] == links


def test_unknown_roles_are_a_programming_error():
    with pytest.raises(ValueError, match="unknown staff roles"):
        staff_required("janitor")
