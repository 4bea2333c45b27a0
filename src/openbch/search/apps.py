from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "openbch.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # the search index is a consumer of the change log, as the records core knows no feature
        from openbch.records.consumers import register_consumer
        from openbch.search.live import apply_new_events

        register_consumer("search", apply_new_events)
