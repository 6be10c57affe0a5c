"""VAT persistence: the dossier's VAT settings and the record of each settled return.

- `VatSettings`: one per dossier (defaults apply while it has none): when collected VAT on
  services falls due (on receipts, the rule; or on debits, by option), the revenue accounts of
  export sales (E1) and the journal of the settlement entries. The filing frequency is the
  dossier's `Company.vat_regime` (firms app).
- `VatSettlement`: a return whose settlement entry was posted. One per dossier and start date
  (a constraint); no two settled periods of a dossier overlap (`services.vat_settlement_post`
  checks it under the dossier's lock, since a constraint cannot say it on SQLite).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from tenue.firms.models import Company
from tenue.ledger.models import Entry


class ServicesExigibility(models.TextChoices):
    RECEIPTS = "receipts", "Sur les encaissements (règle des prestations de services)"
    DEBITS = "debits", "Sur les débits (option)"


class VatSettings(models.Model):
    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="vat_settings")
    services_exigibility = models.CharField(
        "exigibilité de la TVA sur les prestations",
        max_length=10,
        choices=ServicesExigibility.choices,
        default=ServicesExigibility.RECEIPTS,
    )
    export_accounts = models.JSONField(
        "comptes de ventes à l'exportation",
        default=list,
        blank=True,
        help_text="préfixes des comptes de produits des ventes hors UE (ligne E1)",
    )
    settlement_journal = models.CharField(
        "journal des écritures de liquidation", max_length=10, default="OD"
    )

    class Meta:
        verbose_name = "paramètres de TVA"


class VatForm(models.TextChoices):
    CA3 = "CA3", "CA3"
    CA12 = "CA12", "CA12"


class VatSettlement(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="vat_settlements")
    form = models.CharField(max_length=4, choices=VatForm.choices)
    start = models.DateField("début de période")
    end = models.DateField("fin de période")
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="vat_settlement")
    declared = models.JSONField("montants déclarés", default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "liquidation de TVA"
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="vat_settlement_period"),
            models.UniqueConstraint(fields=["company", "start"], name="vat_settlement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.form} {self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"
