"""Bank rules, the accountant's corrections they learn from, and the rules suggested from them.

`bank.models` imports these models, so that Django and callers find them there; they live apart
to keep that module about accounts and transactions.

Invariants:
- a rule's `conditions` and `actions` are the JSON form of `core.bank_rules` (`rule_to_dict`);
  the services write them only after `rule_from_dict` accepted them and the dossier has the
  accounts, third party and bank account they name;
- rules of a dossier have distinct names and distinct positions (the order they are tried in);
- a transaction has at most one correction, the latest (booking it again replaces it), so that
  three corrections are three different movements;
- a suggestion is made once per correction signature (key, direction, account, rate, third
  party): dismissed, it is not proposed again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tenue.firms.models import Company

DIRECTIONS = [("in", "encaissement"), ("out", "décaissement")]
VAT_RATE = {"max_digits": 5, "decimal_places": 2}


class BankRule(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="bank_rules")
    name = models.CharField("nom", max_length=100)
    position = models.PositiveIntegerField("ordre")
    active = models.BooleanField("active", default=True)
    conditions = models.JSONField("conditions")
    actions = models.JSONField("actions")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "règle bancaire"
        ordering = ["company", "position"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="bank_rule_name_unique"),
            models.UniqueConstraint(
                fields=["company", "position"], name="bank_rule_position_unique"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="bank_rule_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class BankCorrection(models.Model):
    """A waiting transaction the accountant booked by hand: what was chosen for which label.

    (Named apart from `booking.Correction`, the corrections of document bookings.)"""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    transaction = models.OneToOneField(
        "bank.BankTransaction", on_delete=models.CASCADE, related_name="correction"
    )
    label = models.CharField("libellé", max_length=500)
    label_key = models.CharField("libellé normalisé", max_length=200)
    direction = models.CharField("sens", max_length=3, choices=DIRECTIONS)
    account = models.CharField("compte", max_length=20)
    vat_rate = models.DecimalField("taux de TVA", **VAT_RATE)
    aux_number = models.CharField("compte auxiliaire", max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "correction bancaire"
        indexes = [
            models.Index(
                fields=["company", "label_key", "direction"], name="bank_correction_key_idx"
            )
        ]


class SuggestionStatus(models.TextChoices):
    PROPOSED = "proposed", "proposée"
    ACCEPTED = "accepted", "acceptée"
    DISMISSED = "dismissed", "écartée"


class RuleSuggestion(models.Model):
    """A rule proposed after the same correction was made `SUGGEST_AFTER` times."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("nom proposé", max_length=100)
    conditions = models.JSONField("conditions")
    actions = models.JSONField("actions")
    examples = models.JSONField("libellés corrigés", default=list)
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PROPOSED
    )
    # the correction signature the suggestion answers (see BankCorrection)
    label_key = models.CharField(max_length=200)
    direction = models.CharField(max_length=3, choices=DIRECTIONS)
    account = models.CharField(max_length=20)
    vat_rate = models.DecimalField(**VAT_RATE)
    aux_number = models.CharField(max_length=20, blank=True)
    rule = models.ForeignKey(
        BankRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "règle suggérée"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "label_key", "direction", "account", "vat_rate", "aux_number"],
                name="rule_suggestion_signature_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name
