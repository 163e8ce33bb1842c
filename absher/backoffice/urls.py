from django.urls import path

from absher.backoffice.views import (
    activation,
    call_centre,
    cases,
    catalogue,
    home,
    organisations,
    partners,
    reconciliation,
    service_requests,
    session,
    suspensions,
)
from absher.backoffice.views import staff as staff_views

app_name = "backoffice"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", session.login_view, name="login"),
    path("login/verify/", session.login_verify, name="login_verify"),
    path("login/resend/", session.login_resend, name="login_resend"),
    path("logout/", session.logout_view, name="logout"),
    # Officer
    path("activation/", activation.activation_find, name="activation"),
    path("activation/activate/", activation.activation_activate, name="activation_activate"),
    path("activation/done/", activation.activation_done, name="activation_done"),
    path("requests/", service_requests.request_queue, name="request_queue"),
    path("requests/<int:request_id>/", service_requests.request_detail, name="request_detail"),
    path(
        "requests/<int:request_id>/fulfil/",
        service_requests.request_fulfil,
        name="request_fulfil",
    ),
    path(
        "requests/<int:request_id>/reject/",
        service_requests.request_reject,
        name="request_reject",
    ),
    path("cases/", cases.case_queue, name="case_queue"),
    path("cases/<int:case_id>/", cases.case_detail, name="case_detail"),
    path("cases/<int:case_id>/review/", cases.case_review, name="case_review"),
    path("cases/<int:case_id>/approve/", cases.case_approve_view, name="case_approve"),
    path("cases/<int:case_id>/reject/", cases.case_reject_view, name="case_reject"),
    path(
        "cases/<int:case_id>/request-documents/",
        cases.case_request_documents_view,
        name="case_request_documents",
    ),
    path(
        "cases/<int:case_id>/documents/<int:document_id>/",
        cases.case_document,
        name="case_document",
    ),
    # Authority clerk (new/ comes before the references it would otherwise be taken for)
    path("suspensions/", suspensions.suspension_list, name="suspension_list"),
    path("suspensions/new/", suspensions.suspension_new, name="suspension_new"),
    path(
        "suspensions/<path:reference>/",
        suspensions.suspension_detail,
        name="suspension_detail",
    ),
    # Call-centre agent (19999)
    path("call-centre/", call_centre.call_centre, name="call_centre"),
    # Administrator
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/new/", staff_views.staff_new, name="staff_new"),
    path("staff/<int:member_id>/active/", staff_views.staff_active, name="staff_active"),
    path("offices/", organisations.office_list, name="office_list"),
    path("offices/new/", organisations.office_new, name="office_new"),
    path("authorities/", organisations.authority_list, name="authority_list"),
    path("authorities/new/", organisations.authority_new, name="authority_new"),
    path("partners/", partners.partner_list, name="partner_list"),
    path("partners/new/", partners.partner_new, name="partner_new"),
    path("partners/<slug:code>/rotate/", partners.partner_rotate, name="partner_rotate"),
    path("catalogue/", catalogue.service_list, name="service_list"),
    path("catalogue/<slug:code>/", catalogue.service_edit, name="service_edit"),
    path("reconciliation/", reconciliation.reconciliation, name="reconciliation"),
]
