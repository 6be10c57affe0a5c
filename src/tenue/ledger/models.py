"""Ledger persistence. Invariants the database can say are constraints here:

- a line's debit and credit are non-negative, one of them is zero and the other is not;
- an entry number is unique per journal and fiscal year;
- account numbers and journal codes are unique per dossier; a third party's auxiliary number too;
- a validated entry has its validation date, sequence and hash.
Balance (sum of debits == sum of credits) spans rows: `services.entry_post` enforces it, and
`services.ledger_verify` re-checks it together with the hash chain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from tenue.firms.models import Company

MONEY = {"max_digits": 15, "decimal_places": 2}


class FiscalYearStatus(models.TextChoices):
    OPEN = "open", "Ouvert"
    CLOSED = "closed", "Clôturé"


class FiscalYear(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="fiscal_years")
    start = models.DateField("début")
    end = models.DateField("fin")
    status = models.CharField(
        max_length=10, choices=FiscalYearStatus.choices, default=FiscalYearStatus.OPEN
    )
    locked_until = models.DateField(
        "période clôturée jusqu'au",
        null=True,
        blank=True,
        help_text="aucune écriture datée jusqu'à ce jour inclus (clôture périodique)",
    )

    class Meta:
        verbose_name = "exercice"
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="fiscal_year_end_after_start"
            ),
            models.UniqueConstraint(fields=["company", "start"], name="fiscal_year_start_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"


class JournalKind(models.TextChoices):
    PURCHASE = "purchase", "Achats"
    SALE = "sale", "Ventes"
    BANK = "bank", "Banque"
    MISC = "misc", "Opérations diverses"
    OPENING = "opening", "À-nouveaux"
    PAYROLL = "payroll", "Paie"
    CASH = "cash", "Caisse"


class Journal(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="journals")
    code = models.CharField(max_length=10)
    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=JournalKind.choices)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="journal_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Account(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="accounts")
    number = models.CharField(max_length=20)
    label = models.CharField(max_length=200)
    managed = models.BooleanField(
        "géré", default=False, help_text="Compte alimenté uniquement par les données bancaires"
    )
    lettering_seq = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "compte"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="account_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.label}"


class ThirdPartyKind(models.TextChoices):
    SUPPLIER = "supplier", "Fournisseur"
    CUSTOMER = "customer", "Client"
    OTHER = "other", "Autre tiers"  # employees, partners, other debtors and creditors


class ThirdParty(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="third_parties")
    kind = models.CharField(max_length=10, choices=ThirdPartyKind.choices)
    aux_number = models.CharField("compte auxiliaire", max_length=20)
    name = models.CharField("nom", max_length=200)
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="third_parties",
        help_text="compte collectif (401, 411…)",
    )
    siren = models.CharField(max_length=9, blank=True)
    siret = models.CharField(max_length=14, blank=True)
    vat_number = models.CharField(max_length=20, blank=True)
    ibans = models.JSONField(default=list, blank=True)
    default_account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="compte de charge ou de produit",
    )
    default_vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "tiers"
        ordering = ["aux_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "aux_number"], name="third_party_aux_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.aux_number} {self.name}"


class JournalSequence(models.Model):
    """The last number given in a journal for a fiscal year: the row posters lock in turn."""

    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="+")
    last_number = models.PositiveIntegerField(default=0)
    last_date = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["journal", "fiscal_year"], name="sequence_once"),
        ]


class EntryStatus(models.TextChoices):
    POSTED = "posted", "Enregistrée"
    VALIDATED = "validated", "Validée"


class Entry(models.Model):
    # Foreign-key indexes are left out where a composite index below starts with the same column:
    # every index is paid for on each bulk insert.
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    journal = models.ForeignKey(
        Journal, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    number = models.PositiveIntegerField("numéro")
    date = models.DateField("date")
    label = models.CharField("libellé", max_length=200)
    piece_ref = models.CharField("pièce", max_length=60, blank=True)
    piece_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.POSTED
    )
    valid_date = models.DateField("date de validation", null=True, blank=True)
    validation_seq = models.PositiveIntegerField(null=True, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)
    reversal_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        db_index=False,
    )
    source = models.CharField(max_length=300, blank=True)
    external_number = models.CharField(
        "numéro d'origine", max_length=40, blank=True, help_text="EcritureNum du fichier importé"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = "écriture"
        ordering = ["journal_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["journal", "fiscal_year", "number"], name="entry_number_unique"
            ),
            models.UniqueConstraint(
                fields=["company", "validation_seq"],
                condition=Q(validation_seq__isnull=False),
                name="entry_validation_seq_unique",
            ),
            models.UniqueConstraint(
                fields=["reversal_of"],
                condition=Q(reversal_of__isnull=False),
                name="entry_reversed_once",
            ),
            models.CheckConstraint(
                condition=Q(status="posted", valid_date__isnull=True, validation_seq__isnull=True)
                | Q(status="validated", valid_date__isnull=False, validation_seq__isnull=False),
                name="entry_validation_complete",
            ),
        ]
        indexes = [models.Index(fields=["company", "date"], name="entry_company_date_idx")]

    def __str__(self) -> str:
        return f"{self.journal.code} {self.number}"


class Lettering(models.Model):
    """A lettrage group: lines of one account (and third party) that cancel out.

    Upper-case code: complete (the lines balance). Lower-case: partial (not yet zero). Codes are
    given in sequence per account by `lettering_apply`; imported codes are kept as they come,
    and the same code may then serve two third parties of one collective account. An imported
    group may have no date (EcritureLet without DateLet in the source file).
    """

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="letterings")
    third_party = models.ForeignKey(
        ThirdParty, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code = models.CharField(max_length=20)
    date = models.DateField(null=True, blank=True)
    complete = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["account", "code"], name="lettering_code_idx")]

    def __str__(self) -> str:
        return self.code


class Line(models.Model):
    """One debit or credit line.

    `company` and `date` repeat the entry's, so that reports filter and group lines without a
    join. Only the posting services write them (an entry's date never changes after posting),
    and `ledger_verify` checks that they still agree with the entry. `company` carries no
    foreign-key constraint of its own: the entry's already guarantees it, and a second check per
    line would double the cost of bulk posting.

    Indexes: (entry, position) serves the entry, (account, date) the general ledger, (company,
    date) the period reports; third party and lettrage get partial indexes, since most lines
    have neither.
    """

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="lines", db_index=False)
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    date = models.DateField()
    position = models.PositiveSmallIntegerField()
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    third_party = models.ForeignKey(
        ThirdParty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        db_index=False,
    )
    label = models.CharField(max_length=200, blank=True)
    piece_ref = models.CharField(
        max_length=60, blank=True, help_text="quand elle diffère de celle de l'écriture"
    )
    debit = models.DecimalField(**MONEY, default=0)
    credit = models.DecimalField(**MONEY, default=0)
    currency_amount = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    lettering = models.ForeignKey(
        Lettering,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lines",
        db_index=False,
    )

    class Meta:
        verbose_name = "ligne d'écriture"
        ordering = ["entry_id", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(debit__gte=0) & Q(credit__gte=0), name="line_amounts_not_negative"
            ),
            models.CheckConstraint(condition=Q(debit=0) | Q(credit=0), name="line_debit_or_credit"),
            models.CheckConstraint(
                condition=Q(debit__gt=0) | Q(credit__gt=0), name="line_not_zero"
            ),
            models.UniqueConstraint(fields=["entry", "position"], name="line_position_unique"),
        ]
        indexes = [
            models.Index(fields=["account", "date"], name="line_account_date_idx"),
            models.Index(fields=["company", "date"], name="line_company_date_idx"),
            models.Index(
                fields=["third_party"],
                condition=Q(third_party__isnull=False),
                name="line_third_party_idx",
            ),
            models.Index(
                fields=["lettering"],
                condition=Q(lettering__isnull=False),
                name="line_lettering_idx",
            ),
        ]


class LedgerChain(models.Model):
    """Head of a dossier's inalterability chain: validators lock this row in turn."""

    company = models.OneToOneField(Company, on_delete=models.PROTECT, related_name="+")
    last_seq = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)


class ImportKind(models.TextChoices):
    FEC = "fec", "FEC"
    TRA = "tra", "Cegid TRA"
    ENTRIES = "entries", "Écritures (tableur)"
    PAYROLL = "payroll", "Journal de paie"


class ImportRecord(models.Model):
    """One file imported into a dossier: what it brought, and its fingerprint, so that the same
    file is not imported twice."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="imports")
    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "sha256"], name="import_once_per_dossier"),
        ]
