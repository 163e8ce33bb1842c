from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from absher.core.models import BaseModel
from absher.identity.constants import Gender, IdType, ResidencyStatus


class Person(BaseModel):
    """The registry's authoritative record of one citizen or resident (السجل الوطني). Loaded
    from the national registry; never edited through the portal."""

    id_number = models.CharField(_("ID number"), max_length=10, unique=True)
    id_type = models.CharField(max_length=10, choices=IdType.choices)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    gender = models.CharField(max_length=1, choices=Gender.choices)
    nationality = models.CharField(_("nationality"), max_length=2)
    mother_nationality = models.CharField(_("mother's nationality"), max_length=2, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    mobile = models.CharField(_("registered mobile"), max_length=16)
    iqama_expiry = models.DateField(_("iqama expiry"), null=True, blank=True)
    residency_status = models.CharField(
        max_length=10, choices=ResidencyStatus.choices, default=ResidencyStatus.VALID
    )
    has_criminal_case = models.BooleanField(_("criminal or security case"), default=False)
    owes_sponsor = models.BooleanField(_("financial obligations to the sponsor"), default=False)
    traffic_fines_due_halalas = models.PositiveBigIntegerField(_("unpaid traffic fines"), default=0)
    has_exit_visa = models.BooleanField(_("exit visa issued"), default=False)
    transfer_count = models.PositiveSmallIntegerField(_("times transferred"), default=0)

    class Meta:
        ordering = ["id_number"]

    def __str__(self) -> str:
        # Never the full ID number: this string ends up in logs and admin lists.
        return f"{self.id_type}:…{self.id_number[-4:]}"

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_ar

    @property
    def is_citizen(self) -> bool:
        return self.id_type == IdType.CITIZEN


class Sponsorship(BaseModel):
    """Who sponsors a resident worker (الكفالة), since when and until when. A worker has at most one
    current sponsorship (ended_at is null); ended ones are the history."""

    worker = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sponsorships")
    sponsor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sponsored")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["worker"],
                condition=Q(ended_at__isnull=True),
                name="identity_one_current_sponsor_per_worker",
            ),
            models.CheckConstraint(
                condition=~Q(worker=models.F("sponsor")), name="identity_no_self_sponsorship"
            ),
        ]
        indexes = [
            models.Index(
                fields=["sponsor"],
                condition=Q(ended_at__isnull=True),
                name="identity_current_by_sponsor",
            )
        ]

    def __str__(self) -> str:
        return f"sponsorship {self.pk}"
