from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from absher.api.v1 import api as api_v1
from absher.core import health, metrics

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api_v1.urls),
    path("backoffice/", include("absher.backoffice.urls")),
    path("django-admin/", admin.site.urls),
    path("", include("absher.portal.urls")),
]

if settings.SANDBOX_GATEWAY_ENABLED:
    urlpatterns.insert(0, path("sandbox-gateway/", include("sandbox_gateway.urls")))

if settings.DEV_ENDPOINTS:
    urlpatterns.insert(0, path("dev/", include("absher.notifications.dev_urls")))

handler404 = "absher.api.errors.handler404"
handler500 = "absher.api.errors.handler500"
