from django.apps import AppConfig, apps


class InteropConfig(AppConfig):
    name = "openbch.interop"
    label = "interop"
    verbose_name = "Interoperability with external databases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openbch.interop.profile import other_databases
        from openbch.records.lmo_profile import register_profile_section

        # what external databases say about an LMO, in its profile (API and pages)
        register_profile_section("other_databases", other_databases)
        # the LMO page's "Information from other databases", when there are web pages at all
        if apps.is_installed("openbch.web"):
            from openbch.interop.pages import external_information
            from openbch.web.extensions import register_other_database

            register_other_database(external_information)
