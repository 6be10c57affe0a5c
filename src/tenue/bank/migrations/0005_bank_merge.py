# Written by hand for issue #6 point 8 (the merge assistant): BankMerge and BankMergeDuplicate
# only (bank.merge_models), checked against `makemigrations --dry-run`.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bank", "0004_bank_rules"),
        ("firms", "0001_initial"),
        ("ledger", "0002_fiscal_year_locked_until"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BankMerge",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("cutoff", models.DateField(verbose_name="date de coupure")),
                ("proof_date", models.DateField(verbose_name="date de la preuve")),
                (
                    "bank_balance",
                    models.DecimalField(
                        decimal_places=2, max_digits=15, verbose_name="solde bancaire"
                    ),
                ),
                (
                    "historical_balance",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=15,
                        verbose_name="solde de l'historique reporté",
                    ),
                ),
                (
                    "kept_total",
                    models.DecimalField(
                        decimal_places=2, max_digits=15, verbose_name="mouvements conservés"
                    ),
                ),
                (
                    "carry_reference",
                    models.CharField(blank=True, max_length=40, verbose_name="écriture de report"),
                ),
                (
                    "moved",
                    models.JSONField(
                        blank=True,
                        default=list,
                        verbose_name="mouvements déplacés par l'utilisateur",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("applied", "fusionné"), ("reversed", "fusion annulée")],
                        default="applied",
                        max_length=10,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("reversed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "bank_account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="merges",
                        to="bank.bankaccount",
                    ),
                ),
                (
                    "carry_entry",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bank_merge",
                        to="ledger.entry",
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
                    "historical_account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ledger.account",
                    ),
                ),
                (
                    "reversed_by",
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
                "verbose_name": "fusion de comptes bancaires",
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("reversed_at__isnull", True), ("status", "applied")),
                            models.Q(("reversed_at__isnull", False), ("status", "reversed")),
                            _connector="OR",
                        ),
                        name="bank_merge_reversal_dated",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="BankMergeDuplicate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "historical_lines",
                    models.JSONField(
                        blank=True, default=list, verbose_name="lignes de l'historique"
                    ),
                ),
                (
                    "duplicate_of",
                    models.CharField(blank=True, max_length=200, verbose_name="doublon de"),
                ),
                ("before", models.JSONField(verbose_name="état avant la fusion")),
                (
                    "merge",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="duplicates",
                        to="bank.bankmerge",
                    ),
                ),
                (
                    "transaction",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="bank.banktransaction",
                    ),
                ),
            ],
            options={
                "verbose_name": "doublon retiré par une fusion",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("merge", "transaction"), name="bank_merge_duplicate_once"
                    )
                ],
            },
        ),
    ]
