from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from absher.core.errors import NotFound
from absher.identity.models import Person
from absher.notifications.constants import SmsStatus
from absher.notifications.models import Message, OutboxSms, SmsMessage
from absher.notifications.selectors import (
    message_get_for_actor,
    messages_for,
    messages_unread_count,
)
from absher.notifications.services import message_mark_read, notification_send

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 4, 2, 8, 0, tzinfo=dt.UTC)
TEXTS = {
    "title_ar": "تم قبول طلب النقل",
    "title_en": "Transfer accepted",
    "body_ar": "قبل الكفيل الجديد طلب نقل الخدمات.",
    "body_en": "The new sponsor accepted the transfer.",
}


def _notify(person: Person, **overrides: Any) -> Message:
    fields: dict[str, Any] = {"person": person, "kind": "transfer_accepted", **TEXTS}
    fields.update(overrides)
    return notification_send(**fields)


def test_notification_lands_in_the_inbox_and_texts_the_arabic_body(
    person: Person, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = _notify(person)

    stored = Message.objects.get()
    assert stored == message
    assert (stored.person, stored.kind, stored.read_at) == (person, "transfer_accepted", None)
    assert (stored.title_ar, stored.title_en) == (TEXTS["title_ar"], TEXTS["title_en"])
    assert (stored.body_ar, stored.body_en) == (TEXTS["body_ar"], TEXTS["body_en"])
    sms = SmsMessage.objects.get()
    assert (sms.to, sms.person, sms.body, sms.is_sensitive) == (
        person.mobile,
        person,
        TEXTS["body_ar"],
        False,
    )
    assert sms.status == SmsStatus.SENT
    assert OutboxSms.objects.get().body == TEXTS["body_ar"]


def test_notification_can_text_in_english(
    person: Person, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify(person, sms_language="en")

    assert SmsMessage.objects.get().body == TEXTS["body_en"]


def test_notification_without_sms(
    person: Person, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notify(person, send_sms=False)

    assert Message.objects.count() == 1
    assert not SmsMessage.objects.exists()
    assert callbacks == []


def test_notification_to_a_person_without_a_usable_mobile_still_reaches_the_inbox(
    make_person: Callable[..., Person],
) -> None:
    person = make_person(mobile="")

    _notify(person)

    assert Message.objects.filter(person=person).count() == 1
    assert not SmsMessage.objects.exists()


def test_notification_refuses_an_unknown_sms_language(person: Person) -> None:
    with pytest.raises(ValueError, match="language"):
        _notify(person, sms_language="fr")
    assert not Message.objects.exists()


def test_inbox_is_newest_first_and_only_ones_own(
    make_person: Callable[..., Person], moved_clock: Callable[[dt.datetime], None]
) -> None:
    owner, other = make_person(), make_person()
    moved_clock(MOMENT)
    old = _notify(owner, send_sms=False)
    moved_clock(MOMENT + dt.timedelta(hours=1))
    new = _notify(owner, send_sms=False)
    _notify(other, send_sms=False)

    assert list(messages_for(person=owner)) == [new, old]
    assert messages_unread_count(person=owner) == 2


def test_marking_read_keeps_the_first_reading_time(
    person: Person, moved_clock: Callable[[dt.datetime], None]
) -> None:
    message = _notify(person, send_sms=False)

    moved_clock(MOMENT)
    first = message_mark_read(person=person, message_id=message.pk)
    moved_clock(MOMENT + dt.timedelta(days=1))
    second = message_mark_read(person=person, message_id=message.pk)

    assert first.read_at == second.read_at == MOMENT
    assert Message.objects.get(pk=message.pk).read_at == MOMENT
    assert messages_unread_count(person=person) == 0


def test_nobody_reads_or_marks_another_persons_message(
    make_person: Callable[..., Person],
) -> None:
    owner, intruder = make_person(), make_person()
    message = _notify(owner, send_sms=False)

    with pytest.raises(NotFound) as refusal:
        message_mark_read(person=intruder, message_id=message.pk)
    assert refusal.value.code == "message_not_found"
    assert Message.objects.get(pk=message.pk).read_at is None

    with pytest.raises(NotFound):
        message_get_for_actor(person=intruder, message_id=message.pk)


def test_a_missing_message_gets_the_same_answer(person: Person) -> None:
    with pytest.raises(NotFound) as refusal:
        message_get_for_actor(person=person, message_id=424242)
    assert refusal.value.code == "message_not_found"


def test_message_shows_in_the_readers_language(person: Person) -> None:
    message = _notify(person, send_sms=False)

    with translation.override("en"):
        assert (message.title, message.body) == (TEXTS["title_en"], TEXTS["body_en"])
    with translation.override("ar"):
        assert (message.title, message.body) == (TEXTS["title_ar"], TEXTS["body_ar"])


def test_labels_are_translated_to_arabic() -> None:
    from absher.notifications.constants import SmsStatus

    with translation.override("ar"):
        assert str(SmsStatus.FAILED.label) == "تعذّر الإرسال"
        assert str(Message._meta.verbose_name_plural) == "الرسائل"
