from django.db import models
from django.utils.translation import gettext_lazy as _


class IdType(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    RESIDENT = "resident", _("Resident")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class ResidencyStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    ABSENT = "absent", _("Reported absent from work")


class Calendar(models.TextChoices):
    GREGORIAN = "gregorian", _("Gregorian")
    HIJRI = "hijri", _("Hijri (Umm al-Qura)")


SAUDI_NATIONALITY = "SA"
