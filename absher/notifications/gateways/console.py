from __future__ import annotations

import logging
import uuid

from absher.identity.rules import mobile_masked
from absher.notifications.gateways.base import SmsGateway

logger = logging.getLogger("absher.sms")


class ConsoleGateway(SmsGateway):
    """Writes each SMS to the "absher.sms" log instead of sending it. The number is masked and a
    sensitive text is left out, because logs are shipped and kept where codes must not be."""

    name = "console"

    def send(
        self, *, to: str, text: str, is_sensitive: bool = False, idempotency_key: str = ""
    ) -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        logger.info(
            "sms.console",
            extra={
                "to": mobile_masked(to),
                "text": "" if is_sensitive else text,
                "is_sensitive": is_sensitive,
                "provider_message_id": message_id,
            },
        )
        return message_id
