"""Authorities, suspensions, accounts and signed authority calls for the suspension tests, built on
the accounts test helpers (the JSON client, registry people, signed headers)."""

from __future__ import annotations

import json
from typing import Any

from absher.accounts.constants import AccountStatus, ActivationMethod, PartnerKind, StaffRole
from absher.accounts.models import Authority, Partner, StaffMember, User
from absher.accounts.services.tokens import tokens_issue
from absher.accounts.tests.support import Api, make_partner, signed_headers, signed_post
from absher.audit.models import AuditEvent
from absher.core import clock
from absher.identity.models import Person
from absher.notifications.models import Message, OutboxSms, SmsMessage
from absher.suspensions.models import Suspension
from absher.suspensions.services import suspension_place

PLACE = "/api/v1/integrations/authorities/suspensions"
ME = "/api/v1/me/suspensions"

REASON_AR = "صدور حكم قضائي واجب النفاذ لم يُنفذ"
REASON_EN = "An enforceable court judgment has not been carried out"
LIFT_AR = "مراجعة دائرة التنفيذ في المحكمة وتنفيذ الحكم"
LIFT_EN = "Visit the court's enforcement circuit and carry out the judgment"


def lift_path(reference: str) -> str:
    return f"{PLACE}/{reference}"


def authority_partner(code: str = "test-court") -> Partner:
    """An authority's system; its authority is `<code>-authority`, named محكمة / Court."""
    return make_partner(code, PartnerKind.AUTHORITY)


def body(person: Person, reference: str = "CRT-1447-000381", **overrides: Any) -> dict[str, Any]:
    fields = {
        "id_number": person.id_number,
        "reference": reference,
        "reason_ar": REASON_AR,
        "reason_en": REASON_EN,
        "lift_procedure_ar": LIFT_AR,
        "lift_procedure_en": LIFT_EN,
        "scope": "all",
    }
    fields.update(overrides)
    return fields


def place_signed(api: Api, partner: Partner, fields: dict[str, Any], **options: Any):
    return signed_post(api, partner, PLACE, fields, **options)


def lift_signed(api: Api, partner: Partner, reference: str, **options: Any):
    """DELETE …/suspensions/{reference}, signed over an empty body."""
    path = lift_path(reference)
    headers = signed_headers(
        partner=partner.code, secret=partner.secret, path=path, raw=b"", method="DELETE", **options
    )
    with api.capture(execute=True):
        return api.client.delete(path, headers={"Accept-Language": "en", **headers})


def place(
    authority: Authority, person: Person, reference: str = "CRT-1", scope: str = "all"
) -> Suspension:
    """Placed through the service, as the back office and the API do."""
    return suspension_place(
        authority=authority,
        id_number=person.id_number,
        reference=reference,
        reason_ar=REASON_AR,
        reason_en=REASON_EN,
        lift_procedure_ar=LIFT_AR,
        lift_procedure_en=LIFT_EN,
        scope=scope,
        actor_type="system",
        actor_id="test",
    ).suspension


def account(person: Person, username: str = "saad.q", status: str = AccountStatus.ACTIVE) -> User:
    """An account made directly (fast); the sign-up and activation flows have their own tests."""
    is_active = status == AccountStatus.ACTIVE
    return User.objects.create(
        username=username,
        person=person,
        mobile=person.mobile,
        status=status,
        activation_method=ActivationMethod.NATIONAL_ID if is_active else "",
        activated_at=clock.now() if is_active else None,
    )


def signed_in(api: Api, user: User) -> Api:
    """The client now carries a real access token of `user`."""
    api.token = tokens_issue(user=user).access_token
    return api


def staff(username: str, role: str, authority: Authority | None = None) -> StaffMember:
    user = User.objects.create(username=username, mobile="+966500000104")
    return StaffMember.objects.create(user=user, role=role, authority=authority)


def call_centre_agent() -> StaffMember:
    return staff("agent.19999", StaffRole.CALL_CENTRE_AGENT)


def snapshot() -> dict[str, Any]:
    """Everything a refused call must leave as it was."""
    return {
        "suspensions": sorted(
            Suspension.objects.values_list(
                "authority__code",
                "reference",
                "person_id",
                "status",
                "scope_kind",
                "reason_ar",
                "lifted_at",
                "updated_at",
            )
        ),
        "audit": list(AuditEvent.objects.order_by("sequence").values_list("sequence", "action")),
        "sms": SmsMessage.objects.count(),
        "outbox": OutboxSms.objects.count(),
        "messages": Message.objects.count(),
    }


def raw(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields).encode()
