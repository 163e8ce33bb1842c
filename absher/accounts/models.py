import uuid
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import (
    AccountStatus,
    ActivationMethod,
    OtpPurpose,
    OtpStatus,
    PartnerKind,
    StaffRole,
)
from absher.core.models import BaseModel


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(username__iexact=username)

    def create_superuser(self, username: str, password: str, **extra: object) -> "User":
        user = self.model(username=username, is_staff=True, is_superuser=True, **extra)
        user.set_password(password)
        user.save()
        return user


class User(AbstractBaseUser, PermissionsMixin, BaseModel):
    """Whoever signs in: a person's Absher account (linked to the registry) or a staff member
    (with a StaffMember row). Usernames are unique without regard to case."""

    username = models.CharField(_("username"), max_length=40, unique=True)
    email = models.EmailField(_("email"), blank=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    is_active = models.BooleanField(_("can sign in"), default=True)

    person = models.OneToOneField(
        "identity.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account",
    )
    mobile = models.CharField(_("mobile"), max_length=16, blank=True)
    language = models.CharField(max_length=2, default="ar")
    status = models.CharField(
        max_length=12, choices=AccountStatus.choices, default=AccountStatus.REGISTERED
    )
    activation_method = models.CharField(
        max_length=12, choices=ActivationMethod.choices, blank=True
    )
    activated_at = models.DateTimeField(null=True, blank=True)

    failed_login_count = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Bumped by "sign out everywhere" and password changes: every session and token of an older
    # epoch stops working.
    session_epoch = models.PositiveIntegerField(default=0)

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_username_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django ends a web session whose stored hash no longer matches: including the epoch
        # makes "sign out everywhere" end every session as a password change does.
        return salted_hmac(
            "absher.accounts.User.session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_activated(self) -> bool:
        return self.status == AccountStatus.ACTIVE


class Office(BaseModel):
    """An Absher office (أبشر أفراد) where officers serve people in person."""

    code = models.SlugField(max_length=40, unique=True)
    name_ar = models.CharField(max_length=160)
    name_en = models.CharField(max_length=160)
    city_ar = models.CharField(max_length=80, blank=True)
    city_en = models.CharField(max_length=80, blank=True)

    def __str__(self) -> str:
        return self.code


class Authority(BaseModel):
    """A government authority (court, traffic, passports, …) that may suspend services."""

    code = models.SlugField(max_length=40, unique=True)
    name_ar = models.CharField(max_length=160)
    name_en = models.CharField(max_length=160)

    class Meta:
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return self.code


class StaffMember(BaseModel):
    """The back-office role of a staff user; an officer works at an office, a clerk for an
    authority."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(max_length=20, choices=StaffRole.choices)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True)
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=StaffRole.OFFICER) | Q(office__isnull=False),
                name="accounts_officer_has_office",
            ),
            models.CheckConstraint(
                condition=~Q(role=StaffRole.AUTHORITY_CLERK) | Q(authority__isnull=False),
                name="accounts_clerk_has_authority",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}:{self.user_id}"


class Partner(BaseModel):
    """A system that calls the integration API with signed requests: a bank, an authority, the card
    gateway. The secret is kept to verify HMAC signatures and is shown once when created or
    rotated."""

    code = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=16, choices=PartnerKind.choices)
    name = models.CharField(max_length=160)
    secret = models.CharField(max_length=128)
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.code


class OtpChallenge(BaseModel):
    """A verification code (رمز التحقق) sent by SMS. Only its HMAC is stored. `subject` binds it to
    one person or account; `payload` carries what the flow needs once verified (never the code)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    purpose = models.CharField(max_length=20, choices=OtpPurpose.choices)
    subject = models.CharField(max_length=64)
    id_number = models.CharField(max_length=10, blank=True)
    mobile = models.CharField(max_length=16)
    code_hmac = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=OtpStatus.choices, default=OtpStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    sends = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField()
    last_sent_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            # At most one live code per purpose and subject, even when two requests for a new code
            # race: the loser's insert fails and it retries, superseding the winner's code.
            models.UniqueConstraint(
                fields=["purpose", "subject"],
                condition=Q(status="pending"),
                name="accounts_otp_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"otp {self.purpose} {self.public_id}"


class RefreshToken(BaseModel):
    """An API refresh token (stored as a hash). Rotation revokes the presented token and issues a
    new one; access tokens name the refresh token they came from and die with it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    session_epoch = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"refresh {self.pk}"


class ActivationCode(BaseModel):
    """A one-time activation code (S2b/S2c) issued by a bank or an office for a person; typed into
    the portal. Only its HMAC is stored."""

    person = models.ForeignKey("identity.Person", on_delete=models.CASCADE)
    code_hmac = models.CharField(max_length=64, unique=True)
    issued_by_partner = models.ForeignKey(Partner, on_delete=models.PROTECT, null=True, blank=True)
    issued_by_office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"activation code {self.pk}"


class OfficeActivation(BaseModel):
    """An in-person activation (S2d): who activated whom, where, after checking which documents."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="office_activations")
    officer = models.ForeignKey(StaffMember, on_delete=models.PROTECT)
    office = models.ForeignKey(Office, on_delete=models.PROTECT)
    documents_checked = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"office activation {self.pk}"


class ServiceActivation(BaseModel):
    """A person's activation of one e-service that needs it (choose service → activate → code)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="service_activations")
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="accounts_service_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.service_id}"
