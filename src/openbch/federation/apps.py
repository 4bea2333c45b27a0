from django.apps import AppConfig, apps


class FederationConfig(AppConfig):
    name = "openbch.federation"
    label = "federation"
    verbose_name = "National nodes and the central clearing-house"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # a copy's record page says where it comes from (web/extensions.py's record sections)
        if apps.is_installed("openbch.web"):
            from openbch.federation.pages import record_origin
            from openbch.web.extensions import register_record_section

            register_record_section(record_origin)
