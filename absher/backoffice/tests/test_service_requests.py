"""Officers decide paid e-service requests: the queue, one request (a look-up in the person's
access log), marking it completed, and rejecting it with a reason (which refunds its bill)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from absher.accounts.constants import StaffRole
from absher.audit.models import AuditEvent
from absher.audit.selectors import access_log_for
from absher.backoffice.tests.conftest import make_person, make_request
from absher.backoffice.views import service_requests as views
from absher.core.errors import Conflict
from absher.notifications.models import Message
from absher.payments.models import Bill
from absher.requests.models import ServiceRequest

QUEUE = "/backoffice/requests/"
EN = {"accept-language": "en"}


def detail(service_request: ServiceRequest) -> str:
    return f"/backoffice/requests/{service_request.pk}/"


def fulfil(service_request: ServiceRequest) -> str:
    return f"/backoffice/requests/{service_request.pk}/fulfil/"


def reject(service_request: ServiceRequest) -> str:
    return f"/backoffice/requests/{service_request.pk}/reject/"


def state(service_request: ServiceRequest) -> tuple[str, str, str]:
    """The request's status and decision note, and its bill's status."""
    service_request.refresh_from_db()
    bill = Bill.objects.get(sadad_number=service_request.sadad_number)
    return service_request.status, service_request.decision_note, bill.status


def queued_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/backoffice/requests/(\d+)/"', html)]


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    def send(client, path, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data or {}, headers=EN)

    return send


# The queue


def test_queue_lists_only_paid_requests_oldest_first(officer_client, make_paid_request, post):
    unpaid = make_request()
    first = make_paid_request()
    second = make_paid_request()
    completed = make_paid_request()
    post(officer_client, fulfil(completed))

    response = officer_client.get(QUEUE, headers=EN)

    assert response.status_code == 200
    assert queued_ids(response.text) == [first.pk, second.pk]
    assert unpaid.pk not in queued_ids(response.text)
    assert "2 requests are waiting for a decision." in response.text


def test_queue_row_shows_name_masked_id_service_fee_and_sadad_number(
    officer_client, make_paid_request
):
    service_request = make_paid_request()
    id_number = service_request.person.id_number

    response = officer_client.get(QUEUE, headers=EN)

    assert "<td>Noura Khalid Alotaibi<br>" in response.text
    assert f'<bdi dir="ltr" aria-hidden="true">••••••{id_number[-4:]}</bdi>' in response.text
    assert f"ID number ending in {id_number[-4:]}" in response.text
    assert id_number not in response.text
    assert "<td>Passport renewal</td>" in response.text
    assert "<td>SAR 300.00</td>" in response.text
    assert f'<td><bdi dir="ltr">{service_request.sadad_number}</bdi></td>' in response.text


def test_queue_reads_in_arabic_by_default(officer_client, make_paid_request):
    make_paid_request()

    response = officer_client.get(QUEUE)

    assert '<html lang="ar" dir="rtl">' in response.text
    assert "<td>نورة بنت خالد العتيبي<br>" in response.text
    assert "<td>300.00 ريال</td>" in response.text
    assert '<th scope="col">رقم سداد</th>' in response.text


def test_an_empty_queue_says_so(officer_client):
    response = officer_client.get(QUEUE, headers=EN)

    assert "No paid request is waiting for a decision." in response.text
    assert "<table" not in response.text


def test_queue_is_paginated(officer_client, make_paid_request, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    requests = [make_paid_request() for _ in range(3)]

    first = officer_client.get(QUEUE, headers=EN)
    second = officer_client.get(QUEUE, {"page": "2"}, headers=EN)

    assert queued_ids(first.text) == [requests[0].pk, requests[1].pk]
    assert queued_ids(second.text) == [requests[2].pk]
    assert "Page 2 of 2" in second.text
    assert '<a href="?page=1" rel="prev">Previous page</a>' in second.text


def test_the_queue_reads_a_constant_number_of_queries(officer_client, make_paid_request):
    make_paid_request()
    with CaptureQueriesContext(connection) as one:
        officer_client.get(QUEUE)
    for _ in range(4):
        make_paid_request()

    with CaptureQueriesContext(connection) as five:
        response = officer_client.get(QUEUE)

    assert len(queued_ids(response.text)) == 5
    assert len(five) == len(one)


def test_opening_the_queue_is_not_a_look_up(officer_client, make_paid_request):
    service_request = make_paid_request()

    officer_client.get(QUEUE)

    assert access_log_for(person=service_request.person).count() == 0


# One request


def test_detail_shows_the_request_and_the_person(officer_client, make_paid_request):
    service_request = make_paid_request()
    person = service_request.person

    response = officer_client.get(detail(service_request), headers=EN)

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert '<span lang="ar" dir="rtl">نورة بنت خالد العتيبي</span>' in response.text
    assert '<span lang="en" dir="ltr">Noura Khalid Alotaibi</span>' in response.text
    assert f'<dd><span dir="ltr">{person.id_number}</span></dd>' in response.text
    assert "<dd>SAR 300.00</dd>" in response.text
    assert f'<dd><span dir="ltr">{service_request.sadad_number}</span></dd>' in response.text
    assert f'action="{fulfil(service_request)}"' in response.text
    assert f'action="{reject(service_request)}"' in response.text


def test_opening_a_request_is_written_to_the_persons_access_log(
    officer, officer_client, make_paid_request
):
    service_request = make_paid_request()

    officer_client.get(detail(service_request))

    (entry,) = access_log_for(person=service_request.person)
    with translation.override("ar"):
        label = f"{StaffRole.OFFICER.label} — riyadh-olaya"
    assert entry.action == "service_request.viewed"
    assert (entry.actor_type, entry.actor_id) == ("staff", str(officer.user_id))
    assert (entry.subject_type, entry.subject_id) == ("service_request", str(service_request.pk))
    assert entry.data == {
        "actor_label": label,
        "office": "riyadh-olaya",
        "purpose": "service_request_decision",
    }


@pytest.mark.parametrize("kind", ["unpaid", "unknown"])
def test_a_request_outside_the_queue_is_not_found_and_nothing_is_logged(officer_client, kind):
    service_request = make_request()
    path = detail(service_request) if kind == "unpaid" else "/backoffice/requests/999999/"

    response = officer_client.get(path)

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(is_access=True).exists()


# Completing a request


def test_officer_marks_a_request_completed(officer, officer_client, make_paid_request, post):
    service_request = make_paid_request()

    response = post(officer_client, fulfil(service_request))

    assert response.status_code == 302
    assert response.url == QUEUE
    assert state(service_request) == ("fulfilled", "", "paid")
    assert service_request.decided_by == str(officer.user_id)
    assert Message.objects.filter(
        person=service_request.person, kind="service_request_fulfilled"
    ).exists()
    queue = officer_client.get(QUEUE, headers=EN)
    assert f"Request no. {service_request.pk} was marked completed." in queue.text
    assert queued_ids(queue.text) == []


def test_a_refusal_of_the_service_is_shown_on_the_form(
    officer_client, make_paid_request, post, monkeypatch
):
    """Another officer decided the request between the page's check and the service's lock."""
    service_request = make_paid_request()

    def refuse(**kwargs):
        raise Conflict("request_transition_refused", "This request can no longer be changed.")

    monkeypatch.setattr(views, "service_request_fulfil", refuse)

    response = post(officer_client, fulfil(service_request))

    assert response.status_code == 200
    assert '<div class="error-summary" role="alert"' in response.text
    assert "<li>This request can no longer be changed.</li>" in response.text
    assert state(service_request) == ("paid", "", "paid")


# Rejecting a request


def test_officer_rejects_a_paid_request_and_its_bill_is_refunded(
    officer, officer_client, make_paid_request, post
):
    service_request = make_paid_request()

    response = post(
        officer_client, reject(service_request), {"reason": "  The photo does not comply.  "}
    )

    assert response.status_code == 302
    assert response.url == QUEUE
    assert state(service_request) == ("rejected", "The photo does not comply.", "refunded")
    assert service_request.decided_by == str(officer.user_id)
    assert Message.objects.filter(person=service_request.person, kind="bill_refunded").exists()
    queue = officer_client.get(QUEUE, headers=EN)
    assert f"Request no. {service_request.pk} was rejected and its fee will be refunded." in (
        queue.text
    )


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(
    officer_client, make_paid_request, post, reason
):
    service_request = make_paid_request()
    events = AuditEvent.objects.count()

    response = post(
        officer_client, reject(service_request), {} if reason is None else {"reason": reason}
    )

    assert response.status_code == 200
    assert '<a href="#id_reason">Give the reason for the rejection.</a>' in response.text
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in response.text
    assert state(service_request) == ("paid", "", "paid")
    assert AuditEvent.objects.count() == events


def test_a_reason_longer_than_500_characters_is_refused(officer_client, make_paid_request, post):
    service_request = make_paid_request()

    response = post(officer_client, reject(service_request), {"reason": "x" * 501})

    assert response.status_code == 200
    assert "Ensure this value has at most 500 characters (it has 501)." in response.text
    assert state(service_request) == ("paid", "", "paid")


@pytest.mark.parametrize("second", ["fulfil", "reject"])
def test_a_request_decided_already_is_not_decided_again(
    officer_client, make_paid_request, post, second
):
    service_request = make_paid_request()
    post(officer_client, fulfil(service_request))
    events = AuditEvent.objects.count()

    path = fulfil(service_request) if second == "fulfil" else reject(service_request)
    response = post(officer_client, path, {"reason": "Too late."})

    assert response.status_code == 302
    assert response.url == QUEUE
    assert state(service_request) == ("fulfilled", "", "paid")
    assert AuditEvent.objects.count() == events
    queue = officer_client.get(QUEUE, headers=EN)
    assert "This request is no longer waiting for a decision" in queue.text


def test_an_unpaid_request_cannot_be_rejected_from_the_back_office(officer_client, post):
    service_request = make_request(make_person())

    response = post(officer_client, reject(service_request), {"reason": "Not paid."})

    assert response.status_code == 302
    assert state(service_request) == ("awaiting_payment", "", "unpaid")
