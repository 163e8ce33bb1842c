from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "absher.portal"
    label = "portal"
