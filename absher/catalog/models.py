from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from absher.catalog.constants import Eligibility
from absher.core.models import BaseModel


class BilingualName:
    """Picks the Arabic or English field for the active language."""

    name_ar: str
    name_en: str

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_ar


class Department(BilingualName, BaseModel):
    """A government department (الإدارة) that offers e-services: Passports, Civil Affairs, …"""

    code = models.SlugField(max_length=40, unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name_en


class Service(BilingualName, BaseModel):
    """An e-service (خدمة إلكترونية) of a department, with its fee and who may use it."""

    code = models.SlugField(max_length=60, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="services")
    name_ar = models.CharField(_("name (Arabic)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160)
    description_ar = models.TextField(_("description (Arabic)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    fee_halalas = models.PositiveIntegerField(_("fee in halalas"), default=0)
    fee_depends_on_case = models.BooleanField(
        _("fee depends on the case"),
        default=False,
        help_text=_("The fee is worked out per request (for example by the number of transfers)."),
    )
    requires_activation = models.BooleanField(_("needs per-service activation"), default=False)
    eligibility = models.CharField(
        max_length=16, choices=Eligibility.choices, default=Eligibility.EVERYONE
    )
    is_suspendable = models.BooleanField(_("can be blocked by a suspension"), default=True)
    is_active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["department__position", "position", "code"]

    def __str__(self) -> str:
        return self.code

    @property
    def description(self) -> str:
        return self.description_en if translation.get_language() == "en" else self.description_ar
