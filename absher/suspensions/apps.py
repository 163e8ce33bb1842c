from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuspensionsConfig(AppConfig):
    name = "absher.suspensions"
    label = "suspensions"
    verbose_name = _("Service suspensions")

    def ready(self) -> None:
        # The catalogue's enforcement point asks every registered blocker; suspensions are one.
        from absher.catalog.availability import blocker_register
        from absher.suspensions.selectors import suspension_blocks

        blocker_register(suspension_blocks)
