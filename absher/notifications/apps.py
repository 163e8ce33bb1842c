from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "absher.notifications"
    label = "notifications"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from absher.notifications.checks import check_sms_gateway

        checks.register(check_sms_gateway)
