from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    """Generic fee-bearing e-service requests (request → bill → paid → fulfilled by an officer)."""

    name = "absher.requests"
    label = "service_requests"
    verbose_name = _("Service requests")

    def ready(self) -> None:
        from absher.payments.fulfilment import handler_register
        from absher.requests.constants import BILL_PURPOSE
        from absher.requests.services import service_request_mark_paid

        handler_register(BILL_PURPOSE, service_request_mark_paid)
