from __future__ import annotations

from django.db.models import QuerySet

from absher.accounts.models import (
    Authority,
    Office,
    OtpChallenge,
    Partner,
    ServiceActivation,
    StaffMember,
    User,
)
from absher.catalog.availability import blocks_for
from absher.catalog.constants import Eligibility
from absher.catalog.models import Service
from absher.identity.models import Person


def user_get_by_identifier(*, identifier: str) -> User | None:
    """A username (any case) or a 10-digit ID number, as typed on the sign-in page."""
    from absher.identity.rules import normalize_digits

    cleaned = normalize_digits(identifier or "")
    if not cleaned:
        return None
    if len(cleaned) == 10 and cleaned.isdigit():
        return User.objects.filter(person__id_number=cleaned).first()
    return User.objects.filter(username__iexact=cleaned).first()


def account_exists_for(*, id_number: str) -> bool:
    return User.objects.filter(person__id_number=id_number).exists()


def username_is_taken(*, username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def challenge_peek(*, challenge_id: str) -> OtpChallenge | None:
    """Reads a challenge without changing it (to show where a code went, or to validate input that
    must be checked before the code is spent)."""
    from absher.accounts.services.otp import challenge_uuid

    public_id = challenge_uuid(challenge_id)
    if public_id is None:
        return None
    return OtpChallenge.objects.filter(public_id=public_id).first()


def service_codes_activated_by(*, user: User) -> set[str]:
    return set(ServiceActivation.objects.filter(user=user).values_list("service__code", flat=True))


def staff_member_of(*, user: User) -> StaffMember | None:
    return StaffMember.objects.select_related("office", "authority").filter(user=user).first()


def staff_members() -> QuerySet[StaffMember]:
    return StaffMember.objects.select_related("user", "office", "authority").order_by(
        "user__username"
    )


def service_is_offered_to(*, service: Service, person: Person | None) -> bool:
    """Who may use a service: everyone, citizens only or residents only."""
    if service.eligibility == Eligibility.EVERYONE:
        return True
    if person is None:
        return False
    if service.eligibility == Eligibility.CITIZENS:
        return person.is_citizen
    return service.eligibility == Eligibility.RESIDENTS and not person.is_citizen


def services_for_viewer(*, user: User) -> list[dict]:
    """Every offered e-service with what it means for this person: not offered to them, suspended
    for them (and by what), needing activation, or available; and its fee. Two queries whatever
    the size of the catalogue, plus what the registered blockers (suspensions) need."""
    activated = service_codes_activated_by(user=user)
    services = list(Service.objects.select_related("department").filter(is_active=True))
    blocks = blocks_for(person=user.person, services=services)
    items = []
    for service in services:
        is_eligible = service_is_offered_to(service=service, person=user.person)
        is_activated = (not service.requires_activation) or service.code in activated
        block = blocks.get(service.code)
        if not is_eligible:
            status = "not_eligible"
        elif block is not None:
            status = "suspended"
        elif is_activated:
            status = "available"
        else:
            status = "needs_activation"
        items.append(
            {
                "code": service.code,
                "department": service.department.code,
                "name_ar": service.name_ar,
                "name_en": service.name_en,
                "fee_halalas": service.fee_halalas,
                "fee_depends_on_case": service.fee_depends_on_case,
                "requires_activation": service.requires_activation,
                "eligible": is_eligible,
                "activated": is_activated,
                "status": status,
                "suspended": block is not None,
                "suspension": {"code": block.code, **block.details} if block else None,
            }
        )
    return items


def offices_all() -> QuerySet[Office]:
    return Office.objects.order_by("code")


def authorities_all() -> QuerySet[Authority]:
    return Authority.objects.order_by("code")


def partners_all() -> QuerySet[Partner]:
    return Partner.objects.select_related("authority").order_by("code")


def partner_get(*, code: str) -> Partner | None:
    return Partner.objects.select_related("authority").filter(code=code).first()


def staff_member_get(*, member_id: int) -> StaffMember | None:
    return staff_members().filter(pk=member_id).first()


def otp_delivery_status(*, challenge_id: str) -> str:
    """Whether the newest code of a pending challenge reached the SMS gateway: `queued`, `sent` or
    `failed` (the gateway stayed down or refused it: the person should ask for the code again).
    `unknown` for a missing or decided challenge and for purposes whose answers must not tell
    whether an account exists (a decoy is never sent)."""
    from absher.accounts.constants import OtpStatus
    from absher.accounts.services.otp import OPEN_TO_ANYONE, challenge_uuid, is_decoy
    from absher.notifications.selectors import sms_latest_status

    public_id = challenge_uuid(challenge_id)
    challenge = (
        OtpChallenge.objects.filter(public_id=public_id).first() if public_id is not None else None
    )
    if (
        challenge is None
        or challenge.status != OtpStatus.PENDING
        or challenge.purpose in OPEN_TO_ANYONE
        or is_decoy(challenge)
    ):
        return "unknown"
    found = sms_latest_status(to=challenge.mobile, since=challenge.last_sent_at, is_sensitive=True)
    return found or "unknown"
