from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "tenue.booking"
    verbose_name = "Saisie des pièces"

    def ready(self) -> None:
        from tenue.booking import tasks  # noqa: F401 - registers the tasks
        from tenue.booking.closing import documents_reviewed
        from tenue.ledger.closing import register_check

        register_check("pièces à revoir", documents_reviewed)
