from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "tenue.ledger"
    verbose_name = "Comptabilité"
