from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from absher.notifications.constants import REDACTED_BODY, SmsStatus
from absher.notifications.models import Message, OutboxSms, SmsMessage

pytestmark = pytest.mark.django_db

MOBILE = "+966501234567"


def _admin(model: type) -> admin.ModelAdmin:
    return admin.site._registry[model]


def test_a_queued_code_and_the_full_number_stay_hidden() -> None:
    sms = SmsMessage.objects.create(to=MOBILE, body="رمز التحقق: 482913", is_sensitive=True)
    model_admin = _admin(SmsMessage)

    assert "482913" not in model_admin.text(sms)
    assert model_admin.masked_to(sms) == "+9665•••••567"
    assert "to" not in model_admin.get_fields(RequestFactory().get("/"), sms)
    assert "body" not in model_admin.get_fields(RequestFactory().get("/"), sms)


def test_a_finished_sms_shows_its_stored_text() -> None:
    plain = SmsMessage.objects.create(to=MOBILE, body="تم استلام طلبك", status=SmsStatus.SENT)
    redacted = SmsMessage.objects.create(
        to=MOBILE, body=REDACTED_BODY, is_sensitive=True, status=SmsStatus.SENT
    )

    assert _admin(SmsMessage).text(plain) == "تم استلام طلبك"
    assert _admin(SmsMessage).text(redacted) == REDACTED_BODY


@pytest.mark.parametrize("model", [Message, SmsMessage, OutboxSms])
def test_messages_are_not_written_through_the_admin(model: type) -> None:
    request = RequestFactory().get("/")
    model_admin = _admin(model)

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_delete_permission(request) is False
