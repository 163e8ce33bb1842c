"""Development endpoints, included at /dev/ by config.urls only when settings.DEV_ENDPOINTS."""

from django.urls import URLPattern, path

from absher.notifications import dev_views

urlpatterns: list[URLPattern] = [
    path("sms-outbox.json", dev_views.sms_outbox, name="dev_sms_outbox"),
]
