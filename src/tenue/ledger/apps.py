from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "tenue.ledger"
    verbose_name = "Comptabilité"

    def ready(self) -> None:
        from tenue.ledger import tasks  # noqa: F401 - registers the tasks
