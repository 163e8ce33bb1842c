"""The right of access (حق الوصول) of the Personal Data Protection Law: a copy, as JSON, of
everything the platform holds about one person, recorded in the audit log.

What the export leaves out, and why:
- secrets: the password hash, verification codes and their hashes, token hashes, partner secrets;
- the text of an SMS that carried a verification code (it is redacted after delivery anyway);
- other people's data beyond what the person already sees in the portal: a sponsor on the other
  side of a transfer appears with a masked ID number, as on the transfer's page; a case for a
  transfer without the sponsor's consent that names the person (as the worker or as the current
  sponsor) appears with its reference, status and dates, but without the filer, the filer's
  documents or the officer's notes;
- who the staff members behind an entry are: the access log names their role and office, as the
  portal's page does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import translation

from absher.accounts.models import User
from absher.audit.constants import ActorType
from absher.audit.models import AuditEvent
from absher.audit.selectors import access_log_for
from absher.audit.services import audit_record
from absher.core import clock
from absher.identity.models import Person
from absher.identity.rules import hijri_from_gregorian, mobile_masked
from absher.identity.selectors import sponsorships_of
from absher.notifications.constants import REDACTED_BODY
from absher.notifications.selectors import messages_for
from absher.payments.models import Bill
from absher.payments.selectors import bills_of
from absher.privacy import selectors
from absher.privacy.constants import EXPORT_FORMAT, EXPORT_NOTICE, EXPORTED_ACTION
from absher.requests.selectors import service_requests_of
from absher.transfers.models import TransferCase, TransferRequest
from absher.transfers.selectors import cases_of, party_role_of, transfers_of

Json = dict[str, Any]


def personal_data_export(*, person: Person, channel: str = "") -> Json:
    """Everything the platform holds about `person`, as JSON-ready values (ISO 8601 times, amounts
    in halalas). The export itself is recorded in the audit log, in the same transaction as the
    reads, with the channel it went out through (`portal` or `api`)."""
    with transaction.atomic():
        account = selectors.account_of(person=person)
        export: Json = {
            "format": EXPORT_FORMAT,
            "generated_at": _iso(clock.now()),
            "notice": _both_languages(EXPORT_NOTICE),
            "person": _registry_record(person),
            "account": _account(account) if account is not None else None,
            "activation": _activation(person, account),
            "verification_codes": _verification_codes(person, account),
            "sponsorships": _sponsorships(person),
            "suspensions": [_suspension(s) for s in selectors.suspensions_of(person=person)],
            "bills": [_bill(bill) for bill in _bills(person)],
            "service_requests": _service_requests(person),
            "transfers": _transfers(person),
            "cases": _cases(person),
            "messages": _messages(person),
            "sms": _sms(person),
            "access_log": [_access(event) for event in access_log_for(person=person)],
            "activity": [_activity(event) for event in selectors.audit_events_about(person=person)],
        }
        audit_record(
            action=EXPORTED_ACTION,
            actor_type=ActorType.PERSON,
            actor_id=str(account.pk) if account is not None else "",
            subject_type="person",
            subject_id=str(person.pk),
            person=person,
            data={"channel": channel},
        )
    return export


# --- values ---------------------------------------------------------------------------------------


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _both_languages(text: Any) -> dict[str, str]:
    result = {}
    for language in ("ar", "en"):
        with translation.override(language):
            result[language] = str(text)
    return result


def _masked_id(id_number: str) -> str:
    return "•" * (len(id_number) - 4) + id_number[-4:]


def _party(person: Person, *, shown: bool) -> Json:
    return {
        "id_number": person.id_number if shown else _masked_id(person.id_number),
        "name_ar": person.name_ar,
        "name_en": person.name_en,
    }


# --- the registry and the account -----------------------------------------------------------------


def _registry_record(person: Person) -> Json:
    return {
        "id_number": person.id_number,
        "id_type": person.id_type,
        "name_ar": person.name_ar,
        "name_en": person.name_en,
        "gender": person.gender,
        "nationality": person.nationality,
        "mother_nationality": person.mother_nationality,
        "date_of_birth": _iso(person.date_of_birth),
        "date_of_birth_hijri": hijri_from_gregorian(person.date_of_birth),
        "mobile": person.mobile,
        "iqama_expiry": _iso(person.iqama_expiry),
        "residency_status": person.residency_status,
        "has_criminal_case": person.has_criminal_case,
        "owes_sponsor": person.owes_sponsor,
        "traffic_fines_due_halalas": person.traffic_fines_due_halalas,
        "has_exit_visa": person.has_exit_visa,
        "transfer_count": person.transfer_count,
        "recorded_at": _iso(person.created_at),
        "updated_at": _iso(person.updated_at),
    }


def _account(account: User) -> Json:
    """The account as the person knows it; the password hash and the session counter stay out."""
    return {
        "username": account.username,
        "email": account.email,
        "mobile": account.mobile,
        "language": account.language,
        "status": account.status,
        "can_sign_in": account.is_active,
        "created_at": _iso(account.created_at),
        "last_login": _iso(account.last_login),
        "failed_login_count": account.failed_login_count,
        "locked_until": _iso(account.locked_until),
        "sessions": [
            {
                "started_at": _iso(token.created_at),
                "expires_at": _iso(token.expires_at),
                "ended_at": _iso(token.revoked_at),
            }
            for token in selectors.refresh_tokens_of(user=account)
        ],
    }


def _activation(person: Person, account: User | None) -> Json:
    codes = [
        {
            "issued_by": (
                code.issued_by_partner.name
                if code.issued_by_partner is not None
                else code.issued_by_office.code
                if code.issued_by_office is not None
                else ""
            ),
            "issued_at": _iso(code.created_at),
            "expires_at": _iso(code.expires_at),
            "used_at": _iso(code.used_at),
        }
        for code in selectors.activation_codes_of(person=person)
    ]
    if account is None:
        return {
            "method": None,
            "activated_at": None,
            "codes": codes,
            "in_person": [],
            "services": [],
        }
    return {
        "method": account.activation_method or None,
        "activated_at": _iso(account.activated_at),
        "codes": codes,
        "in_person": [
            {
                "office": activation.office.code,
                "office_name_ar": activation.office.name_ar,
                "office_name_en": activation.office.name_en,
                "documents_checked": list(activation.documents_checked),
                "at": _iso(activation.created_at),
            }
            for activation in selectors.office_activations_of(user=account)
        ],
        "services": [
            {"service_code": activation.service.code, "activated_at": _iso(activation.created_at)}
            for activation in selectors.service_activations_of(user=account)
        ],
    }


def _verification_codes(person: Person, account: User | None) -> list[Json]:
    return [
        {
            "purpose": challenge.purpose,
            "sent_to": mobile_masked(challenge.mobile),
            "status": challenge.status,
            "sent_at": _iso(challenge.created_at),
            "expires_at": _iso(challenge.expires_at),
            "verified_at": _iso(challenge.verified_at),
        }
        for challenge in selectors.verification_codes_of(person=person, user=account)
    ]


def _sponsorships(person: Person) -> Json:
    return {
        "as_worker": [
            {
                "sponsor": _party(sponsorship.sponsor, shown=False),
                "started_at": _iso(sponsorship.started_at),
                "ended_at": _iso(sponsorship.ended_at),
            }
            for sponsorship in sponsorships_of(worker=person)
        ],
        "as_sponsor": [
            {
                "worker": _party(sponsorship.worker, shown=True),
                "started_at": _iso(sponsorship.started_at),
                "ended_at": _iso(sponsorship.ended_at),
            }
            for sponsorship in selectors.sponsorships_as_sponsor(person=person)
        ],
    }


def _suspension(suspension: Any) -> Json:
    return {
        "authority": suspension.authority.code,
        "authority_name_ar": suspension.authority.name_ar,
        "authority_name_en": suspension.authority.name_en,
        "reference": suspension.reference,
        "reason_ar": suspension.reason_ar,
        "reason_en": suspension.reason_en,
        "lift_procedure_ar": suspension.lift_procedure_ar,
        "lift_procedure_en": suspension.lift_procedure_en,
        "scope": suspension.scope,
        "status": suspension.status,
        "placed_at": _iso(suspension.placed_at),
        "lifted_at": _iso(suspension.lifted_at),
    }


# --- bills, payments and requests -----------------------------------------------------------------


def _bills(person: Person) -> list[Bill]:
    return list(
        bills_of(person=person)
        .select_related("payment")
        .prefetch_related("events", "card_checkouts")
    )


def _bill(bill: Bill) -> Json:
    payment = getattr(bill, "payment", None)
    return {
        "sadad_number": bill.sadad_number,
        "biller_code": bill.biller_code,
        "amount_halalas": bill.amount_halalas,
        "service_code": bill.service.code,
        "purpose": bill.purpose,
        "status": bill.status,
        "issued_at": _iso(bill.issued_at),
        "expires_at": _iso(bill.expires_at),
        "paid_at": _iso(bill.paid_at),
        "paid_channel": bill.paid_channel,
        "closed_at": _iso(bill.closed_at),
        "close_reason": bill.close_reason,
        "history": [
            {"from": event.from_status, "to": event.to_status, "at": _iso(event.created_at)}
            for event in sorted(bill.events.all(), key=lambda event: (event.created_at, event.pk))
        ],
        "payment": (
            {
                "channel": payment.channel,
                "amount_halalas": payment.amount_halalas,
                "paid_at": _iso(payment.paid_at),
                "reference": payment.external_reference,
                "receipt_code": payment.receipt_code,
            }
            if payment is not None
            else None
        ),
        "card_payments": [
            {
                "reference": checkout.reference,
                "status": checkout.status,
                "amount_halalas": checkout.amount_halalas,
                "started_at": _iso(checkout.created_at),
                "decided_at": _iso(checkout.decided_at),
                "failure_code": checkout.failure_code,
                "refunded_at": _iso(checkout.refunded_at),
            }
            for checkout in sorted(bill.card_checkouts.all(), key=lambda checkout: checkout.pk)
        ],
    }


def _service_requests(person: Person) -> list[Json]:
    return [
        {
            "id": request.pk,
            "service_code": request.service.code,
            "status": request.status,
            "fee_halalas": request.fee_halalas,
            "sadad_number": request.sadad_number,
            "requested_at": _iso(request.created_at),
            "decided_at": _iso(request.decided_at),
            "decision_note": request.decision_note,
            "history": [
                {"from": event.from_status, "to": event.to_status, "at": _iso(event.created_at)}
                for event in sorted(request.events.all(), key=lambda e: (e.created_at, e.pk))
            ],
        }
        for request in service_requests_of(person=person).prefetch_related("events")
    ]


# --- transfers and cases --------------------------------------------------------------------------


def _transfers(person: Person) -> list[Json]:
    return [
        _transfer(transfer, viewer=person)
        for transfer in transfers_of(person=person).prefetch_related("events")
    ]


def _transfer(transfer: TransferRequest, *, viewer: Person) -> Json:
    return {
        "id": transfer.pk,
        "role": party_role_of(transfer=transfer, person=viewer),
        "service_code": transfer.service.code,
        "status": transfer.status,
        "worker": _party(transfer.worker, shown=True),
        "current_sponsor": _party(
            transfer.current_sponsor, shown=viewer.pk == transfer.current_sponsor_id
        ),
        "new_sponsor": _party(transfer.new_sponsor, shown=viewer.pk == transfer.new_sponsor_id),
        "fee_halalas": transfer.fee_halalas,
        "sadad_number": transfer.bill.sadad_number if transfer.bill is not None else None,
        "created_at": _iso(transfer.created_at),
        "expires_at": _iso(transfer.expires_at),
        "accepted_at": _iso(transfer.accepted_at),
        "completed_at": _iso(transfer.completed_at),
        "closed_at": _iso(transfer.closed_at),
        "close_reason": transfer.close_reason,
        "failed_conditions": list(transfer.failed_conditions or []),
        "without_consent": transfer.is_without_consent,
        "timeline": [
            {
                "step": event.step,
                "status": event.to_status,
                "actor": event.actor_role,
                "at": _iso(event.created_at),
                "note": event.note,
            }
            for event in sorted(transfer.events.all(), key=lambda e: (e.created_at, e.pk))
        ],
    }


def _cases(person: Person) -> Json:
    return {
        "filed": [
            _case_filed(case)
            for case in cases_of(person=person).prefetch_related("documents", "events")
        ],
        "naming_me": [
            {
                "reference": case.reference,
                "role": "worker" if case.worker_id == person.pk else "current_sponsor",
                "service_code": case.service.code,
                "status": case.status,
                "submitted_at": _iso(case.submitted_at),
                "decided_at": _iso(case.decided_at),
            }
            for case in selectors.cases_naming(person=person)
        ],
    }


def _case_filed(case: TransferCase) -> Json:
    return {
        "reference": case.reference,
        "service_code": case.service.code,
        "status": case.status,
        "worker": _party(case.worker, shown=True),
        "current_sponsor": _party(case.current_sponsor, shown=False),
        "submitted_at": _iso(case.submitted_at),
        "decided_at": _iso(case.decided_at),
        "officer_note": case.officer_note,
        "requested_documents": list(case.requested_documents or []),
        "transfer_id": case.transfer_id,
        "documents": [
            {
                "kind": document.kind,
                "content_type": document.content_type,
                "size_bytes": document.size_bytes,
                "sha256": document.sha256,
                "file_name": document.original_name,
                "uploaded_at": _iso(document.created_at),
                "is_current": document.is_current,
            }
            for document in sorted(case.documents.all(), key=lambda document: document.pk)
        ],
        "history": [
            {
                "step": event.step,
                "status": event.to_status,
                "actor": event.actor_role,
                "at": _iso(event.created_at),
                "note": event.note,
            }
            for event in sorted(case.events.all(), key=lambda e: (e.created_at, e.pk))
        ],
    }


# --- messages and logs ----------------------------------------------------------------------------


def _messages(person: Person) -> list[Json]:
    return [
        {
            "kind": message.kind,
            "title_ar": message.title_ar,
            "title_en": message.title_en,
            "body_ar": message.body_ar,
            "body_en": message.body_en,
            "received_at": _iso(message.created_at),
            "read_at": _iso(message.read_at),
        }
        for message in messages_for(person=person)
    ]


def _sms(person: Person) -> list[Json]:
    return [
        {
            "to": sms.to,
            "text": REDACTED_BODY if sms.is_sensitive else sms.body,
            "status": sms.status,
            "queued_at": _iso(sms.created_at),
            "sent_at": _iso(sms.sent_at),
            "failed_at": _iso(sms.failed_at),
        }
        for sms in selectors.sms_of(person=person)
    ]


def _access(event: AuditEvent) -> Json:
    data = event.data if isinstance(event.data, dict) else {}
    return {
        "at": _iso(event.occurred_at),
        "action": event.action,
        "actor_type": event.actor_type,
        "actor": str(data.get("actor_label", "")),
        "office": str(data.get("office", "")),
    }


def _activity(event: AuditEvent) -> Json:
    """A change that concerns the person. The IP address is theirs only when they acted."""
    return {
        "at": _iso(event.occurred_at),
        "action": event.action,
        "actor_type": event.actor_type,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "ip": event.ip if event.actor_type == ActorType.PERSON else "",
    }
