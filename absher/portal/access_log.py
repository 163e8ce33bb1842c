"""The person's access log in words (من اطلع على بياناتي): for each look-up of their data, who
looked (the kind of staff member, and where when that is known) and what for, in the page's
language.

The audit log keeps machine values (an action such as `call_centre.suspensions_viewed`, a label such
as `call_centre_19999`); the words live here, in the interface. An action without words of its own
is still listed, as a look-up of the person's data by the kind of actor the log recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from absher.accounts.constants import StaffRole
from absher.accounts.selectors import offices_all
from absher.audit.constants import ActorType
from absher.audit.models import AuditEvent
from absher.portal.templatetags.portal_tags import in_language


@dataclass(frozen=True)
class AccessAction:
    """The words for one kind of look-up: who does it, and what they did."""

    who: str | Promise
    what: str | Promise
    # Whether the look-up records the Absher office where it happened (`data["office"]`).
    names_office: bool = False


CALL_CENTRE_LOOK_UP = "call_centre.suspensions_viewed"
OFFICE_LOOK_UP = "office_activation.person_looked_up"

ACCESS_ACTIONS: dict[str, AccessAction] = {
    CALL_CENTRE_LOOK_UP: AccessAction(
        who=StaffRole.CALL_CENTRE_AGENT.label,
        what=_(
            "Looked at your suspended services, after the caller gave your ID number and "
            "date of birth"
        ),
    ),
    OFFICE_LOOK_UP: AccessAction(
        who=StaffRole.OFFICER.label,
        what=_(
            "Looked up your registry record to activate e-services in person at an Absher office"
        ),
        names_office=True,
    ),
    "service_request.viewed": AccessAction(
        who=StaffRole.OFFICER.label,
        what=_("Opened your e-service request to decide on it"),
        names_office=True,
    ),
    "transfer_case.viewed": AccessAction(
        who=StaffRole.OFFICER.label,
        what=_("Opened a case for a transfer without the sponsor's consent to review it"),
        names_office=True,
    ),
    "transfer_case.document_viewed": AccessAction(
        who=StaffRole.OFFICER.label,
        what=_("Opened a document of a case for a transfer without the sponsor's consent"),
        names_office=True,
    ),
    "sadad.bills_inquired": AccessAction(
        who=_("Your bank"),
        what=_("Looked up your unpaid bills to collect a payment"),
    ),
}
SOMEONE_LOOKED = _("Looked at your data")


@dataclass(frozen=True)
class AccessLine:
    occurred_at: dt.datetime
    who: str
    what: str


def _data(event: AuditEvent, key: str) -> str:
    return str(event.data.get(key, "")) if isinstance(event.data, dict) else ""


def _someone(event: AuditEvent) -> str:
    """Who looked, for an action without words of its own: the kind of actor and, when the log
    recorded one, their label."""
    kind = str(ActorType(event.actor_type).label) if event.actor_type in ActorType.values else ""
    label = _data(event, "actor_label")
    return f"{kind} — {label}" if kind and label else kind or label


def access_lines(events: Iterable[AuditEvent]) -> list[AccessLine]:
    """One line per look-up, in the active language; the offices named on the page are read in
    one query."""
    events = list(events)
    office_codes = {
        _data(event, "office")
        for event in events
        if event.action in ACCESS_ACTIONS and ACCESS_ACTIONS[event.action].names_office
    } - {""}
    offices = (
        {
            office.code: in_language(office, "name")
            for office in offices_all().filter(code__in=office_codes)
        }
        if office_codes
        else {}
    )
    lines = []
    for event in events:
        action = ACCESS_ACTIONS.get(event.action)
        if action is None:
            lines.append(AccessLine(event.occurred_at, _someone(event), str(SOMEONE_LOOKED)))
            continue
        who = str(action.who)
        if action.names_office:
            code = _data(event, "office")
            office = offices.get(code, code)
            who = f"{who} — {office}" if office else who
        lines.append(AccessLine(event.occurred_at, who, str(action.what)))
    return lines
