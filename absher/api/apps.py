from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "absher.api"
    label = "api"
