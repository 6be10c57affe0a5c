from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tenue.web"
    verbose_name = "Application web"
