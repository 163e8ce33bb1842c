"""The caller's own profile, inbox and access log."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from absher.accounts.models import User
from absher.api.security import caller, person_token
from absher.audit.selectors import access_log_for
from absher.identity.rules import hijri_from_gregorian, mobile_masked
from absher.notifications.selectors import messages_for

router = Router(tags=["me"])

LIST_LIMIT = 100


class MeOut(Schema):
    username: str
    id_number: str
    id_type: str
    name_ar: str
    name_en: str
    date_of_birth: dt.date
    date_of_birth_hijri: str
    status: str
    activation_method: str | None
    activated_at: dt.datetime | None
    mobile: str
    email: str
    language: str


def me_out(user: User) -> dict:
    person = user.person
    assert person is not None  # person tokens only
    return {
        "username": user.username,
        "id_number": person.id_number,
        "id_type": person.id_type,
        "name_ar": person.name_ar,
        "name_en": person.name_en,
        "date_of_birth": person.date_of_birth,
        "date_of_birth_hijri": hijri_from_gregorian(person.date_of_birth),
        "status": user.status,
        "activation_method": user.activation_method or None,
        "activated_at": user.activated_at,
        "mobile": mobile_masked(user.mobile),
        "email": user.email,
        "language": user.language,
    }


class MessageOut(Schema):
    id: int
    kind: str
    title_ar: str
    title_en: str
    body_ar: str
    body_en: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class MessageList(Schema):
    items: list[MessageOut]


class AccessOut(Schema):
    occurred_at: dt.datetime
    action: str
    actor_type: str
    actor: str


class AccessList(Schema):
    items: list[AccessOut]


@router.get("", response=MeOut, auth=person_token, summary="My profile")
def me(request: HttpRequest) -> dict:
    return me_out(caller(request))


@router.get("/messages", response=MessageList, auth=person_token, summary="My messages")
def my_messages(request: HttpRequest) -> dict:
    user = caller(request)
    return {"items": list(messages_for(person=user.person)[:LIST_LIMIT])}


@router.get("/access-log", response=AccessList, auth=person_token, summary="Who looked at my data")
def my_access_log(request: HttpRequest) -> dict:
    user = caller(request)
    events = access_log_for(person=user.person)[:LIST_LIMIT]
    return {
        "items": [
            {
                "occurred_at": event.occurred_at,
                "action": event.action,
                "actor_type": event.actor_type,
                "actor": event.data.get("actor_label", event.actor_type),
            }
            for event in events
        ]
    }
