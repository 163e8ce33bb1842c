from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "absher.core"
    label = "core"
