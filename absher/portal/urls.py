from django.urls import path

from absher.portal.views import (
    accounts,
    activation,
    bills,
    home,
    profile,
    receipts,
    requests,
    services,
    suspensions,
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
    # The public check behind a receipt's QR code (no sign-in)
    path("receipts/<str:code>/", receipts.receipt_check, name="receipt_verify"),
]
