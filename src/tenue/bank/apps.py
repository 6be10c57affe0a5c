from django.apps import AppConfig


class BankConfig(AppConfig):
    name = "tenue.bank"
    verbose_name = "Banque"
