from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """Interface only: staff web pages (officers, authority clerks, call-centre agents,
    administrators), each role seeing only its own work."""

    name = "absher.backoffice"
    label = "backoffice"
