"""Activating e-services (تفعيل الخدمات الإلكترونية), account level, by any of the four methods of
the source — national ID + date of birth + a code to the registry's mobile (S2a), the person's bank
(S2b), a one-time activation code typed into the portal (S2c), an officer at an office (S2d) — and
per-service activation for the services that need it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import (
    ACTIVATION_CODE_LIFETIME,
    AccountStatus,
    ActivationMethod,
    OtpPurpose,
)
from absher.accounts.models import (
    ActivationCode,
    OfficeActivation,
    OtpChallenge,
    Partner,
    ServiceActivation,
    StaffMember,
    User,
)
from absher.accounts.selectors import service_is_offered_to
from absher.accounts.services.otp import (
    TooManyRequests,
    counters_required,
    otp_issue,
    otp_verify,
)
from absher.accounts.services.registration import identity_mismatch, person_identify
from absher.audit.services import audit_record
from absher.catalog.availability import e_service_entry_point, service_start_check
from absher.catalog.models import Service
from absher.core import clock, throttle
from absher.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from absher.identity.models import Person
from absher.identity.rules import id_number_parse, normalize_digits
from absher.notifications.services import notification_send, sms_send

# Documents an officer may record as checked before activating in person.
OFFICE_DOCUMENTS = ("national_id_card", "iqama", "passport", "family_card", "birth_certificate")
ACTIVATION_CODE_TRIES_PER_HOUR = 5


def _code_hmac(code: str) -> str:
    key = hashlib.sha256(b"absher-activation-code:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def account_not_activated() -> Forbidden:
    return Forbidden(
        "account_not_activated",
        _("Activate e-services for your account first, then try again."),
    )


def _already_active() -> Conflict:
    return Conflict("already_activated", _("E-services are already activated for this account."))


def account_activate(
    *,
    user: User,
    method: str,
    actor_type: str,
    actor_id: str = "",
    data: dict | None = None,
) -> User:
    """Moves a registered account to active. The one place the status changes."""
    now = clock.now()
    with transaction.atomic():
        # `of=("self",)`: PostgreSQL cannot lock the nullable side of the join to the person.
        locked = (
            User.objects.select_for_update(of=("self",)).select_related("person").get(pk=user.pk)
        )
        if locked.status == AccountStatus.ACTIVE:
            raise _already_active()
        locked.status = AccountStatus.ACTIVE
        locked.activation_method = method
        locked.activated_at = now
        locked.save(update_fields=["status", "activation_method", "activated_at", "updated_at"])
        audit_record(
            action="account.activated",
            actor_type=actor_type,
            actor_id=actor_id,
            subject_type="account",
            subject_id=str(locked.pk),
            person=locked.person,
            data={"method": method, **(data or {})},
        )
        if locked.person is not None:
            notification_send(
                person=locked.person,
                kind="account_activated",
                title_ar="تم تفعيل الخدمات الإلكترونية",
                title_en="E-services activated",
                body_ar="تم تفعيل الخدمات الإلكترونية لحسابك في أبشر. يمكنك الآن استخدام الخدمات.",
                body_en="E-services are now activated for your Absher account.",
                sms_language=locked.language,
            )
    return locked


# S2a — national ID + date of birth + a code to the mobile registered in the registry.


def activation_national_id_start(
    *, user: User, id_number: str, date_of_birth: str, calendar: str
) -> OtpChallenge:
    person = person_identify(id_number=id_number, date_of_birth=date_of_birth, calendar=calendar)
    if person.pk != user.person_id:
        raise identity_mismatch()
    if user.status == AccountStatus.ACTIVE:
        raise _already_active()
    return otp_issue(
        purpose=OtpPurpose.ACTIVATE,
        subject=f"user:{user.pk}",
        mobile=person.mobile,
        id_number=person.id_number,
        language=user.language,
    )


def activation_national_id_verify(*, user: User, challenge_id: str, code: str) -> User:
    otp_verify(
        challenge_id=challenge_id, code=code, purpose=OtpPurpose.ACTIVATE, subject=f"user:{user.pk}"
    )
    return account_activate(
        user=user,
        method=ActivationMethod.NATIONAL_ID,
        actor_type="person",
        actor_id=str(user.pk),
    )


# S2b / S2c / S2d — one-time activation codes.


@dataclass(frozen=True)
class ActivationOutcome:
    """`activated` when the person had an account; otherwise `code_issued` with the one-time code
    (shown once: only its HMAC is kept) that the person types into the portal after registering."""

    result: str
    activation_code: str = ""
    user: User | None = None


def _activation_code_issue(
    *, person: Person, partner: Partner | None = None, office_id: int | None = None
) -> str:
    code = f"{secrets.randbelow(10**8):08d}"
    ActivationCode.objects.create(
        person=person,
        code_hmac=_code_hmac(f"{person.pk}:{code}"),
        issued_by_partner=partner,
        issued_by_office_id=office_id,
        expires_at=clock.now() + ACTIVATION_CODE_LIFETIME,
    )
    sms_send(
        to=person.mobile,
        person=person,
        is_sensitive=True,
        text=_activation_code_text(code),
    )
    return code


def _activation_code_text(code: str, language: str = "ar") -> str:
    with translation.override(language):
        return str(
            _(
                "Absher: your e-services activation code is %(code)s. Enter it on the activation "
                "page after signing in. Never share it with anyone."
            )
            % {"code": code}
        )


def _person_for_integration(id_number: str) -> Person:
    parsed = id_number_parse(id_number)
    person = Person.objects.filter(id_number=parsed.value).first()
    if person is None:
        raise NotFound("person_not_found", _("No person with this ID number is in the registry."))
    return person


def activation_by_bank(
    *, partner: Partner, id_number: str, bank_customer_reference: str
) -> ActivationOutcome:
    """The bank has done its own KYC of its customer and asks Absher to activate them."""
    person = _person_for_integration(id_number)
    reference = (bank_customer_reference or "").strip()
    if not reference or len(reference) > 64:
        raise InvalidInput(
            "invalid_bank_customer_reference",
            _("The bank customer reference is required (at most 64 characters)."),
        )
    user = User.objects.filter(person=person, is_active=True).first()
    data = {"partner": partner.code, "bank_customer_reference": reference}
    if user is not None:
        # Already active is success for the bank too: it asked for an outcome that holds.
        if user.status != AccountStatus.ACTIVE:
            try:
                user = account_activate(
                    user=user,
                    method=ActivationMethod.BANK,
                    actor_type="partner",
                    actor_id=partner.code,
                    data=data,
                )
            except Conflict as refusal:
                if refusal.code != "already_activated":
                    raise
        return ActivationOutcome(result="activated", user=user)
    with transaction.atomic():
        code = _activation_code_issue(person=person, partner=partner)
        audit_record(
            action="activation_code.issued",
            actor_type="partner",
            actor_id=partner.code,
            subject_type="person",
            subject_id=str(person.pk),
            person=person,
            data=data,
        )
    return ActivationOutcome(result="code_issued", activation_code=code)


def activation_code_redeem(*, user: User, code: str) -> User:
    """S2c: the person types a one-time activation code (from the bank, an office or an SMS)."""
    if user.status == AccountStatus.ACTIVE:
        raise _already_active()
    now = clock.now()
    counter = f"activation-code:{user.pk}"
    with counters_required():
        tries = throttle.counter_value(name=counter, window_seconds=3600, moment=now)
    if tries >= ACTIVATION_CODE_TRIES_PER_HOUR:
        raise TooManyRequests(
            "too_many_attempts", _("Too many wrong activation codes. Please try again later.")
        )
    person_id = user.person_id
    if person_id is None:
        raise _activation_code_invalid()
    typed = normalize_digits(code or "")
    with transaction.atomic():
        found = (
            ActivationCode.objects.select_for_update()
            .filter(
                person_id=person_id,
                code_hmac=_code_hmac(f"{person_id}:{typed}"),
                used_at__isnull=True,
                expires_at__gt=now,
            )
            .first()
        )
        if found is not None:
            found.used_at = now
            found.save(update_fields=["used_at", "updated_at"])
            return account_activate(
                user=user,
                method=ActivationMethod.SMS_CODE,
                actor_type="person",
                actor_id=str(user.pk),
                data={"activation_code": found.pk},
            )
    with counters_required():
        throttle.counter_increment(name=counter, window_seconds=3600, moment=now)
    raise _activation_code_invalid()


def _activation_code_invalid() -> InvalidInput:
    return InvalidInput(
        "activation_code_invalid",
        _("The activation code is not correct, was already used or has expired."),
    )


def activation_by_officer(
    *, officer: StaffMember, id_number: str, documents_checked: list[str]
) -> ActivationOutcome:
    """S2d: an officer at an Absher office checked the person's documents in person."""
    if officer.office_id is None:
        raise Forbidden("officer_without_office", _("Only an officer at an office may do this."))
    documents = sorted(set(documents_checked or []))
    if not documents or any(d not in OFFICE_DOCUMENTS for d in documents):
        raise InvalidInput(
            "documents_required",
            _("Record which of the person's original documents you checked."),
        )
    person = _person_for_integration(id_number)
    user = User.objects.filter(person=person, is_active=True).first()
    data = {"office": officer.office.code if officer.office else "", "documents": documents}
    with transaction.atomic():
        if user is not None:
            user = account_activate(
                user=user,
                method=ActivationMethod.OFFICE,
                actor_type="staff",
                actor_id=str(officer.user_id),
                data=data,
            )
            OfficeActivation.objects.create(
                user=user, officer=officer, office_id=officer.office_id, documents_checked=documents
            )
            return ActivationOutcome(result="activated", user=user)
        _activation_code_issue(person=person, office_id=officer.office_id)
        audit_record(
            action="activation_code.issued",
            actor_type="staff",
            actor_id=str(officer.user_id),
            subject_type="person",
            subject_id=str(person.pk),
            person=person,
            data=data,
        )
    return ActivationOutcome(result="code_issued")


