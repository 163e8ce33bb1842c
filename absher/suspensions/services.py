"""Placing and lifting suspensions of services (إيقاف الخدمات). Authorities act only on their own
suspensions; placing is idempotent by reference (the same content again returns the same
suspension, different content is a conflict); each change is audited and the person is told by
SMS and in their inbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import StaffRole
from absher.accounts.models import Authority, Partner, StaffMember, User
from absher.accounts.services.otp import TooManyRequests
from absher.accounts.services.registration import person_identify
from absher.audit.services import audit_record, audit_record_access
from absher.catalog.models import Department, Service
from absher.core import clock, throttle
from absher.core.errors import ApplicationError, Conflict, Forbidden, InvalidInput, NotFound
from absher.core.unavailable import dependency_unavailable
from absher.identity.models import Person
from absher.identity.rules import id_number_parse
from absher.notifications.services import notification_send, sms_send
from absher.suspensions.constants import (
    REFERENCE_MAX_LENGTH,
    SUSPENSION_TRANSITIONS,
    TEXT_MAX_LENGTH,
    ScopeKind,
    SuspensionStatus,
)
from absher.suspensions.models import Suspension
from absher.suspensions.selectors import suspension_get_for_authority, suspensions_active_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scope:
    kind: str
    department: Department | None = None
    service: Service | None = None

    @property
    def notation(self) -> str:
        """The API's notation: `all`, `department:<code>` or `service:<code>`."""
        if self.department is not None:
            return f"department:{self.department.code}"
        if self.service is not None:
            return f"service:{self.service.code}"
        return str(ScopeKind.ALL.value)


def scope_parse(text: str) -> Scope:
    """`all`, `department:<code>` or `service:<code>`."""
    value = (text or "").strip()
    if value == ScopeKind.ALL:
        return Scope(kind=ScopeKind.ALL)
    kind, _sep, code = value.partition(":")
    if kind == ScopeKind.DEPARTMENT and code:
        department = Department.objects.filter(code=code).first()
        if department is None:
            raise InvalidInput(
                "unknown_department", _("The scope names a department that does not exist.")
            )
        return Scope(kind=ScopeKind.DEPARTMENT, department=department)
    if kind == ScopeKind.SERVICE and code:
        service = Service.objects.filter(code=code).first()
        if service is None:
            raise InvalidInput(
                "unknown_service", _("The scope names an e-service that does not exist.")
            )
        if not service.is_suspendable:
            # A suspension of it would silently block nothing.
            raise InvalidInput(
                "service_not_suspendable",
                _("This e-service cannot be suspended (it stays open to everyone)."),
            )
        return Scope(kind=ScopeKind.SERVICE, service=service)
    raise InvalidInput(
        "invalid_scope",
        _("The scope must be all, department:<code> or service:<code>."),
    )


