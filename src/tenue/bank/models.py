"""Bank accounts, their statements and transactions.

Invariants (database constraints where they can be):
- a bank account is known by its IBAN, once per dossier, and owns a *managed* 512 sub-account and
  its own bank journal: only the bank app posts on that account (the ledger refuses the rest);
- a transaction is unique per bank account by its `key` (the bank's id, else a content hash), so
  overlapping statements never bring the same movement twice;
- a transaction's amount is signed from the account holder's side (+ money in) and never zero;
- every transaction is booked: its entry debits or credits the managed account, the other side
  is what explains it (a rule, a match) or the waiting account until something does.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tenue.firms.models import Company
from tenue.ledger.models import Account, Entry, Journal

MONEY = {"max_digits": 15, "decimal_places": 2}


class WaitingAccount(models.TextChoices):
    SUSPENSE = "471", "471 Compte d'attente"
    THIRD_PARTIES = "tiers", "401ATTENTE / 411ATTENTE (fournisseur ou client d'attente)"


class BankSettings(models.Model):
    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="bank_settings")
    waiting_account = models.CharField(
        "compte d'attente des mouvements inexpliqués",
        max_length=5,
        choices=WaitingAccount.choices,
        default=WaitingAccount.SUSPENSE,
    )


class BankAccount(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="bank_accounts")
    iban = models.CharField("IBAN", max_length=34)
    label = models.CharField("libellé", max_length=100)
    bic = models.CharField("BIC", max_length=11, blank=True)
    currency = models.CharField("devise", max_length=3, default="EUR")
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="bank_account")
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, related_name="bank_account")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "compte bancaire"
        ordering = ["account__number"]
        constraints = [
            models.UniqueConstraint(fields=["company", "iban"], name="bank_account_iban_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.iban})"


class StatementImport(models.Model):
    """One statement file (or one connection pull) brought into a bank account."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="statements"
    )
    name = models.CharField("fichier", max_length=255)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=20)
    transactions = models.PositiveIntegerField("mouvements ajoutés", default=0)
    skipped = models.PositiveIntegerField("mouvements déjà connus", default=0)
    opening_date = models.DateField(null=True, blank=True)
    opening_balance = models.DecimalField(**MONEY, null=True, blank=True)
    closing_date = models.DateField(null=True, blank=True)
    closing_balance = models.DecimalField(**MONEY, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class TransactionStatus(models.TextChoices):
    WAITING = "waiting", "en attente d'explication"
    EXPLAINED = "explained", "expliqué"


class BankTransaction(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="transactions"
    )
    statement = models.ForeignKey(
        StatementImport, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    key = models.CharField(max_length=100)  # the bank's id, else a content hash
    date = models.DateField("date")
    value_date = models.DateField("date de valeur", null=True, blank=True)
    amount = models.DecimalField("montant", **MONEY)
    currency = models.CharField(max_length=3, default="EUR")
    label = models.CharField("libellé", max_length=500)
    reference = models.CharField("référence", max_length=140, blank=True)
    counterparty = models.CharField("contrepartie", max_length=140, blank=True)
    counterparty_iban = models.CharField(max_length=34, blank=True)
    operation_code = models.CharField(max_length=40, blank=True)
    original_amount = models.DecimalField(**MONEY, null=True, blank=True)
    original_currency = models.CharField(max_length=3, blank=True)
    source = models.CharField(max_length=300, blank=True)  # file and line
    status = models.CharField(
        max_length=10, choices=TransactionStatus.choices, default=TransactionStatus.WAITING
    )
    explanation = models.CharField("explication", max_length=300, blank=True)
    entry = models.OneToOneField(
        Entry, on_delete=models.PROTECT, related_name="bank_transaction", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "mouvement bancaire"
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "key"], name="bank_transaction_key_unique"
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="bank_transaction_not_zero"),
        ]
        indexes = [models.Index(fields=["company", "status"], name="bank_tx_company_status_idx")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.label} {self.amount}"
