"""A bank account's connection through a PSD2 aggregator (see `tenue.bank.connectors`)."""

from __future__ import annotations

from django.db import models

from tenue.firms.models import Company


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", "active"
    EXPIRED = "expired", "consentement expiré"
    REVOKED = "revoked", "révoquée"


class BankConnection(models.Model):
    """Where the transactions of a bank account are pulled from: the aggregator, the consent
    the account holder gave (it expires after 90 or 180 days) and the aggregator's account id.
    The aggregator's secrets are settings (environment), never stored here."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    bank_account = models.OneToOneField(
        "bank.BankAccount", on_delete=models.PROTECT, related_name="connection"
    )
    provider = models.CharField("agrégateur", max_length=20, default="gocardless")
    institution = models.CharField("banque", max_length=100, blank=True)
    consent_id = models.CharField("consentement", max_length=100)
    remote_account_id = models.CharField("compte chez l'agrégateur", max_length=100)
    expires_on = models.DateField("fin du consentement", null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ConnectionStatus.choices, default=ConnectionStatus.ACTIVE
    )
    synced_until = models.DateField("relevé jusqu'au", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "connexion bancaire"
