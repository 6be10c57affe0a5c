from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tenue.reports"
    verbose_name = "États"
