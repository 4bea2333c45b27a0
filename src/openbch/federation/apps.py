from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "openbch.federation"
    label = "federation"
    verbose_name = "National nodes and the central clearing-house"
    default_auto_field = "django.db.models.BigAutoField"
