from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    """Transfer of worker services (نقل خدمات عامل), with and without the sponsor's consent."""

    name = "absher.transfers"
    label = "transfers"
    verbose_name = _("Transfer of worker services")

    def ready(self) -> None:
        # Paying the fee bill completes the transfer: payments calls this handler, never imports us.
        from absher.payments.fulfilment import handler_register
        from absher.transfers.constants import BILL_PURPOSE
        from absher.transfers.services import transfer_complete_paid

        handler_register(BILL_PURPOSE, transfer_complete_paid)
