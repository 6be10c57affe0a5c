# Written for issue #6 point 5 (matching and lettering of bank transactions); made by makemigrations.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bank", "0002_missing_documents_reconciliation"),
    ]

    operations = [
        migrations.AddField(
            model_name="banksettings",
            name="match_threshold",
            field=models.PositiveSmallIntegerField(
                default=90,
                help_text="au-dessus, le mouvement est lettré sans revue ; 101 : jamais",
                verbose_name="seuil de lettrage automatique (%)",
            ),
        ),
        migrations.AddField(
            model_name="banktransaction",
            name="match",
            field=models.JSONField(blank=True, default=dict, verbose_name="pointage"),
        ),
        migrations.AddConstraint(
            model_name="banksettings",
            constraint=models.CheckConstraint(
                condition=models.Q(("match_threshold__lte", 101)),
                name="bank_match_threshold_percent",
            ),
        ),
    ]
