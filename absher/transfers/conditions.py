"""The conditions of a transfer (شروط نقل الكفالة, SPEC 8), each a named rule with its own reason
code and a message saying what to do. They are evaluated together, so a person sees every failed
one at once: at the pre-check (preview), when the request is made, when it is accepted and when
the paid transfer completes.

A rule only reads `Facts`, gathered once from the registry, the accounts and the catalogue's
enforcement point (`service_start_check`: the one place that knows about suspensions)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from absher.accounts.selectors import user_get_by_identifier
from absher.catalog.availability import service_start_check
from absher.catalog.models import Service
from absher.core import clock
from absher.core.errors import Forbidden, InvalidInput
from absher.identity.constants import SAUDI_NATIONALITY, ResidencyStatus
from absher.identity.models import Person
from absher.identity.rules import lazy_format
from absher.identity.selectors import sponsor_current_of


@dataclass(frozen=True)
class Facts:
    """What the rules look at, for one would-be or existing transfer."""

    worker: Person
    current_sponsor: Person
    new_sponsor: Person
    # The worker's sponsor according to the registry now (None: nobody).
    registry_sponsor_id: int | None
    new_sponsor_is_activated: bool
    blocked: frozenset[str]
    """Which parties ("current_sponsor", "new_sponsor", "worker") a suspension blocks."""
    today: dt.date


@dataclass(frozen=True)
class Condition:
    code: str
    message: Callable[[], str | Promise]
    is_met: Callable[[Facts], bool]
    # The name of the boolean setting that switches the rule on; empty: always on.
    enabled_by: str = ""
    # Whether a transfer approved without the sponsor's consent (SPEC 9) must meet it.
    applies_without_consent: bool = True

    def is_enabled(self) -> bool:
        return not self.enabled_by or bool(getattr(settings, self.enabled_by))


@dataclass(frozen=True)
class Failure:
    code: str
    message: str | Promise

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


def _text(message: str | Promise) -> Callable[[], str | Promise]:
    return lambda: message


def _is_legally_resident_by_iqama(facts: Facts) -> bool:
    worker = facts.worker
    if worker.residency_status == ResidencyStatus.EXPIRED:
        return False
    return worker.iqama_expiry is not None and worker.iqama_expiry >= facts.today


def _iqama_days_left_enough(facts: Facts) -> bool:
    expiry = facts.worker.iqama_expiry
    minimum = dt.timedelta(days=settings.TRANSFER_MIN_IQAMA_DAYS_LEFT)
    return expiry is not None and expiry - facts.today >= minimum


def _iqama_days_message() -> str | Promise:
    return lazy_format(
        _(
            "The worker's iqama must be valid for at least %(days)d more days. Renew the iqama "
            "first, then try again."
        ),
        {"days": settings.TRANSFER_MIN_IQAMA_DAYS_LEFT},
    )


def _transfer_limit_message() -> str | Promise:
    return lazy_format(
        _(
            "A worker's services can be transferred at most %(limit)d times, and this worker "
            "has reached that limit. The transfer is not possible."
        ),
        {"limit": settings.TRANSFER_MAX_PREVIOUS_TRANSFERS},
    )


def _suspension_message(party: str) -> Callable[[], str | Promise]:
    messages = {
        "current_sponsor": _(
            "A suspension of services blocks this transfer for the current sponsor. The current "
            "sponsor can see how to lift it under General Services, Temporary suspension of "
            "services."
        ),
        "new_sponsor": _(
            "A suspension of services blocks this transfer for the new sponsor. The new sponsor "
            "can see how to lift it under General Services, Temporary suspension of services."
        ),
        "worker": _(
            "A suspension of services blocks this transfer for the worker. It must be lifted "
            "first; the worker can see how under General Services, Temporary suspension of "
            "services."
        ),
    }
    return _text(messages[party])


CONDITIONS: tuple[Condition, ...] = (
    # 1. The new sponsor is a Saudi citizen or the child of a Saudi mother.
    Condition(
        code="new_sponsor_not_saudi",
        message=_text(
            _(
                "The new sponsor must be a Saudi citizen or the child of a Saudi mother. Choose "
                "a new sponsor who meets this condition."
            )
        ),
        is_met=lambda f: (
            f.new_sponsor.is_citizen or f.new_sponsor.mother_nationality == SAUDI_NATIONALITY
        ),
    ),
    # 2. The new sponsor has an activated account.
    Condition(
        code="new_sponsor_not_activated",
        message=_text(
            _(
                "The new sponsor has no activated Absher account. The new sponsor must activate "
                "e-services (with the ID and a code sent by SMS, through the bank or at an Absher "
                "office), then try again."
            )
        ),
        is_met=lambda f: f.new_sponsor_is_activated,
    ),
    # 3. The worker is legally resident: iqama valid and not expired, not reported absent.
    Condition(
        code="worker_iqama_expired",
        message=_text(
            _("The worker's iqama is not valid or has expired. Renew it first, then try again.")
        ),
        is_met=_is_legally_resident_by_iqama,
    ),
    Condition(
        code="worker_reported_absent",
        message=_text(
            _(
                "The worker is reported absent from work. The report must be cancelled at the "
                "Passports directorate before the transfer."
            )
        ),
        is_met=lambda f: f.worker.residency_status != ResidencyStatus.ABSENT,
    ),
    # 4. The worker has no criminal or security case.
    Condition(
        code="worker_criminal_case",
        message=_text(
            _(
                "The worker has an open criminal or security case. The transfer is possible once "
                "the case is closed."
            )
        ),
        is_met=lambda f: not f.worker.has_criminal_case,
    ),
    # 5. The worker has settled every financial obligation towards the current sponsor.
    Condition(
        code="worker_owes_sponsor",
        message=_text(
            _(
                "The worker's financial obligations towards the current sponsor are not settled. "
                "They must be settled first, then try again."
            )
        ),
        is_met=lambda f: not f.worker.owes_sponsor,
    ),
    # The worker is the current sponsor's; the new sponsor is someone else.
    Condition(
        code="worker_not_with_sponsor",
        message=_text(
            _(
                "The worker is not sponsored by the sponsor named in this transfer. Only the "
                "worker's current sponsor can transfer the worker's services."
            )
        ),
        is_met=lambda f: f.registry_sponsor_id == f.current_sponsor.pk,
    ),
    Condition(
        code="new_sponsor_is_current_sponsor",
        message=_text(
            _(
                "The new sponsor must be someone other than the current sponsor. Enter the new "
                "sponsor's ID number."
            )
        ),
        is_met=lambda f: f.new_sponsor.pk != f.current_sponsor.pk,
    ),
    Condition(
        code="new_sponsor_is_worker",
        message=_text(
            _("A worker cannot be their own new sponsor. Enter the new sponsor's ID number.")
        ),
        is_met=lambda f: f.new_sponsor.pk != f.worker.pk,
    ),
    # No suspension blocks either party (or the worker) for this service.
    Condition(
        code="current_sponsor_suspended",
        message=_suspension_message("current_sponsor"),
        is_met=lambda f: "current_sponsor" not in f.blocked,
        applies_without_consent=False,
    ),
    Condition(
        code="new_sponsor_suspended",
        message=_suspension_message("new_sponsor"),
        is_met=lambda f: "new_sponsor" not in f.blocked,
    ),
    Condition(
        code="worker_suspended",
        message=_suspension_message("worker"),
        is_met=lambda f: "worker" not in f.blocked,
    ),
    # What the real rules add, each switched by a setting (on by default).
    Condition(
        code="worker_traffic_fines",
        message=_text(
            _("The worker has unpaid traffic fines. Pay them through SADAD, then try again.")
        ),
        is_met=lambda f: f.worker.traffic_fines_due_halalas == 0,
        enabled_by="TRANSFER_CHECK_TRAFFIC_FINES",
        applies_without_consent=False,
    ),
    Condition(
        code="new_sponsor_traffic_fines",
        message=_text(
            _(
                "The new sponsor has unpaid traffic fines. The new sponsor must pay them through "
                "SADAD, then try again."
            )
        ),
        is_met=lambda f: f.new_sponsor.traffic_fines_due_halalas == 0,
        enabled_by="TRANSFER_CHECK_TRAFFIC_FINES",
        applies_without_consent=False,
    ),
    Condition(
        code="worker_exit_visa",
        message=_text(
            _(
                "An exit visa has been issued to the worker. Cancel the exit visa before "
                "transferring the worker's services."
            )
        ),
        is_met=lambda f: not f.worker.has_exit_visa,
        enabled_by="TRANSFER_CHECK_EXIT_VISA",
        applies_without_consent=False,
    ),
    Condition(
        code="worker_transfer_limit",
        message=_transfer_limit_message,
        is_met=lambda f: f.worker.transfer_count < settings.TRANSFER_MAX_PREVIOUS_TRANSFERS,
        enabled_by="TRANSFER_CHECK_TRANSFER_LIMIT",
        applies_without_consent=False,
    ),
    Condition(
        code="worker_iqama_expiring",
        message=_iqama_days_message,
        is_met=_iqama_days_left_enough,
        enabled_by="TRANSFER_CHECK_IQAMA_DAYS_LEFT",
        applies_without_consent=False,
    ),
)

CONDITION_CODES = frozenset(condition.code for condition in CONDITIONS)


def _is_blocked(person: Person, service: Service) -> bool:
    try:
        service_start_check(person=person, service=service)
    except Forbidden as refusal:
        if refusal.code != "service_suspended":
            raise
        return True
    return False


def facts_gather(
    *, worker: Person, current_sponsor: Person, new_sponsor: Person, service: Service
) -> Facts:
    parties = {"current_sponsor": current_sponsor, "new_sponsor": new_sponsor, "worker": worker}
    account = user_get_by_identifier(identifier=new_sponsor.id_number)
    registry_sponsor = sponsor_current_of(worker=worker)
    return Facts(
        worker=worker,
        current_sponsor=current_sponsor,
        new_sponsor=new_sponsor,
        registry_sponsor_id=registry_sponsor.pk if registry_sponsor else None,
        new_sponsor_is_activated=bool(
            account is not None
            and account.is_active
            and account.is_activated
            and account.person_id == new_sponsor.pk
        ),
        blocked=frozenset(role for role, p in parties.items() if _is_blocked(p, service)),
        today=clock.today_local(),
    )


def conditions_failed(facts: Facts, *, without_consent: bool = False) -> list[Failure]:
    """Every enabled rule that `facts` do not meet, in the order of CONDITIONS."""
    return [
        Failure(code=condition.code, message=condition.message())
        for condition in CONDITIONS
        if condition.is_enabled()
        and (condition.applies_without_consent or not without_consent)
        and not condition.is_met(facts)
    ]


def conditions_evaluate(
    *,
    worker: Person,
    current_sponsor: Person,
    new_sponsor: Person,
    service: Service,
    without_consent: bool = False,
) -> list[Failure]:
    facts = facts_gather(
        worker=worker, current_sponsor=current_sponsor, new_sponsor=new_sponsor, service=service
    )
    return conditions_failed(facts, without_consent=without_consent)


def conditions_refusal(failures: list[Failure]) -> InvalidInput:
    """422 `transfer_conditions_failed`, every failed condition in `details.failed`."""
    return InvalidInput(
        "transfer_conditions_failed",
        _("The transfer cannot go ahead: some conditions are not met. See what to do for each."),
        {"failed": [failure.as_dict() for failure in failures]},
    )


def conditions_require(**parties: Any) -> None:
    failures = conditions_evaluate(**parties)
    if failures:
        raise conditions_refusal(failures)
