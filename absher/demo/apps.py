from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Interface only: the `load_demo` command that fills an embedded platform with demo data by
    calling each domain app's own demo loader."""

    name = "absher.demo"
    label = "demo"
