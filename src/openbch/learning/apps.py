from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "openbch.learning"
    label = "learning"
    verbose_name = "E-learning"
    default_auto_field = "django.db.models.BigAutoField"
