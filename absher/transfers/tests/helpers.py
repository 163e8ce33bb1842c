"""People, accounts and whole steps of a transfer for the transfer tests, built on the accounts
and payments test helpers. Each step goes through the services with the real verification codes,
read from the SMS the platform queued."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

from absher.accounts.constants import AccountStatus
from absher.accounts.models import Partner, ServiceActivation, User
from absher.accounts.tests.support import last_code, make_partner, make_person
from absher.audit.models import AuditEvent
from absher.catalog.models import Service
from absher.core import clock
from absher.identity.models import Person, Sponsorship
from absher.notifications.constants import REDACTED_BODY
from absher.notifications.models import Message, SmsMessage
from absher.payments.models import Bill, BillEvent, Fulfilment, Payment
from absher.payments.services import BankPayment, bill_pay_from_bank, fulfilment_process
from absher.suspensions.tests.helpers import account
from absher.transfers import services
from absher.transfers.models import TransferEvent, TransferRequest, TransferSession

TRANSFER = "worker_services_transfer"
SAR = 100
IQAMA_EXPIRY = dt.date(2030, 6, 30)

_mobiles = itertools.count(500_100_001)
_usernames = itertools.count(1)


def mobile_new() -> str:
    """A distinct Saudi mobile for each person: a test reads each person's codes apart."""
    return f"+966{next(_mobiles)}"


def citizen(**overrides: Any) -> Person:
    fields: dict[str, Any] = {"mobile": mobile_new(), "mother_nationality": "SA"}
    fields.update(overrides)
    return make_person(**fields)


def resident(**overrides: Any) -> Person:
    fields: dict[str, Any] = {
        "prefix": "2",
        "name_ar": "راجيش كومار",
        "name_en": "Rajesh Kumar",
        "nationality": "IN",
        "mother_nationality": "IN",
        "mobile": mobile_new(),
        "iqama_expiry": IQAMA_EXPIRY,
    }
    fields.update(overrides)
    return make_person(**fields)


def worker_of(sponsor: Person, **overrides: Any) -> Person:
    worker = resident(**overrides)
    Sponsorship.objects.create(worker=worker, sponsor=sponsor, started_at=clock.now())
    return worker


def user_of(
    person: Person, *, transfer_service: bool = True, language: str = "ar", **options: Any
) -> User:
    """An activated account (with the transfer service activated unless said otherwise)."""
    user = account(person, username=f"user{next(_usernames)}", **options)
    if language != user.language:
        user.language = language
        user.save(update_fields=["language"])
    if transfer_service and user.status == AccountStatus.ACTIVE:
        ServiceActivation.objects.create(user=user, service=Service.objects.get(code=TRANSFER))
    return user


def code_sent_to(mobile: str) -> str:
    """The newest verification code sent to `mobile`: from the queued SMS, or once delivered
    (which redacts the queued copy), from the development outbox."""
    sms = SmsMessage.objects.filter(to=mobile, is_sensitive=True).order_by("-id").first()
    assert sms is not None, f"no code sent to {mobile}"
    body = sms.body
    if body == REDACTED_BODY:
        body = last_code(mobile)
    found = re.search(r"\b(\d{6})\b", body)
    assert found is not None, body
    return found.group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def session_for(user: User) -> TransferSession:
    challenge = services.transfer_session_start(user=user)
    return services.transfer_session_verify(
        user=user, challenge_id=str(challenge.public_id), code=code_sent_to(user.mobile)
    )


def preview(
    user: User,
    worker: Person,
    new_sponsor: Person,
    *,
    session: TransferSession | None = None,
    date_of_birth: str | None = None,
    calendar: str = "gregorian",
) -> services.TransferPreview:
    return services.transfer_preview(
        user=user,
        transfer_session=str((session or session_for(user)).token),
        worker_id=worker.pk,
        new_sponsor_id_number=new_sponsor.id_number,
        new_sponsor_date_of_birth=date_of_birth or new_sponsor.date_of_birth.isoformat(),
        calendar=calendar,
    )


def create(user: User, worker: Person, new_sponsor: Person, **options: Any) -> TransferRequest:
    """The current sponsor's whole journey: code, session, preview, code, request."""
    reviewed = preview(user, worker, new_sponsor, **options)
    return services.transfer_create(
        user=user,
        challenge_id=str(reviewed.challenge.public_id),
        code=code_sent_to(user.mobile),
    )


def accept(user: User, transfer: TransferRequest) -> TransferRequest:
    challenge = services.transfer_accept_start(user=user, transfer_id=transfer.pk)
    return services.transfer_accept(
        user=user,
        transfer_id=transfer.pk,
        challenge_id=str(challenge.public_id),
        code=code_sent_to(user.mobile),
    )


_references = itertools.count(1)


def bank() -> Partner:
    return Partner.objects.filter(code="test-bank").first() or make_partner("test-bank")


def pay(bill: Bill) -> str:
    """A bank pays the bill; the fulfilment then runs as its task would (the test's transaction
    never commits, so its on-commit task does not start by itself). Returns the outcome."""
    outcome = bill_pay_from_bank(
        partner_code=bank().code,
        payment=BankPayment(
            sadad_number=bill.sadad_number,
            amount_halalas=bill.amount_halalas,
            bank_code="RJHI",
            bank_reference=f"TX-{next(_references)}",
            paid_at=clock.now(),
        ),
    )
    return fulfilment_process(fulfilment_id=Fulfilment.objects.get(bill=outcome.bill).pk)


def steps(transfer: TransferRequest) -> list[tuple[str, str, str, str]]:
    """(step, from, to, who) of the timeline, oldest first."""
    return list(
        TransferEvent.objects.filter(transfer=transfer)
        .order_by("created_at", "id")
        .values_list("step", "from_status", "to_status", "actor_role")
    )


def kinds_for(person: Person) -> list[str]:
    """The kinds of inbox messages `person` received, oldest first."""
    return list(Message.objects.filter(person=person).order_by("id").values_list("kind", flat=True))


def current_sponsor_id(worker: Person) -> int | None:
    current = Sponsorship.objects.filter(worker=worker, ended_at__isnull=True).first()
    return current.sponsor_id if current else None


def snapshot() -> dict[str, Any]:
    """Everything a refused step must leave as it was."""
    return {
        "transfers": sorted(
            TransferRequest.objects.values_list(
                "pk", "status", "bill_id", "worker_consented_at", "updated_at"
            )
        ),
        "events": TransferEvent.objects.count(),
        "sessions": sorted(TransferSession.objects.values_list("pk", "used_at")),
        "sponsorships": sorted(
            Sponsorship.objects.values_list("pk", "worker_id", "sponsor_id", "ended_at")
        ),
        "transfer_counts": sorted(Person.objects.values_list("pk", "transfer_count")),
        "bills": sorted(Bill.objects.values_list("sadad_number", "status")),
        "bill_events": BillEvent.objects.count(),
        "payments": Payment.objects.count(),
        "messages": Message.objects.count(),
        "audit": list(AuditEvent.objects.order_by("sequence").values_list("sequence", "action")),
    }