# Per-service activation.


def _service_for(user: User, service_code: str) -> Service:
    service = Service.objects.filter(code=service_code, is_active=True).first()
    if service is None:
        raise NotFound("service_not_found", _("This e-service does not exist."))
    if user.status != AccountStatus.ACTIVE:
        raise account_not_activated()
    if not service_is_offered_to(service=service, person=user.person):
        raise Forbidden("service_not_eligible", _("This e-service is not offered to you."))
    service_start_check(person=user.person, service=service)
    return service


@e_service_entry_point(arguments=lambda user, service: {"user": user, "service_code": service.code})
def service_activation_start(*, user: User, service_code: str) -> OtpChallenge:
    service = _service_for(user, service_code)
    if not service.requires_activation:
        raise Conflict("activation_not_needed", _("This e-service does not need activation."))
    if ServiceActivation.objects.filter(user=user, service=service).exists():
        raise Conflict("service_already_activated", _("This e-service is already activated."))
    return otp_issue(
        purpose=OtpPurpose.SERVICE_ACTIVATE,
        subject=f"user:{user.pk}:service:{service.code}",
        mobile=user.mobile,
        id_number=user.person.id_number if user.person else "",
        language=user.language,
    )


@e_service_entry_point(
    arguments=lambda user, service: {
        "user": user,
        "service_code": service.code,
        "challenge_id": "",
        "code": "",
    }
)
def service_activation_verify(
    *, user: User, service_code: str, challenge_id: str, code: str
) -> ServiceActivation:
    service = _service_for(user, service_code)
    otp_verify(
        challenge_id=challenge_id,
        code=code,
        purpose=OtpPurpose.SERVICE_ACTIVATE,
        subject=f"user:{user.pk}:service:{service.code}",
    )
    try:
        with transaction.atomic():
            activation = ServiceActivation.objects.create(user=user, service=service)
            audit_record(
                action="service.activated",
                actor_type="person",
                actor_id=str(user.pk),
                subject_type="service",
                subject_id=service.code,
                person=user.person,
            )
    except IntegrityError:
        raise Conflict(
            "service_already_activated", _("This e-service is already activated.")
        ) from None
    return activation
