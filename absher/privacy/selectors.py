"""Reads the export needs beyond what the other apps' selectors already offer: every row that names
the person, whatever its state (the apps' own selectors mostly show what is current or open)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from absher.accounts.models import (
    ActivationCode,
    OfficeActivation,
    OtpChallenge,
    RefreshToken,
    ServiceActivation,
    User,
)
from absher.audit.models import AuditEvent
from absher.identity.models import Person, Sponsorship
from absher.notifications.models import SmsMessage
from absher.suspensions.models import Suspension
from absher.transfers.models import TransferCase


def account_of(*, person: Person) -> User | None:
    return User.objects.filter(person=person).first()


def office_activations_of(*, user: User) -> QuerySet[OfficeActivation]:
    return (
        OfficeActivation.objects.filter(user=user)
        .select_related("office")
        .order_by("created_at", "id")
    )


def activation_codes_of(*, person: Person) -> QuerySet[ActivationCode]:
    return (
        ActivationCode.objects.filter(person=person)
        .select_related("issued_by_partner", "issued_by_office")
        .order_by("created_at", "id")
    )


def service_activations_of(*, user: User) -> QuerySet[ServiceActivation]:
    return (
        ServiceActivation.objects.filter(user=user)
        .select_related("service")
        .order_by("created_at", "id")
    )


def refresh_tokens_of(*, user: User) -> QuerySet[RefreshToken]:
    return RefreshToken.objects.filter(user=user).order_by("created_at", "id")


def verification_codes_of(*, person: Person, user: User | None) -> QuerySet[OtpChallenge]:
    """The verification codes sent for the person's ID number or for their account (a code is bound
    by `subject` to `user:<id>`, or to `user:<id>:<step>` for the steps of a flow). Only the
    codes' hashes are stored, and the export leaves those out too."""
    condition = Q(id_number=person.id_number)
    if user is not None:
        condition |= Q(subject=f"user:{user.pk}") | Q(subject__startswith=f"user:{user.pk}:")
    return OtpChallenge.objects.filter(condition).order_by("created_at", "id")


def sponsorships_as_sponsor(*, person: Person) -> QuerySet[Sponsorship]:
    """Every worker the person sponsors or sponsored, newest first."""
    return (
        Sponsorship.objects.filter(sponsor=person)
        .select_related("worker")
        .order_by("-started_at", "-pk")
    )


def suspensions_of(*, person: Person) -> QuerySet[Suspension]:
    """Every suspension placed on the person, lifted ones included, newest first."""
    return (
        Suspension.objects.filter(person=person)
        .select_related("authority", "scope_department", "scope_service")
        .order_by("-placed_at", "-id")
    )


def sms_of(*, person: Person) -> QuerySet[SmsMessage]:
    return SmsMessage.objects.filter(person=person).order_by("created_at", "id")


def cases_naming(*, person: Person) -> QuerySet[TransferCase]:
    """Cases for a transfer without the sponsor's consent that name the person as the worker or as
    the current sponsor (cases they filed are read through the transfers app's selectors)."""
    return (
        TransferCase.objects.filter(Q(worker=person) | Q(current_sponsor=person))
        .exclude(filer=person)
        .select_related("service")
        .order_by("-created_at", "-id")
    )


def audit_events_about(*, person: Person) -> QuerySet[AuditEvent]:
    """The audit log's entries about the person that are not look-ups by staff (those are the
    access log), oldest first."""
    return AuditEvent.objects.filter(person=person, is_access=False).order_by("sequence")
