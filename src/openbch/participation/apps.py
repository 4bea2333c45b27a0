from django.apps import AppConfig, apps


class ParticipationConfig(AppConfig):
    name = "openbch.participation"
    label = "participation"
    verbose_name = "Public participation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openbch.participation.services import lmo_comment_periods
        from openbch.records.lmo_profile import register_profile_section

        # the comment periods held on an LMO's decisions, in its profile (GET /api/v1/lmos/{id})
        register_profile_section("comment_periods", lmo_comment_periods)
        # and where people look on the pages: the decision, its LMO, the country profile
        if apps.is_installed("openbch.web"):
            from openbch.participation.pages import (
                comment_periods_found,
                comment_periods_noted,
                country_comment_periods,
                record_comment_periods,
            )
            from openbch.web.extensions import (
                register_country_section,
                register_record_section,
                register_search_notes,
                register_search_panel,
            )

            register_record_section(record_comment_periods)
            register_country_section(country_comment_periods)
            # and in search: under the decisions and LMOs found, and above the results
            register_search_notes(comment_periods_noted)
            register_search_panel(comment_periods_found)
