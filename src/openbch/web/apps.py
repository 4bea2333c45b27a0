from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "openbch.web"
    label = "web"
    verbose_name = "Web interface"
