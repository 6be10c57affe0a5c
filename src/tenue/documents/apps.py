from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tenue.documents"
    verbose_name = "Pièces"
