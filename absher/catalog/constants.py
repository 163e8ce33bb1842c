from django.db import models
from django.utils.translation import gettext_lazy as _


class Eligibility(models.TextChoices):
    """Who may use a service."""

    EVERYONE = "everyone", _("Citizens and residents")
    CITIZENS = "citizens", _("Citizens only")
    RESIDENTS = "residents", _("Residents only")


TRANSFER_SERVICE_CODE = "worker_services_transfer"
SUSPENSIONS_SERVICE_CODE = "suspensions_inquiry"
