from __future__ import annotations

from absher.notifications.gateways.base import SmsGateway
from absher.notifications.models import OutboxSms


class OutboxGateway(SmsGateway):
    """The development and test "phone": every SMS becomes an `OutboxSms` row, read back through
    `GET /dev/sms-outbox.json`. Written in the delivering transaction, so a delivery that rolls
    back leaves no message behind."""

    name = "outbox"

    def send(
        self, *, to: str, text: str, is_sensitive: bool = False, idempotency_key: str = ""
    ) -> str:
        row = OutboxSms.objects.create(to=to, body=text)
        return f"outbox-{row.pk}"
