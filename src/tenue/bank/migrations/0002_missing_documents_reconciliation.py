# Written for issue #6 (missing documents, reconciliation statements); made by makemigrations.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bank", "0001_initial"),
        ("documents", "0001_initial"),
        ("firms", "0001_initial"),
        ("ledger", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="banktransaction",
            name="document",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="bank_transactions",
                to="documents.document",
                verbose_name="pièce",
            ),
        ),
        migrations.CreateModel(
            name="MissingDocumentRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("recipients", models.JSONField(default=list, verbose_name="destinataires")),
                ("reply_to", models.CharField(max_length=254, verbose_name="adresse de réponse")),
                ("subject", models.CharField(max_length=255, verbose_name="objet")),
                ("lines", models.JSONField(default=list, verbose_name="lignes demandées")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="envoyée le")),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="missing_document_requests",
                        to="firms.company",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "demande de pièces manquantes",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="OpenItemDocument",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="firms.company",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="documents.document",
                    ),
                ),
                (
                    "line",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="supporting_document",
                        to="ledger.line",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="BankReconciliation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField(verbose_name="date")),
                ("statement_date", models.DateField(verbose_name="date du solde bancaire")),
                (
                    "bank_balance_source",
                    models.CharField(
                        choices=[
                            ("statement", "relevé importé"),
                            ("user", "saisi par l'utilisateur"),
                        ],
                        max_length=10,
                        verbose_name="origine du solde bancaire",
                    ),
                ),
                (
                    "ledger_balance",
                    models.DecimalField(
                        decimal_places=2, max_digits=15, verbose_name="solde comptable"
                    ),
                ),
                (
                    "bank_balance",
                    models.DecimalField(
                        decimal_places=2, max_digits=15, verbose_name="solde bancaire"
                    ),
                ),
                (
                    "items_total",
                    models.DecimalField(
                        decimal_places=2, max_digits=15, verbose_name="total des suspens"
                    ),
                ),
                (
                    "gap",
                    models.DecimalField(
                        decimal_places=2, max_digits=15, verbose_name="écart inexpliqué"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("balanced", "rapproché au centime"), ("gap", "écart inexpliqué")],
                        max_length=10,
                    ),
                ),
                ("items", models.JSONField(default=list, verbose_name="suspens")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "bank_account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reconciliations",
                        to="bank.bankaccount",
                    ),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="firms.company",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "statement",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="bank.statementimport",
                    ),
                ),
            ],
            options={
                "verbose_name": "état de rapprochement",
                "ordering": ["-date", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("gap", 0), ("status", "balanced")),
                            models.Q(("status", "gap"), models.Q(("gap", 0), _negated=True)),
                            _connector="OR",
                        ),
                        name="bank_reconciliation_status_matches_gap",
                    )
                ],
            },
        ),
    ]
