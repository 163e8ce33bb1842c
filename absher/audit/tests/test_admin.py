from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from absher.audit.models import AuditEvent
from absher.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_the_admin_shows_the_log_read_only() -> None:
    event = audit_record(action="test.shown", actor_type="system")
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/")

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, event) is False
    assert model_admin.has_delete_permission(request, event) is False
    assert set(model_admin.get_readonly_fields(request, event)) == {
        field.name for field in AuditEvent._meta.fields
    }
