from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "tenue.firms"
    verbose_name = "Cabinets et dossiers"
