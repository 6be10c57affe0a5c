from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "tenue.assets"
    label = "assets"
    verbose_name = "Immobilisations, emprunts et crédits-bail"
