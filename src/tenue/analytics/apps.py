from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "tenue.analytics"
    verbose_name = "Analytique"
