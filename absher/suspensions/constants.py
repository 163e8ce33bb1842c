from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SuspensionStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("suspension status", "Active")
    LIFTED = "lifted", pgettext_lazy("suspension status", "Lifted")


SUSPENSION_TRANSITIONS: dict[str, frozenset[str]] = {
    SuspensionStatus.ACTIVE: frozenset({SuspensionStatus.LIFTED}),
    SuspensionStatus.LIFTED: frozenset(),
}


class ScopeKind(models.TextChoices):
    ALL = "all", _("All services")
    DEPARTMENT = "department", _("A department's services")
    SERVICE = "service", _("One service")


REFERENCE_MAX_LENGTH = 64
TEXT_MAX_LENGTH = 2000
