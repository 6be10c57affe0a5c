"""Axes (e.g. Activité, Site, Projet), their tags, and splits of a line across tags.

A split gives a tag either an amount or a percentage of the line (never both). The rules on
splits (percentages up to 100 %, amounts up to the line's) are the analytics services' work.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tenue.firms.models import Company
from tenue.ledger.models import Line

MONEY = {"max_digits": 15, "decimal_places": 2}


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


class Split(models.Model):
    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="splits")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="splits")
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "ventilation"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=False, percent__isnull=True)
                | Q(amount__isnull=True, percent__isnull=False),
                name="split_amount_or_percent",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="split_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | (Q(percent__gt=0) & Q(percent__lte=100)),
                name="split_percent_range",
            ),
        ]
