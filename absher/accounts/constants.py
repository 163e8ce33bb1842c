import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountStatus(models.TextChoices):
    """A person's account: `registered` may see profile, messages and activation only; `active` may
    use e-services (تفعيل الخدمات الإلكترونية)."""

    REGISTERED = "registered", _("Registered, not activated")
    ACTIVE = "active", _("Activated")


class ActivationMethod(models.TextChoices):
    NATIONAL_ID = "national_id", _("National ID, date of birth and a code sent to the mobile")
    BANK = "bank", _("Through the bank")
    SMS_CODE = "sms_code", _("Activation code sent by SMS")
    OFFICE = "office", _("In person at an Absher office")


class OtpPurpose(models.TextChoices):
    """What a verification code is for. A code verifies only for the purpose it was issued for."""

    REGISTER = "register", _("creating your Absher account")
    LOGIN = "login", _("signing in to Absher")
    PASSWORD_RESET = "password_reset", _("resetting your password")
    ACTIVATE = "activate", _("activating e-services")
    SERVICE_ACTIVATE = "service_activate", _("activating a service")
    STAFF_LOGIN = "staff_login", _("signing in to the back office")
    TRANSFER_START = "transfer_start", _("starting a transfer of worker services")
    TRANSFER_CONFIRM = "transfer_confirm", _("confirming a transfer of worker services")
    TRANSFER_ACCEPT = "transfer_accept", _("accepting a transfer of worker services")


class OtpStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the code")
    VERIFIED = "verified", _("Verified")
    BURNED = "burned", _("Too many wrong codes")
    SUPERSEDED = "superseded", _("Replaced by a newer code")


OTP_FINAL_STATUSES = frozenset({OtpStatus.VERIFIED, OtpStatus.BURNED, OtpStatus.SUPERSEDED})
OTP_TRANSITIONS: dict[str, frozenset[str]] = {
    OtpStatus.PENDING: frozenset(OTP_FINAL_STATUSES),
    OtpStatus.VERIFIED: frozenset(),
    OtpStatus.BURNED: frozenset(),
    OtpStatus.SUPERSEDED: frozenset(),
}


class StaffRole(models.TextChoices):
    OFFICER = "officer", _("Absher office officer")
    AUTHORITY_CLERK = "authority_clerk", _("Authority clerk")
    CALL_CENTRE_AGENT = "call_centre_agent", _("Call-centre agent (19999)")
    ADMINISTRATOR = "administrator", _("Administrator")


class PartnerKind(models.TextChoices):
    BANK = "bank", _("Bank")
    AUTHORITY = "authority", _("Authority")
    CARD_GATEWAY = "card_gateway", _("Card payment gateway")


ACCESS_TOKEN_LIFETIME = dt.timedelta(minutes=15)
REFRESH_TOKEN_LIFETIME = dt.timedelta(days=30)
ACTIVATION_CODE_LIFETIME = dt.timedelta(days=7)
