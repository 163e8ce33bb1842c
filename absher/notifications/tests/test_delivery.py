from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from absher.core.errors import InvalidInput
from absher.identity.models import Person
from absher.notifications import tasks
from absher.notifications.constants import REDACTED_BODY, SMS_FINAL_STATUSES, SmsStatus
from absher.notifications.gateways.base import PermanentGatewayError, TransientGatewayError
from absher.notifications.models import OutboxSms, SmsMessage
from absher.notifications.services import sms_send
from absher.notifications.tests.conftest import ScriptedGateway

pytestmark = pytest.mark.django_db

MOBILE = "+966501234567"
OTP_TEXT = "رمز التحقق: 482913"


def _send(capture: Callable[..., Any], **fields: Any) -> SmsMessage:
    values: dict[str, Any] = {"to": MOBILE, "text": "مرحبا"}
    values.update(fields)
    with capture(execute=True):
        sms = sms_send(**values)
    sms.refresh_from_db()
    return sms


def _run_in_worker(sms_id: int, *, retries: int) -> str:
    """Run the task body as a worker would (not eager), on its `retries + 1`th attempt."""
    tasks.deliver_sms.push_request(retries=retries, is_eager=False)
    try:
        return str(tasks.deliver_sms.run(sms_id))
    finally:
        tasks.deliver_sms.pop_request()


