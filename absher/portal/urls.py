from django.urls import path

from absher.portal.views import (
    accounts,
    activation,
    bills,
    cases,
    home,
    privacy,
    profile,
    receipts,
    requests,
    services,
    suspensions,
    transfers,
)

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    # Create an account
    path("register/", accounts.register, name="register"),
    path("register/verify/", accounts.register_verify, name="register_verify"),
    path("register/resend/", accounts.register_resend, name="register_resend"),
    path("register/done/", accounts.register_done, name="register_done"),
    # Sign in and out
    path("login/", accounts.login, name="login"),
    path("login/verify/", accounts.login_verify, name="login_verify"),
    path("login/resend/", accounts.login_resend, name="login_resend"),
    path("logout/", accounts.logout_view, name="logout"),
    path("password-reset/", accounts.password_reset, name="password_reset"),
    path("password-reset/verify/", accounts.password_reset_verify, name="password_reset_verify"),
    path("password-reset/resend/", accounts.password_reset_resend, name="password_reset_resend"),
    # The person's own pages (registered accounts too)
    path("me/", profile.dashboard, name="dashboard"),
    path("me/sign-out-everywhere/", profile.sign_out_everywhere, name="sign_out_everywhere"),
    path("messages/", profile.inbox, name="messages"),
    path("messages/<int:message_id>/", profile.message_detail, name="message"),
    path("access-log/", profile.access_log, name="access_log"),
    path("me/personal-data/", privacy.personal_data, name="personal_data"),
    # Activating e-services for the account
    path("activation/", activation.activation, name="activation"),
    path(
        "activation/national-id/", activation.activation_national_id, name="activation_national_id"
    ),
    path("activation/verify/", activation.activation_verify, name="activation_verify"),
    path("activation/resend/", activation.activation_resend, name="activation_resend"),
    path("activation/code/", activation.activation_code, name="activation_code"),
    path("activation/done/", activation.activation_done, name="activation_done"),
    # E-services (activated accounts)
    path("services/", services.services, name="services"),
    path("services/suspensions/", suspensions.suspensions, name="suspensions"),
    path("services/<slug:code>/activate/", services.service_activate, name="service_activate"),
    path(
        "services/<slug:code>/activate/verify/",
        services.service_activate_verify,
        name="service_activate_verify",
    ),
    path(
        "services/<slug:code>/activate/resend/",
        services.service_activate_resend,
        name="service_activate_resend",
    ),
    path("services/<slug:code>/activated/", services.service_activated, name="service_activated"),
    # E-service requests, bills and receipts (activated accounts)
    path("services/<slug:code>/request/", requests.service_request, name="service_request"),
    path("requests/", requests.requests, name="requests"),
    path("bills/", bills.bills, name="bills"),
    path("bills/<str:sadad_number>/", bills.bill_detail, name="bill"),
    path("bills/<str:sadad_number>/card-payment/", bills.card_payment, name="bill_card_payment"),
    path("bills/<str:sadad_number>/card-return/", bills.card_return, name="bill_card_return"),
    path("bills/<str:sadad_number>/receipt/", receipts.receipt, name="receipt"),
    path("bills/<str:sadad_number>/receipt.pdf", receipts.receipt_download, name="receipt_pdf"),
    # Transfer of worker services (Passports → Transfer services)
    path("transfers/", transfers.hub, name="transfers"),
    path("transfers/start/", transfers.start, name="transfer_start"),
    path("transfers/start/verify/", transfers.start_verify, name="transfer_start_verify"),
    path("transfers/start/resend/", transfers.start_resend, name="transfer_start_resend"),
    path("transfers/new/worker/", transfers.choose_worker, name="transfer_worker"),
    path("transfers/new/sponsor/", transfers.new_sponsor, name="transfer_new_sponsor"),
    path("transfers/new/review/", transfers.review, name="transfer_review"),
    path("transfers/new/confirm/", transfers.confirm, name="transfer_confirm"),
    path("transfers/new/confirm/resend/", transfers.confirm_resend, name="transfer_confirm_resend"),
    path("transfers/incoming/", transfers.incoming, name="transfers_incoming"),
    path("transfers/outgoing/", transfers.outgoing, name="transfers_outgoing"),
    path("transfers/about-me/", transfers.about_me, name="transfers_about_me"),
    path("transfers/<int:transfer_id>/", transfers.detail, name="transfer"),
    path("transfers/<int:transfer_id>/sent/", transfers.sent, name="transfer_sent"),
    path("transfers/<int:transfer_id>/cancel/", transfers.cancel, name="transfer_cancel"),
    path("transfers/<int:transfer_id>/accept/", transfers.accept, name="transfer_accept"),
    path(
        "transfers/<int:transfer_id>/accept/verify/",
        transfers.accept_verify,
        name="transfer_accept_verify",
    ),
    path(
        "transfers/<int:transfer_id>/accept/resend/",
        transfers.accept_resend,
        name="transfer_accept_resend",
    ),
    path("transfers/<int:transfer_id>/reject/", transfers.reject, name="transfer_reject"),
    path(
        "transfers/<int:transfer_id>/worker-consent/",
        transfers.worker_consent,
        name="transfer_worker_consent",
    ),
    # Transfer without the sponsor's consent: the new sponsor's cases
    path("cases/", cases.cases, name="cases"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("cases/<int:case_id>/", cases.case_detail, name="case"),
    path("cases/<int:case_id>/documents/", cases.case_documents, name="case_documents"),
    path(
        "cases/<int:case_id>/documents/<int:document_id>/",
        cases.case_document,
        name="case_document",
    ),
    # The public check behind a receipt's QR code (no sign-in)
    path("receipts/<str:code>/", receipts.receipt_check, name="receipt_verify"),
]
