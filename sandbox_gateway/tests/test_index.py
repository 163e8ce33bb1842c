"""The index page: what happened, for an integrator."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sandbox_gateway.models import WebhookDelivery
from sandbox_gateway.tests.support import (
    DECLINED_CARD,
    SUCCESS_CARD,
    open_checkout,
    pay,
    returned,
)

pytestmark = pytest.mark.django_db


def test_the_index_lists_checkouts_and_webhook_deliveries(client, settings):
    settings.SANDBOX_GATEWAY_SEND_WEBHOOKS = True
    paid = returned(pay(client, open_checkout(client, reference="paid-one"), SUCCESS_CARD))
    returned(pay(client, open_checkout(client, reference="declined-one"), DECLINED_CARD))
    WebhookDelivery.objects.filter(outcome="paid").update(
        status="delivered", attempts=2, last_status_code=200
    )

    response = client.get("/sandbox-gateway/?lang=en")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sandbox gateway activity" in html
    assert "paid-one" in html
    assert "declined-one" in html
    assert "SAR 150.00" in html
    assert paid["charge_id"] in html
    assert "1111" in html
    assert "0002" in html
    assert "Delivered" in html
    assert "Pending" in html
    assert "http://testserver/api/v1/integrations/card-gateway/webhook" in html


def test_the_index_is_arabic_by_default(client):
    response = client.get("/sandbox-gateway/")

    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "لا توجد عمليات دفع بعد." in html
    assert "لا توجد إشعارات بعد." in html


def test_the_index_reads_the_same_number_of_queries_for_many_rows(client, settings):
    settings.SANDBOX_GATEWAY_SEND_WEBHOOKS = True
    returned(pay(client, open_checkout(client, reference="one"), SUCCESS_CARD))
    with CaptureQueriesContext(connection) as few:
        client.get("/sandbox-gateway/")
    for index in range(5):
        returned(pay(client, open_checkout(client, reference=f"more-{index}"), SUCCESS_CARD))

    with CaptureQueriesContext(connection) as many:
        client.get("/sandbox-gateway/")

    assert len(many) == len(few)
