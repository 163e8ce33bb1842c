from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from absher.identity.models import Person
from absher.identity.rules import id_number_with_check_digit
from absher.notifications.gateways import registry
from absher.notifications.gateways.base import GatewayError
from absher.notifications.gateways.outbox import OutboxGateway

_serial = itertools.count(1)


@pytest.fixture
def make_person(db: None) -> Callable[..., Person]:
    def make(**overrides: object) -> Person:
        n = next(_serial)
        fields: dict[str, object] = {
            "id_number": id_number_with_check_digit(f"2{n:08d}"),
            "id_type": "resident",
            "name_ar": "أحمد خان",
            "name_en": "Ahmed Khan",
            "gender": "M",
            "nationality": "PK",
            "date_of_birth": dt.date(1992, 5, 17),
            "mobile": f"+96655{n:07d}",
        }
        fields.update(overrides)
        return Person.objects.create(**fields)

    return make


@pytest.fixture
def person(make_person: Callable[..., Person]) -> Person:
    return make_person()


class ScriptedGateway(OutboxGateway):
    """The outbox gateway, failing first as scripted: each call takes the next entry of `script`
    (an error to raise, or None to deliver); an empty script delivers."""

    name = "scripted"
    script: ClassVar[list[GatewayError | None]] = []
    calls: ClassVar[list[dict[str, Any]]] = []

    def send(
        self, *, to: str, text: str, is_sensitive: bool = False, idempotency_key: str = ""
    ) -> str:
        type(self).calls.append({"to": to, "text": text, "is_sensitive": is_sensitive})
        if self.script:
            failure = self.script.pop(0)
            if failure is not None:
                raise failure
        return super().send(to=to, text=text, is_sensitive=is_sensitive)


@pytest.fixture
def scripted_gateway(monkeypatch: pytest.MonkeyPatch, settings: Any) -> type[ScriptedGateway]:
    monkeypatch.setitem(registry.GATEWAYS, ScriptedGateway.name, ScriptedGateway)
    monkeypatch.setattr(ScriptedGateway, "script", [])
    monkeypatch.setattr(ScriptedGateway, "calls", [])
    settings.SMS_GATEWAY = ScriptedGateway.name
    return ScriptedGateway
