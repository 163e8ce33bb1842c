"""Development-only views: the outbox gateway's "phone". Mounted under /dev/ only when
settings.DEV_ENDPOINTS is true (never in production), and refusing to answer otherwise too."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from absher.core.errors import InvalidInput
from absher.identity.rules import mobile_parse
from absher.notifications.selectors import outbox_for


@never_cache
@require_GET
def sms_outbox(request: HttpRequest) -> JsonResponse:
    """`GET /dev/sms-outbox.json?to=<mobile>` → `{"items": [{"to", "text", "sent_at"}, ...]}`,
    newest first. `to` may be written +9665…, 009665…, 05… or 5…."""
    if not settings.DEV_ENDPOINTS:
        raise Http404
    try:
        number = mobile_parse(request.GET.get("to", ""))
    except InvalidInput as exc:
        return JsonResponse(
            {"code": exc.code, "message": str(exc.message), "details": {"field": "to"}},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    items = [
        {"to": sms.to, "text": sms.body, "sent_at": sms.created_at.isoformat()}
        for sms in outbox_for(to=number)
    ]
    return JsonResponse({"items": items}, json_dumps_params={"ensure_ascii": False})
