"""Axes (e.g. Activité, Site, Projet), their tags, the splits of entry lines across tags
(ventilation), the tags a document carries until its entry exists, and the analytic rules.

Invariants the database keeps:
- axis names are unique per dossier, tag names per axis;
- a line's split always holds its `amount` on the line (non-negative); a split asked as a
  percentage keeps that `percent` too (0 < percent ≤ 100), and its amount is what the percentage
  gives (`services` recomputes it; see `ventilation.percent_amounts`);
- a document's split is an amount or a percentage, never both (no line to measure it against
  yet);
- a rule has at least one condition, and its shares are percentages.
What spans rows (the percentages of one axis on one line never above 100 %, an axis in use never
deleted) is the services' work; the amounts of one axis above a line's are *allowed* and shown in
error (`selectors.tags_in_error`) until fixed.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from tenue.documents.models import Document
from tenue.firms.models import Company
from tenue.ledger.models import Line, ThirdParty

MONEY = {"max_digits": 15, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}


class Axis(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="axes")
    name = models.CharField("nom", max_length=60)

    class Meta:
        verbose_name = "axe"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="axis_unique")]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    axis = models.ForeignKey(Axis, on_delete=models.PROTECT, related_name="tags")
    name = models.CharField("nom", max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["axis", "name"], name="tag_unique")]

    def __str__(self) -> str:
        return f"{self.axis.name}:{self.name}"


class SplitOrigin(models.TextChoices):
    MANUAL = "manual", "Saisie"
    DOCUMENT = "document", "Pièce"
    RULE = "rule", "Règle analytique"
    BANK_RULE = "bank_rule", "Règle bancaire"
    IMPORT = "import", "Import"


class Split(models.Model):
    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="splits")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="splits")
    amount = models.DecimalField(**MONEY)
    percent = models.DecimalField(**PERCENT, null=True, blank=True)
    origin = models.CharField(
        max_length=10, choices=SplitOrigin.choices, default=SplitOrigin.IMPORT
    )
    rule = models.ForeignKey(
        "AnalyticRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="splits"
    )

    class Meta:
        verbose_name = "ventilation"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="split_amount_positive"),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | (Q(percent__gt=0) & Q(percent__lte=100)),
                name="split_percent_range",
            ),
        ]


class DocumentSplit(models.Model):
    """A tag given to a document before its entry exists; moved onto the entry's lines when the
    document is booked (`services.document_tags_carry`)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="splits")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="document_splits")
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    percent = models.DecimalField(**PERCENT, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "ventilation d'une pièce"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=False, percent__isnull=True)
                | Q(amount__isnull=True, percent__isnull=False),
                name="document_split_amount_or_percent",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="document_split_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | (Q(percent__gt=0) & Q(percent__lte=100)),
                name="document_split_percent_range",
            ),
            models.UniqueConstraint(fields=["document", "tag"], name="document_split_once"),
        ]


class AnalyticRule(models.Model):
    """When an entry's line meets every condition given (account prefix, third party, words of
    the label, amount range of the entry), its amount is split across tags of one axis."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="analytic_rules")
    name = models.CharField("nom", max_length=100)
    priority = models.PositiveIntegerField("ordre", default=0)
    axis = models.ForeignKey(Axis, on_delete=models.PROTECT, related_name="rules")
    account_prefix = models.CharField("compte commençant par", max_length=20, blank=True)
    third_party = models.ForeignKey(
        ThirdParty, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    label_contains = models.CharField("libellé contenant", max_length=100, blank=True)
    amount_min = models.DecimalField("montant à partir de", **MONEY, null=True, blank=True)
    amount_max = models.DecimalField("montant jusqu'à", **MONEY, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "règle analytique"
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(account_prefix="")
                | Q(third_party__isnull=False)
                | ~Q(label_contains="")
                | Q(amount_min__isnull=False)
                | Q(amount_max__isnull=False),
                name="analytic_rule_has_condition",
            ),
            models.CheckConstraint(
                condition=Q(amount_min__isnull=True)
                | Q(amount_max__isnull=True)
                | Q(amount_min__lte=F("amount_max")),
                name="analytic_rule_amount_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AnalyticRuleShare(models.Model):
    rule = models.ForeignKey(AnalyticRule, on_delete=models.CASCADE, related_name="shares")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="rule_shares")
    percent = models.DecimalField(**PERCENT)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100), name="rule_share_percent_range"
            ),
            models.UniqueConstraint(fields=["rule", "tag"], name="rule_share_once"),
        ]
