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
    match_threshold = models.PositiveSmallIntegerField(
        "seuil de lettrage automatique (%)",
        default=90,
        help_text="au-dessus, le mouvement est lettré sans revue ; 101 : jamais",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(match_threshold__lte=101), name="bank_match_threshold_percent"
            )
        ]


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
    # the pointage a match made (see bank.matching): score, the items' lines and the partial
    # letterings they were in before, so that undoing the match puts them back as they were
    match = models.JSONField("pointage", default=dict, blank=True)
    entry = models.OneToOneField(
        Entry, on_delete=models.PROTECT, related_name="bank_transaction", null=True, blank=True
    )
    # the supporting document (pièce justificative) given for this movement; see bank.missing
    document = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        related_name="bank_transactions",
        null=True,
        blank=True,
        verbose_name="pièce",
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


class OpenItemDocument(models.Model):
    """A document given for an open item (an unlettered 401/411 line) that was listed as missing
    its pièce. The line stays open until it is lettered; it no longer asks for a document."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    line = models.OneToOneField(
        "ledger.Line", on_delete=models.CASCADE, related_name="supporting_document"
    )
    document = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class MissingDocumentRequest(models.Model):
    """A request sent to the client for the documents still missing: when, to whom, with which
    reply address, and the lines it listed (a snapshot: the list changes after)."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="missing_document_requests"
    )
    recipients = models.JSONField("destinataires", default=list)
    reply_to = models.CharField("adresse de réponse", max_length=254)
    subject = models.CharField("objet", max_length=255)
    lines = models.JSONField("lignes demandées", default=list)
    created_at = models.DateTimeField("envoyée le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "demande de pièces manquantes"
        ordering = ["-created_at", "-id"]


class BankBalanceSource(models.TextChoices):
    STATEMENT = "statement", "relevé importé"
    USER = "user", "saisi par l'utilisateur"


class ReconciliationStatus(models.TextChoices):
    BALANCED = "balanced", "rapproché au centime"
    GAP = "gap", "écart inexpliqué"


class BankReconciliation(models.Model):
    """A saved reconciliation statement (état de rapprochement) of one bank account at a date.

    ledger_balance + items_total + gap == bank_balance, to the cent; `items` keeps the items
    as they were (kind, date, label, amount, reference), since the books move on after.
    """

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="reconciliations"
    )
    date = models.DateField("date")
    statement = models.ForeignKey(
        StatementImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    statement_date = models.DateField("date du solde bancaire")
    bank_balance_source = models.CharField(
        "origine du solde bancaire", max_length=10, choices=BankBalanceSource.choices
    )
    ledger_balance = models.DecimalField("solde comptable", **MONEY)
    bank_balance = models.DecimalField("solde bancaire", **MONEY)
    items_total = models.DecimalField("total des suspens", **MONEY)
    gap = models.DecimalField("écart inexpliqué", **MONEY)
    status = models.CharField(max_length=10, choices=ReconciliationStatus.choices)
    items = models.JSONField("suspens", default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "état de rapprochement"
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="balanced", gap=0) | (Q(status="gap") & ~Q(gap=0)),
                name="bank_reconciliation_status_matches_gap",
            )
        ]

    def __str__(self) -> str:
        return f"Rapprochement {self.bank_account.label} au {self.date:%d/%m/%Y}"


# Bank rules and what they learn from live in their own module (see its docstring).
from tenue.bank.connection_models import BankConnection as BankConnection  # noqa: E402
from tenue.bank.connection_models import ConnectionStatus as ConnectionStatus  # noqa: E402
from tenue.bank.merge_models import *  # noqa: E402, F403  (merges of a historical 512, bank.merge)
from tenue.bank.rule_models import BankCorrection as BankCorrection  # noqa: E402
from tenue.bank.rule_models import BankRule as BankRule  # noqa: E402
from tenue.bank.rule_models import RuleSuggestion as RuleSuggestion  # noqa: E402
from tenue.bank.rule_models import SuggestionStatus as SuggestionStatus  # noqa: E402