def test_nothing_is_sent_before_the_callers_transaction_commits(
    django_capture_on_commit_callbacks: Callable[..., Any],
    scripted_gateway: type[ScriptedGateway],
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sms = sms_send(to=MOBILE, text="مرحبا")

    assert len(callbacks) == 1
    assert scripted_gateway.calls == []
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (SmsStatus.QUEUED, 0)


def test_delivers_after_two_transient_failures_exactly_once(
    django_capture_on_commit_callbacks: Callable[..., Any],
    scripted_gateway: type[ScriptedGateway],
    person: Person,
) -> None:
    # given a gateway that times out twice, then works
    scripted_gateway.script = [TransientGatewayError("timeout"), TransientGatewayError("http 503")]

    # when an SMS is sent (eager Celery: the retries run in place)
    sms = _send(django_capture_on_commit_callbacks, person=person)

    # then it was delivered once, on the third attempt
    assert len(scripted_gateway.calls) == 3
    outbox = list(OutboxSms.objects.all())
    assert [(row.to, row.body) for row in outbox] == [(MOBILE, "مرحبا")]
    assert sms.status == SmsStatus.SENT
    assert sms.attempts == 3
    assert sms.provider_message_id == f"outbox-{outbox[0].pk}"
    assert sms.gateway == "scripted"
    assert sms.last_error == ""
    assert sms.sent_at is not None
    assert sms.failed_at is None
    assert sms.person == person


def test_a_permanent_failure_is_not_retried(
    django_capture_on_commit_callbacks: Callable[..., Any],
    scripted_gateway: type[ScriptedGateway],
) -> None:
    scripted_gateway.script = [PermanentGatewayError("http 400")]

    sms = _send(django_capture_on_commit_callbacks)

    assert len(scripted_gateway.calls) == 1
    assert not OutboxSms.objects.exists()
    assert (sms.status, sms.attempts) == (SmsStatus.FAILED, 1)
    assert sms.last_error == "refused: http 400"
    assert sms.failed_at is not None
    assert sms.sent_at is None


def test_exhausted_retries_mark_the_sms_failed(
    django_capture_on_commit_callbacks: Callable[..., Any],
    scripted_gateway: type[ScriptedGateway],
    settings: Any,
) -> None:
    # given two retries allowed and a gateway that never recovers
    settings.SMS_MAX_RETRIES = 2
    scripted_gateway.script = [TransientGatewayError("http 503")] * 10

    sms = _send(django_capture_on_commit_callbacks)

    # then the first attempt and two retries, and no more
    assert len(scripted_gateway.calls) == 3
    assert not OutboxSms.objects.exists()
    assert (sms.status, sms.attempts) == (SmsStatus.FAILED, 3)
    assert sms.last_error == "retries exhausted: http 503"


def test_a_duplicate_task_does_not_send_again(
    django_capture_on_commit_callbacks: Callable[..., Any],
    scripted_gateway: type[ScriptedGateway],
) -> None:
    # given a delivered SMS
    sms = _send(django_capture_on_commit_callbacks)
    assert sms.status == SmsStatus.SENT

    # when its task runs again (a redelivered broker message)
    result = tasks.deliver_sms.delay(sms.pk)

    # then nothing more is sent and the row is as it was
    assert result.get() == "skipped"
    assert len(scripted_gateway.calls) == 1
    assert OutboxSms.objects.count() == 1
    again = SmsMessage.objects.get(pk=sms.pk)
    assert (again.status, again.attempts, again.sent_at) == (sms.status, 1, sms.sent_at)


def test_a_failed_sms_is_not_retried_by_a_duplicate_task(
    django_capture_on_commit_callbacks: Callable[..., Any],
    scripted_gateway: type[ScriptedGateway],
) -> None:
    scripted_gateway.script = [PermanentGatewayError("http 400")]
    sms = _send(django_capture_on_commit_callbacks)

    assert tasks.deliver_sms.delay(sms.pk).get() == "skipped"
    assert len(scripted_gateway.calls) == 1
    assert SmsMessage.objects.get(pk=sms.pk).status == SmsStatus.FAILED


def test_a_missing_sms_is_skipped(scripted_gateway: type[ScriptedGateway]) -> None:
    assert tasks.deliver_sms.delay(987654).get() == "skipped"
    assert scripted_gateway.calls == []


def test_a_sensitive_text_is_redacted_once_sent(
    django_capture_on_commit_callbacks: Callable[..., Any],
    scripted_gateway: type[ScriptedGateway],
) -> None:
    sms = _send(django_capture_on_commit_callbacks, text=OTP_TEXT, is_sensitive=True)

    # the gateway got the code, the development phone shows it, the SMS row no longer holds it
    assert scripted_gateway.calls == [{"to": MOBILE, "text": OTP_TEXT, "is_sensitive": True}]
    assert OutboxSms.objects.get().body == OTP_TEXT
    assert sms.status == SmsStatus.SENT
    assert sms.body == REDACTED_BODY


def test_a_sensitive_text_is_redacted_once_delivery_fails(
    django_capture_on_commit_callbacks: Callable[..., Any],
    scripted_gateway: type[ScriptedGateway],
) -> None:
    scripted_gateway.script = [PermanentGatewayError("http 400")]

    sms = _send(django_capture_on_commit_callbacks, text=OTP_TEXT, is_sensitive=True)

    assert sms.status == SmsStatus.FAILED
    assert sms.body == REDACTED_BODY


def test_a_sensitive_text_is_kept_while_a_retry_is_pending(
    scripted_gateway: type[ScriptedGateway], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a queued OTP whose first attempt fails transiently (retry intercepted: a worker
    # would run it later)
    sms = SmsMessage.objects.create(to=MOBILE, body=OTP_TEXT, is_sensitive=True)
    scripted_gateway.script = [TransientGatewayError("timeout")]
    retries: list[dict[str, Any]] = []

    class RetryLater(Exception):
        pass

    def retry(**options: Any) -> None:
        retries.append(options)
        raise RetryLater

    monkeypatch.setattr(tasks.deliver_sms, "retry", retry)

    with pytest.raises(RetryLater):
        _run_in_worker(sms.pk, retries=0)

    # then the code is still there for the next attempt
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.body) == (SmsStatus.QUEUED, 1, OTP_TEXT)
    assert sms.last_error == "timeout"
    assert len(retries) == 1


def test_a_plain_text_is_kept_after_sending(
    django_capture_on_commit_callbacks: Callable[..., Any],
    scripted_gateway: type[ScriptedGateway],
) -> None:
    sms = _send(django_capture_on_commit_callbacks, text="تم استلام طلبك")

    assert sms.body == "تم استلام طلبك"


def test_retries_wait_exponentially_longer(
    scripted_gateway: type[ScriptedGateway], monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    # given a 10-second base and a task on its third run (two retries so far)
    settings.SMS_RETRY_BACKOFF_SECONDS = 10
    settings.SMS_MAX_RETRIES = 5
    sms = SmsMessage.objects.create(to=MOBILE, body="مرحبا")
    scripted_gateway.script = [TransientGatewayError("timeout")]
    retries: list[dict[str, Any]] = []

    class RetryLater(Exception):
        pass

    def retry(**options: Any) -> None:
        retries.append(options)
        raise RetryLater

    monkeypatch.setattr(tasks.deliver_sms, "retry", retry)

    with pytest.raises(RetryLater):
        _run_in_worker(sms.pk, retries=2)

    assert retries == [{"countdown": 40, "max_retries": 5}]


@pytest.mark.parametrize(("retries", "seconds"), [(0, 10), (1, 20), (3, 80), (12, 3600)])
def test_retry_countdown_doubles_up_to_an_hour(settings: Any, retries: int, seconds: int) -> None:
    settings.SMS_RETRY_BACKOFF_SECONDS = 10
    assert tasks.retry_countdown(retries) == seconds


@pytest.mark.parametrize("written", ["0501234567", "+966501234567", "00966501234567", "٠٥٠١٢٣٤٥٦٧"])
def test_numbers_are_stored_in_e164(
    django_capture_on_commit_callbacks: Callable[..., Any], written: str
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        sms = sms_send(to=written, text="مرحبا")
    assert sms.to == MOBILE


@pytest.mark.parametrize("written", ["", "12345", "+14155550100", "0112345678"])
def test_an_invalid_number_is_refused(written: str) -> None:
    with pytest.raises(InvalidInput) as refusal:
        sms_send(to=written, text="مرحبا")
    assert refusal.value.code == "invalid_mobile"
    assert not SmsMessage.objects.exists()


def test_sent_and_failed_are_final() -> None:
    assert {SmsStatus.SENT, SmsStatus.FAILED} == SMS_FINAL_STATUSES
