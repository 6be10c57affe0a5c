from django.apps import AppConfig


class BankConfig(AppConfig):
    name = "tenue.bank"
    verbose_name = "Banque"

    def ready(self) -> None:
        from tenue.bank import connections  # noqa: F401 - registers the bank_sync task
        from tenue.bank.closing import banks_reconciled
        from tenue.ledger.closing import register_check

        register_check("rapprochement bancaire", banks_reconciled)
