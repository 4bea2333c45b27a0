from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "openbch.notifications"
    label = "notifications"
    verbose_name = "Subscriptions and e-mail notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # fed by the records change log like search is: a nudge after each publication's commit
        from django.apps import apps

        from openbch.notifications.fanout import nudge
        from openbch.participation.events import register_event_consumer
        from openbch.records.consumers import register_consumer

        register_consumer("notifications", nudge)
        register_event_consumer("notifications", nudge)
        if apps.is_installed("openbch.web"):
            from openbch.notifications.pages import lmo_follow_section
            from openbch.web.extensions import register_record_section

            register_record_section(lmo_follow_section)
