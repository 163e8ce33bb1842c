from django.apps import AppConfig


class SandboxGatewayConfig(AppConfig):
    name = "sandbox_gateway"
    verbose_name = "Sandbox card gateway"
    default_auto_field = "django.db.models.BigAutoField"
