"""Back-office staff: administrators create staff accounts with one role each, offices and
authorities. Every change is audited."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import StaffRole
from absher.accounts.models import Authority, Office, StaffMember, User
from absher.accounts.services.registration import password_validate, username_validate
from absher.audit.services import audit_record
from absher.core.errors import Conflict, InvalidInput
from absher.identity.rules import mobile_parse


def _audit(actor: User, action: str, subject_type: str, subject_id: str, data: dict) -> None:
    audit_record(
        action=action,
        actor_type="staff",
        actor_id=str(actor.pk),
        subject_type=subject_type,
        subject_id=subject_id,
        data=data,
    )


def staff_create(
    *,
    actor: User,
    username: str,
    password: str,
    mobile: str,
    role: str,
    office: Office | None = None,
    authority: Authority | None = None,
    email: str = "",
) -> StaffMember:
    if role not in StaffRole.values:
        raise InvalidInput("invalid_role", _("Unknown staff role."))
    if role == StaffRole.OFFICER and office is None:
        raise InvalidInput("office_required", _("An officer must work at an office."))
    if role == StaffRole.AUTHORITY_CLERK and authority is None:
        raise InvalidInput(
            "authority_required", _("An authority clerk must belong to an authority.")
        )
    username = username_validate(username)
    password_validate(password=password, username=username, id_number="")
    mobile_e164 = mobile_parse(mobile)
    try:
        with transaction.atomic():
            user = User(username=username, mobile=mobile_e164, email=email, language="ar")
            user.set_password(password)
            user.save()
            member = StaffMember.objects.create(
                user=user,
                role=role,
                office=office if role == StaffRole.OFFICER else None,
                authority=authority if role == StaffRole.AUTHORITY_CLERK else None,
            )
            _audit(actor, "staff.created", "staff", str(user.pk), {"role": role})
    except IntegrityError:
        raise Conflict("username_taken", _("This username is taken. Choose another one.")) from None
    return member


def staff_set_active(*, actor: User, member: StaffMember, is_active: bool) -> StaffMember:
    """An administrator cannot deactivate themselves, nor the last active administrator: the
    platform would be left without anyone to manage it."""
    if not is_active and member.user_id == actor.pk:
        raise Conflict("cannot_deactivate_self", _("You cannot deactivate your own account."))
    with transaction.atomic():
        # Lock every active administrator so that two deactivations at once cannot both pass.
        administrators = list(
            User.objects.select_for_update()
            .filter(staff__role=StaffRole.ADMINISTRATOR, is_active=True)
            .values_list("pk", flat=True)
        )
        user = User.objects.select_for_update().get(pk=member.user_id)
        if not is_active and member.role == StaffRole.ADMINISTRATOR and administrators == [user.pk]:
            raise Conflict(
                "last_administrator",
                _("The last active administrator cannot be deactivated."),
            )
        user.is_active = is_active
        user.save(update_fields=["is_active", "updated_at"])
        if not is_active:
            from absher.accounts.services.login import logout_everywhere

            logout_everywhere(user=user)
        _audit(
            actor,
            "staff.activated" if is_active else "staff.deactivated",
            "staff",
            str(user.pk),
            {},
        )
    member.user = user
    return member


def office_create(
    *, actor: User, code: str, name_ar: str, name_en: str, city_ar: str = "", city_en: str = ""
) -> Office:
    try:
        with transaction.atomic():
            office = Office.objects.create(
                code=code, name_ar=name_ar, name_en=name_en, city_ar=city_ar, city_en=city_en
            )
            _audit(actor, "office.created", "office", code, {})
    except IntegrityError:
        raise Conflict("office_exists", _("An office with this code already exists.")) from None
    return office


def authority_create(*, actor: User, code: str, name_ar: str, name_en: str) -> Authority:
    try:
        with transaction.atomic():
            authority = Authority.objects.create(code=code, name_ar=name_ar, name_en=name_en)
            _audit(actor, "authority.created", "authority", code, {})
    except IntegrityError:
        raise Conflict(
            "authority_exists", _("An authority with this code already exists.")
        ) from None
    return authority
