"""An SMS whose hand-off to the broker was lost (the process died between the commit and the
enqueue) is queued again by the periodic sweep, once it is old enough; SMS that are being tried,
are fresh or are done are left alone."""

from __future__ import annotations

import datetime as dt

import pytest

from absher.accounts.tests.support import T0
from absher.notifications import tasks
from absher.notifications.constants import SmsStatus
from absher.notifications.models import SmsMessage
from absher.notifications.services import sms_redispatch_stale, sms_send

pytestmark = pytest.mark.django_db


def queued(django_capture_on_commit_callbacks, text: str) -> SmsMessage:
    with django_capture_on_commit_callbacks(execute=False):  # the hand-off is lost
        return sms_send(to="0551112233", text=text)


def test_only_old_never_tried_queued_sms_are_handed_out_again(
    settings, moved_clock, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SMS_REDISPATCH_AFTER_SECONDS = 300
    handed: list[int] = []
    monkeypatch.setattr(tasks.deliver_sms, "delay", lambda sms_id: handed.append(sms_id))
    moved_clock(T0)
    lost = queued(django_capture_on_commit_callbacks, "lost hand-off")
    retrying = queued(django_capture_on_commit_callbacks, "waiting for its retry")
    SmsMessage.objects.filter(pk=retrying.pk).update(attempts=1, last_error="http 503")
    done = queued(django_capture_on_commit_callbacks, "sent")
    SmsMessage.objects.filter(pk=done.pk).update(status=SmsStatus.SENT, attempts=1)
    moved_clock(T0 + dt.timedelta(seconds=299))
    queued(django_capture_on_commit_callbacks, "fresh")

    # not yet old enough
    assert sms_redispatch_stale() == 0
    assert handed == []

    moved_clock(T0 + dt.timedelta(seconds=300))
    assert sms_redispatch_stale() == 1
    assert handed == [lost.pk]
