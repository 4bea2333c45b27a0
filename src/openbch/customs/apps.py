from django.apps import AppConfig


class CustomsConfig(AppConfig):
    name = "openbch.customs"
    label = "customs"
    verbose_name = "Customs and border officers"
