from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "absher.core"
    label = "core"

    def ready(self) -> None:
        # In every process that changes accounts (app servers and Celery workers alike): a change
        # drops the cached copy of the account (see auth_cache).
        from absher.core import auth_cache

        auth_cache.signals_connect()
