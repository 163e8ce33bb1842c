"""Who may open which page: visitors are sent to sign in; a registered (not activated) account
reaches its profile, messages, access log and activation only; e-services refuse it with a 403 page
that says to activate and links to activation."""

import pytest
from django.urls import URLPattern, get_resolver
from django.utils import translation

from absher.accounts.models import StaffMember, User
from absher.accounts.services.activation import account_not_activated
from absher.notifications.models import OutboxSms
from absher.portal.tests.conftest import h1

REGISTERED_MAY_OPEN = ["/me/", "/messages/", "/access-log/", "/activation/"]
ACTIVATED_ONLY = ["/services/"]


def portal_views() -> dict[str, object]:
    portal = next(
        pattern
        for pattern in get_resolver().url_patterns
        if getattr(pattern, "namespace", None) == "portal"
    )
    return {
        pattern.name: pattern.callback
        for pattern in portal.url_patterns
        if isinstance(pattern, URLPattern)
    }


def test_only_the_profile_messages_access_log_and_activation_admit_registered_accounts():
    guarded = {
        name: view.activation_required
        for name, view in portal_views().items()
        if hasattr(view, "activation_required")
    }

    assert sorted(name for name, required in guarded.items() if not required) == [
        "access_log",
        "activation",
        "activation_code",
        "activation_done",
        "activation_national_id",
        "activation_resend",
        "activation_verify",
        "dashboard",
        "message",
        "messages",
        "sign_out_everywhere",
    ]
    assert sorted(name for name, required in guarded.items() if required) == [
        "bill",
        "bill_card_payment",
        "bill_card_return",
        "bills",
        "case",
        "case_document",
        "case_documents",
        "case_new",
        "cases",
        "personal_data",
        "receipt",
        "receipt_pdf",
        "requests",
        "service_activate",
        "service_activate_resend",
        "service_activate_verify",
        "service_activated",
        "service_request",
        "services",
        "suspensions",
        "transfer",
        "transfer_accept",
        "transfer_accept_resend",
        "transfer_accept_verify",
        "transfer_cancel",
        "transfer_confirm",
        "transfer_confirm_resend",
        "transfer_new_sponsor",
        "transfer_reject",
        "transfer_review",
        "transfer_sent",
        "transfer_start",
        "transfer_start_resend",
        "transfer_start_verify",
        "transfer_worker",
        "transfer_worker_consent",
        "transfers",
        "transfers_about_me",
        "transfers_incoming",
        "transfers_outgoing",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("path", REGISTERED_MAY_OPEN + ACTIVATED_ONLY)
def test_a_visitor_is_sent_to_sign_in_and_back(browser, path):
    response = browser.get(path)

    assert response.status_code == 302
    assert response.url == f"/login/?next={path}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", REGISTERED_MAY_OPEN)
def test_a_registered_account_reaches_its_own_pages(browser, registered, path):
    response = browser.sign_in_as(registered).get(path)

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_registered_account_is_refused_e_services_with_a_link_to_activation(browser, registered):
    response = browser.sign_in_as(registered).get("/services/")

    assert response.status_code == 403
    html = response.text
    assert h1(html) == "الخدمات الإلكترونية غير مفعّلة"
    with translation.override("ar"):
        message = str(account_not_activated().message)
    assert f'<p class="lead">{message}</p>' in html
    assert '<a class="button" href="/activation/">تفعيل الخدمات الإلكترونية</a>' in html


@pytest.mark.django_db
def test_the_refusal_names_the_reason_in_english(english_browser, registered):
    response = english_browser.sign_in_as(registered).get("/services/")

    assert response.status_code == 403
    assert h1(response.text) == "E-services are not activated"
    assert (
        '<p class="lead">Activate e-services for your account first, then try again.</p>'
        in response.text
    )


@pytest.mark.django_db
def test_a_registered_account_cannot_activate_a_service(browser, registered):
    response = browser.sign_in_as(registered).post("/services/worker_services_transfer/activate/")

    assert response.status_code == 403
    assert OutboxSms.objects.count() == 0


@pytest.mark.django_db
def test_a_staff_account_is_not_a_person(browser):
    staff = User.objects.create(username="admin.one", mobile="+966551230004")
    StaffMember.objects.create(user=staff, role="administrator")

    response = browser.sign_in_as(staff).get("/me/")

    assert response.status_code == 403
    assert h1(response.text) == "لا يمكنك فتح هذه الصفحة"