def _text(value: str, field: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput(
            "invalid_text",
            _("Every reason and lifting procedure is required, in Arabic and English."),
            {"field": field},
        )
    if len(cleaned) > TEXT_MAX_LENGTH:
        raise InvalidInput(
            "text_too_long",
            _("Each reason and lifting procedure may have at most 2,000 characters."),
            {"field": field},
        )
    return cleaned


def _reference(value: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned or len(cleaned) > REFERENCE_MAX_LENGTH:
        raise InvalidInput(
            "invalid_reference",
            _("The reference is required (at most 64 characters)."),
        )
    return cleaned


def _same_content(existing: Suspension, proposed: dict[str, Any]) -> bool:
    return all(getattr(existing, field) == value for field, value in proposed.items())


def _person(id_number: str) -> Person:
    parsed = id_number_parse(id_number)
    person = Person.objects.filter(id_number=parsed.value).first()
    if person is None:
        raise NotFound("person_not_found", _("No person with this ID number is in the registry."))
    return person


def authority_of_partner(*, partner: Partner) -> Authority:
    """The authority an authority's system acts for; a partner linked to none may not act."""
    if partner.authority is None:
        raise Forbidden(
            "partner_without_authority",
            _("This integration partner is not linked to an authority."),
        )
    return partner.authority


@dataclass(frozen=True)
class Placement:
    suspension: Suspension
    created: bool


def suspension_place(
    *,
    authority: Authority,
    id_number: str,
    reference: str,
    reason_ar: str,
    reason_en: str,
    lift_procedure_ar: str,
    lift_procedure_en: str,
    scope: str,
    actor_type: str,
    actor_id: str,
) -> Placement:
    person = _person(id_number)
    parsed_scope = scope_parse(scope)
    proposed = {
        "person_id": person.pk,
        "reason_ar": _text(reason_ar, "reason_ar"),
        "reason_en": _text(reason_en, "reason_en"),
        "lift_procedure_ar": _text(lift_procedure_ar, "lift_procedure_ar"),
        "lift_procedure_en": _text(lift_procedure_en, "lift_procedure_en"),
        "scope_kind": parsed_scope.kind,
        "scope_department_id": parsed_scope.department.pk if parsed_scope.department else None,
        "scope_service_id": parsed_scope.service.pk if parsed_scope.service else None,
    }
    reference = _reference(reference)
    existing = suspension_get_for_authority(authority=authority, reference=reference)
    if existing is not None:
        return _repeat(existing, proposed)
    try:
        with transaction.atomic():
            suspension = Suspension.objects.create(
                authority=authority,
                reference=reference,
                placed_at=clock.now(),
                placed_by_type=actor_type,
                placed_by_id=actor_id,
                status=SuspensionStatus.ACTIVE,
                # The objects rather than their ids, so the answer and the texts need no queries.
                person=person,
                scope_department=parsed_scope.department,
                scope_service=parsed_scope.service,
                **{
                    name: value
                    for name, value in proposed.items()
                    if name not in ("person_id", "scope_department_id", "scope_service_id")
                },
            )
            audit_record(
                action="suspension.placed",
                actor_type=actor_type,
                actor_id=actor_id,
                subject_type="suspension",
                subject_id=str(suspension.pk),
                person=person,
                data={
                    "authority": authority.code,
                    "reference": reference,
                    "scope": parsed_scope.notation,
                },
            )
            _notify(suspension, placed=True)
    except IntegrityError:
        # Placed by a concurrent request with the same reference: answer as a repeat.
        existing = suspension_get_for_authority(authority=authority, reference=reference)
        if existing is None:
            raise
        return _repeat(existing, proposed)
    return Placement(suspension=suspension, created=True)


def _repeat(existing: Suspension, proposed: dict[str, Any]) -> Placement:
    if not _same_content(existing, proposed):
        raise Conflict(
            "suspension_conflict",
            _("A different suspension already has this reference."),
            {"reference": existing.reference},
        )
    return Placement(suspension=existing, created=False)


def suspension_lift(
    *, authority: Authority, reference: str, actor_type: str, actor_id: str
) -> Suspension:
    """Lifts the authority's own suspension; lifting a lifted one again changes nothing."""
    with transaction.atomic():
        suspension = (
            Suspension.objects.select_for_update(of=("self",))
            .select_related("authority", "person", "scope_department", "scope_service")
            .filter(authority=authority, reference=(reference or "").strip())
            .first()
        )
        if suspension is None:
            raise NotFound(
                "suspension_not_found",
                _("This authority has no suspension with this reference."),
            )
        if SuspensionStatus.LIFTED not in SUSPENSION_TRANSITIONS[suspension.status]:
            return suspension
        suspension.status = SuspensionStatus.LIFTED
        suspension.lifted_at = clock.now()
        suspension.lifted_by_type = actor_type
        suspension.lifted_by_id = actor_id
        suspension.save(
            update_fields=["status", "lifted_at", "lifted_by_type", "lifted_by_id", "updated_at"]
        )
        audit_record(
            action="suspension.lifted",
            actor_type=actor_type,
            actor_id=actor_id,
            subject_type="suspension",
            subject_id=str(suspension.pk),
            person=suspension.person,
            data={"authority": authority.code, "reference": suspension.reference},
        )
        _notify(suspension, placed=False)
    return suspension


_PLACED_TITLE = _("Services suspended")
_PLACED_BODY = _(
    "%(authority)s suspended your services (reference %(reference)s). Reason: %(reason)s. "
    "How to lift it: %(lift_procedure)s"
)
_PLACED_SMS = _(
    "Absher: %(authority)s suspended your services (reference %(reference)s). The reason and how "
    "to lift it are under General Services, Temporary suspension of services."
)
_LIFTED_TITLE = _("Suspension lifted")
_LIFTED_BODY = _("%(authority)s lifted the suspension of your services (reference %(reference)s).")
_LIFTED_SMS = _(
    "Absher: %(authority)s lifted the suspension of your services (reference %(reference)s)."
)


def _text_in(language: str, text: Any, suspension: Suspension) -> str:
    authority = suspension.authority
    with translation.override(language):
        return str(text) % {
            "authority": authority.name_en if language == "en" else authority.name_ar,
            "reference": suspension.reference,
            "reason": suspension.reason_en if language == "en" else suspension.reason_ar,
            "lift_procedure": (
                suspension.lift_procedure_en if language == "en" else suspension.lift_procedure_ar
            ),
        }


def _sms_language(person: Person) -> str:
    """The language of the person's account (Arabic without an account, or when it says so)."""
    chosen = User.objects.filter(person=person).values_list("language", flat=True).first()
    return "en" if chosen == "en" else "ar"


def _notify(suspension: Suspension, *, placed: bool) -> None:
    """An inbox message with the reason and how to lift, and a short SMS naming the authority and
    the reference in the language of the person's account (the reason stays off the lock screen;
    the inbox and the suspensions page have it)."""
    title, body, sms = (
        (_PLACED_TITLE, _PLACED_BODY, _PLACED_SMS)
        if placed
        else (_LIFTED_TITLE, _LIFTED_BODY, _LIFTED_SMS)
    )
    person = suspension.person
    message = notification_send(
        person=person,
        kind="suspension_placed" if placed else "suspension_lifted",
        title_ar=_text_in("ar", title, suspension),
        title_en=_text_in("en", title, suspension),
        body_ar=_text_in("ar", body, suspension),
        body_en=_text_in("en", body, suspension),
        send_sms=False,
    )
    try:
        sms_send(
            to=person.mobile, person=person, text=_text_in(_sms_language(person), sms, suspension)
        )
    except InvalidInput:
        # The inbox message is there; a registry entry without a usable mobile must not undo the
        # suspension.
        logger.warning(
            "suspension.sms_skipped", extra={"message_id": message.pk, "reason": "no valid mobile"}
        )


CALL_CENTRE_MISMATCHES_PER_HOUR = 10


def _mismatches_counted(count: Callable[[], int]) -> int:
    """The call centre's cap on guessed dates of birth must be counted: while the counter store
    (Redis) is down the look-up stops with 503 `service_unavailable`, as sign-in does."""
    try:
        return count()
    except throttle.CountersUnavailable:
        raise dependency_unavailable() from None


def suspensions_lookup_for_caller(
    *, agent: StaffMember, id_number: str, date_of_birth: str, calendar: str
) -> tuple[Person, list[Suspension]]:
    """The 19999 call centre: after the caller's ID and date of birth match, the agent sees their
    active suspensions (read only). The look-up is in the person's "who looked at my data"."""
    if agent.role != StaffRole.CALL_CENTRE_AGENT:
        raise Forbidden(
            "not_a_call_centre_agent", _("Only call-centre agents may look up a caller.")
        )
    now = clock.now()
    counter = f"call-centre-mismatch:{agent.user_id}"
    if (
        _mismatches_counted(
            lambda: throttle.counter_value(name=counter, window_seconds=3600, moment=now)
        )
        >= CALL_CENTRE_MISMATCHES_PER_HOUR
    ):
        raise TooManyRequests(
            "too_many_attempts",
            _("Too many look-ups did not match. Please try again later."),
        )
    try:
        person = person_identify(
            id_number=id_number, date_of_birth=date_of_birth, calendar=calendar
        )
    except ApplicationError as refusal:
        # Guessing dates of birth through the call centre is capped per agent.
        if refusal.code == "identity_mismatch":
            _mismatches_counted(
                lambda: throttle.counter_increment(name=counter, window_seconds=3600, moment=now)
            )
        raise
    suspensions = list(suspensions_active_for(person=person))
    audit_record_access(
        action="call_centre.suspensions_viewed",
        actor_type="staff",
        actor_id=str(agent.user_id),
        person=person,
        subject_type="person",
        subject_id=str(person.pk),
        data={"actor_label": "call_centre_19999", "count": len(suspensions)},
    )
    return person, suspensions
