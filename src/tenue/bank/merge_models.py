"""The merges of a historical 512 account into a managed one (see `bank.merge`).

`bank.models` imports these models, so that Django and callers find them there.

Invariants:
- a merge is applied or reversed, and a reversed merge says when and by whom (constraint);
- an applied merge's `carry_entry` is the OD entry that carried the historical balance onto the
  managed account (none when that balance was zero); `carry_reference` keeps its journal and
  number once the entry is gone with the reversal;
- each movement the merge took out as a duplicate has one row, with the history lines it
  duplicates and its state before the merge (`before`: status, explanation, pointage and its
  entry as posted), which is what the reversal puts back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tenue.firms.models import Company

MONEY = {"max_digits": 15, "decimal_places": 2}


class MergeStatus(models.TextChoices):
    APPLIED = "applied", "fusionné"
    REVERSED = "reversed", "fusion annulée"


class BankMerge(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(
        "bank.BankAccount", on_delete=models.PROTECT, related_name="merges"
    )
    historical_account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+"
    )
    cutoff = models.DateField("date de coupure")
    statement = models.ForeignKey(
        "bank.StatementImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proof_date = models.DateField("date de la preuve")
    bank_balance = models.DecimalField("solde bancaire", **MONEY)
    historical_balance = models.DecimalField("solde de l'historique reporté", **MONEY)
    kept_total = models.DecimalField("mouvements conservés", **MONEY)
    carry_entry = models.OneToOneField(
        "ledger.Entry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_merge",
    )
    carry_reference = models.CharField("écriture de report", max_length=40, blank=True)
    moved = models.JSONField("mouvements déplacés par l'utilisateur", default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=MergeStatus.choices, default=MergeStatus.APPLIED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "fusion de comptes bancaires"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="applied", reversed_at__isnull=True)
                | Q(status="reversed", reversed_at__isnull=False),
                name="bank_merge_reversal_dated",
            )
        ]

    def __str__(self) -> str:
        return f"Fusion de {self.historical_account_id} dans {self.bank_account_id}"


class BankMergeDuplicate(models.Model):
    merge = models.ForeignKey(BankMerge, on_delete=models.CASCADE, related_name="duplicates")
    transaction = models.ForeignKey(
        "bank.BankTransaction", on_delete=models.PROTECT, related_name="+"
    )
    historical_lines = models.JSONField("lignes de l'historique", default=list, blank=True)
    duplicate_of = models.CharField("doublon de", max_length=200, blank=True)
    before = models.JSONField("état avant la fusion")

    class Meta:
        verbose_name = "doublon retiré par une fusion"
        constraints = [
            models.UniqueConstraint(
                fields=["merge", "transaction"], name="bank_merge_duplicate_once"
            )
        ]
