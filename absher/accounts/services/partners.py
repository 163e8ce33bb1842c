"""Integration partners (banks, authorities, the card gateway) and the one request-signing check
every integration endpoint uses.

A request carries X-Partner, X-Timestamp (Unix seconds), X-Nonce (16-64 characters) and
X-Signature = hex HMAC-SHA256 with the partner's secret of
`timestamp + "." + nonce + "." + METHOD + "." + path with query + "." + raw body`.
A bad signature, a timestamp more than 5 minutes off, or a nonce seen again from the same partner is
refused and changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import PartnerKind
from absher.accounts.models import Authority, Partner, User
from absher.accounts.services.otp import counters_required
from absher.audit.services import audit_record
from absher.core import clock, throttle
from absher.core.errors import ApplicationError, Conflict, InvalidInput

SIGNATURE_WINDOW_SECONDS = 300
# Any 16 to 64 visible ASCII characters (SPEC 13 asks only for a fresh random string).
_NONCE = re.compile(r"[!-~]{16,64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class SignatureRefused(ApplicationError):
    http_status = 401


def signature_compute(
    *, secret: str, timestamp: str, nonce: str, method: str, path: str, body: bytes
) -> str:
    message = f"{timestamp}.{nonce}.{method.upper()}.{path}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedRequest:
    partner: str
    timestamp: str
    nonce: str
    signature: str
    method: str
    path: str
    body: bytes


def _bad_signature() -> SignatureRefused:
    return SignatureRefused("bad_signature", _("The request signature is not valid."))


def partner_verify_request(*, request: SignedRequest, kinds: tuple[str, ...]) -> Partner:
    """The calling partner, once its signature, timestamp and nonce check out."""
    partner = (
        Partner.objects.select_related("authority")
        .filter(code=request.partner or "", is_active=True)
        .first()
    )
    if partner is None or partner.kind not in kinds:
        raise _bad_signature()
    if not _TIMESTAMP.fullmatch(request.timestamp or "") or not _NONCE.fullmatch(
        request.nonce or ""
    ):
        raise _bad_signature()
    expected = signature_compute(
        secret=partner.secret,
        timestamp=request.timestamp,
        nonce=request.nonce,
        method=request.method,
        path=request.path,
        body=request.body,
    )
    if not hmac.compare_digest(expected, (request.signature or "").lower()):
        raise _bad_signature()
    if abs(clock.now().timestamp() - int(request.timestamp)) > SIGNATURE_WINDOW_SECONDS:
        raise SignatureRefused(
            "stale_timestamp",
            _("The request timestamp is more than 5 minutes away from the server's time."),
        )
    # Remembered for twice the window so that a replay is refused for as long as it could be fresh.
    # A nonce that cannot be remembered cannot be refused when replayed: refuse the call instead.
    nonce_key = hashlib.sha256(request.nonce.encode()).hexdigest()
    with counters_required():
        is_fresh = throttle.mark_add(
            name=f"partner-nonce:{partner.code}:{nonce_key}",
            value=1,
            keep_seconds=SIGNATURE_WINDOW_SECONDS * 2,
        )
    if not is_fresh:
        raise SignatureRefused(
            "replayed_request", _("This request was already received (same nonce).")
        )
    return partner


@dataclass(frozen=True)
class PartnerWithSecret:
    partner: Partner
    secret: str


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def partner_create(
    *,
    actor: User,
    code: str,
    kind: str,
    name: str,
    authority: Authority | None = None,
    secret: str | None = None,
) -> PartnerWithSecret:
    """Creates a partner; the secret is returned once and never shown again."""
    if kind not in PartnerKind.values:
        raise InvalidInput("invalid_partner_kind", _("Unknown partner kind."))
    if kind == PartnerKind.AUTHORITY and authority is None:
        raise InvalidInput("authority_required", _("An authority partner must name its authority."))
    chosen = secret or _new_secret()
    try:
        with transaction.atomic():
            partner = Partner.objects.create(
                code=code,
                kind=kind,
                name=name,
                authority=authority if kind == PartnerKind.AUTHORITY else None,
                secret=chosen,
            )
            audit_record(
                action="partner.created",
                actor_type="staff",
                actor_id=str(actor.pk),
                subject_type="partner",
                subject_id=code,
                data={"kind": kind},
            )
    except IntegrityError:
        raise Conflict("partner_exists", _("A partner with this code already exists.")) from None
    return PartnerWithSecret(partner=partner, secret=chosen)


def partner_rotate_secret(*, actor: User, partner: Partner) -> PartnerWithSecret:
    chosen = _new_secret()
    with transaction.atomic():
        locked = Partner.objects.select_for_update().get(pk=partner.pk)
        locked.secret = chosen
        locked.secret_rotated_at = clock.now()
        locked.save(update_fields=["secret", "secret_rotated_at", "updated_at"])
        audit_record(
            action="partner.secret_rotated",
            actor_type="staff",
            actor_id=str(actor.pk),
            subject_type="partner",
            subject_id=locked.code,
        )
    return PartnerWithSecret(partner=locked, secret=chosen)
