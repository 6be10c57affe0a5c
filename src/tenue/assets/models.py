"""Persistence of fixed assets, loans and leases, and of what was posted for them.

The rows here hold what the contracts and the register say; the plans, schedules and entries are
computed by `tenue.core.depreciation`, `tenue.core.loans` and `tenue.core.leases` from the
records `mappers` builds. What was posted is recorded next to its entry, one row per period or
due date, and a unique constraint makes each of them posted once:

- `DepreciationPosting`: one per dossier and first day of the period depreciated (a fiscal year
  or a month of it); its lines keep each asset's share, which a disposal later deducts;
- `LoanInstalmentPosting`: one per loan and instalment number;
- `LoanAccrual`: one per loan and fiscal year end (the accrual and its reversal);
- `LeaseRentPosting`: one per lease and rent number;
- `RegisterImport`: one per dossier and file (its SHA-256): a register is imported once.

Other invariants said as constraints: positive gross values, residual value in [0 ; value[,
durations and counts of at least one, a disposed asset has its date, kind and price (zero for a
mise au rebut), each kind of loan event carries the fields it needs, an LLD has no purchase
option. No two overlapping depreciation periods of a dossier is checked by the posting service
under the dossier's lock, since a constraint cannot say it on SQLite.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from tenue.documents.models import Document
from tenue.firms.models import Company
from tenue.ledger.models import Entry, FiscalYear, ThirdParty

MONEY = {"max_digits": 15, "decimal_places": 2}
RATE = {"max_digits": 8, "decimal_places": 6}  # a fraction: 0.036 for 3,6 %


def _created_by() -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )


# --- fixed assets -----------------------------------------------------------------------------


class AssetStatus(models.TextChoices):
    IN_SERVICE = "in_service", "En service"
    DISPOSED = "disposed", "Sortie"


class DepreciationMethod(models.TextChoices):
    LINEAR = "linear", "Linéaire"
    DEGRESSIVE = "degressive", "Dégressif"


class DayCount(models.TextChoices):
    DAYS_360 = "30/360", "Année commerciale (mois de 30 jours)"
    ACTUAL = "actual", "Jours calendaires"


class DisposalKind(models.TextChoices):
    SALE = "sale", "Cession"
    SCRAPPING = "scrapping", "Mise au rebut"


class FixedAsset(models.Model):
    """One line of the dossier's fixed-asset register (immobilisation)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="fixed_assets")
    account = models.CharField("compte", max_length=20)
    label = models.CharField("libellé", max_length=200)
    acquired_on = models.DateField("date d'acquisition")
    in_service_on = models.DateField("date de mise en service", null=True, blank=True)
    value = models.DecimalField("valeur d'origine", **MONEY)
    residual_value = models.DecimalField("valeur résiduelle", **MONEY)
    method = models.CharField("mode", max_length=10, choices=DepreciationMethod.choices)
    duration_years = models.PositiveSmallIntegerField("durée (années)")
    day_count = models.CharField("décompte des jours", max_length=10, choices=DayCount.choices)
    degressive_coefficient = models.DecimalField(
        "coefficient dégressif", max_digits=4, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(max_length=10, choices=AssetStatus.choices)
    takeover_date = models.DateField("date de reprise", null=True, blank=True)
    takeover_cumulative = models.DecimalField(
        "amortissements antérieurs", **MONEY, null=True, blank=True
    )
    disposed_on = models.DateField("date de sortie", null=True, blank=True)
    disposal_kind = models.CharField(
        "nature de la sortie", max_length=10, choices=DisposalKind.choices, blank=True
    )
    disposal_price = models.DecimalField("prix de cession HT", **MONEY, null=True, blank=True)
    disposal_vat = models.DecimalField("TVA sur cession", **MONEY, null=True, blank=True)
    disposal_entries = models.ManyToManyField(Entry, blank=True, related_name="+")
    source = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _created_by()

    class Meta:
        verbose_name = "immobilisation"
        ordering = ["account", "acquired_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="asset_value_positive"),
            models.CheckConstraint(
                condition=Q(residual_value__gte=0) & Q(residual_value__lt=F("value")),
                name="asset_residual_value_below_value",
            ),
            models.CheckConstraint(condition=Q(duration_years__gte=1), name="asset_duration"),
            models.CheckConstraint(
                condition=Q(account__startswith="20")
                | Q(account__startswith="21")
                | Q(account__startswith="22"),
                name="asset_account_depreciable",
            ),
            models.CheckConstraint(
                condition=Q(takeover_date__isnull=True, takeover_cumulative__isnull=True)
                | Q(takeover_date__isnull=False, takeover_cumulative__gte=0),
                name="asset_takeover_complete",
            ),
            models.CheckConstraint(
                condition=Q(
                    status="in_service",
                    disposed_on__isnull=True,
                    disposal_kind="",
                    disposal_price__isnull=True,
                    disposal_vat__isnull=True,
                )
                | (
                    Q(status="disposed", disposed_on__isnull=False, disposal_price__gte=0)
                    & Q(disposal_vat__gte=0)
                    & ~Q(disposal_kind="")
                ),
                name="asset_disposal_complete",
            ),
            models.CheckConstraint(
                condition=~Q(disposal_kind="scrapping") | Q(disposal_price=0, disposal_vat=0),
                name="asset_scrapping_has_no_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.label}"


class DepreciationPosting(models.Model):
    """The depreciation entry of one period (a fiscal year, or a month of it)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="+")
    start = models.DateField("début")
    end = models.DateField("fin")
    entry = models.OneToOneField(
        Entry, on_delete=models.PROTECT, related_name="depreciation_posting"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _created_by()

    class Meta:
        verbose_name = "dotation comptabilisée"
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="depreciation_posting_period"
            ),
            models.UniqueConstraint(fields=["company", "start"], name="depreciation_posted_once"),
        ]

    def __str__(self) -> str:
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"


class DepreciationPostingLine(models.Model):
    """One asset's share of a depreciation entry."""

    posting = models.ForeignKey(DepreciationPosting, on_delete=models.CASCADE, related_name="lines")
    asset = models.ForeignKey(
        FixedAsset, on_delete=models.PROTECT, related_name="depreciation_lines"
    )
    amount = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="depreciation_line_positive"),
            models.UniqueConstraint(fields=["posting", "asset"], name="depreciation_line_once"),
        ]


class RegisterImport(models.Model):
    """A register file imported into the dossier (once: its SHA-256 is unique per dossier)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    takeover_date = models.DateField("date de reprise")
    assets = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _created_by()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "sha256"], name="register_import_once"),
        ]


# --- loans ----------------------------------------------------------------------------------


class LoanKind(models.TextChoices):
    CONSTANT_INSTALMENT = "constant_instalment", "Échéances constantes"
    CONSTANT_AMORTISATION = "constant_amortisation", "Amortissement constant du capital"


class Periodicity(models.IntegerChoices):
    MONTHLY = 1, "Mensuelle"
    QUARTERLY = 3, "Trimestrielle"
    HALF_YEARLY = 6, "Semestrielle"
    YEARLY = 12, "Annuelle"


class Deferral(models.TextChoices):
    NONE = "none", "Sans différé"
    PARTIAL = "partial", "Différé partiel (intérêts payés)"
    TOTAL = "total", "Différé total (intérêts capitalisés)"


class Loan(models.Model):
    """A loan as the bank's offer describes it; its events are `LoanEvent` rows.

    `settlement_account` is the account the instalments are paid from (512 when the dossier keeps
    its bank by hand, 467 when the bank account is managed by the bank app: the bank line is
    then lettered against it), `journal` the journal of the instalment entries.
    `booked_until`: instalments due up to that day were booked before the dossier came here.
    """

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="loans")
    label = models.CharField("libellé", max_length=200)
    lender = models.CharField("prêteur", max_length=200, blank=True)
    principal = models.DecimalField("capital emprunté", **MONEY)
    annual_rate = models.DecimalField("taux annuel", **RATE)
    instalments = models.PositiveSmallIntegerField("nombre d'échéances")
    periodicity = models.PositiveSmallIntegerField("périodicité", choices=Periodicity.choices)
    first_due = models.DateField("première échéance")
    kind = models.CharField("type", max_length=25, choices=LoanKind.choices)
    deferral = models.CharField("différé", max_length=10, choices=Deferral.choices)
    deferral_periods = models.PositiveSmallIntegerField("échéances de différé")
    insurance = models.DecimalField("assurance par échéance", **MONEY)
    disbursed_on = models.DateField("date de déblocage", null=True, blank=True)
    settlement_account = models.CharField("compte de règlement", max_length=20)
    journal = models.CharField("journal", max_length=10)
    booked_until = models.DateField(
        "échéances comptabilisées ailleurs jusqu'au", null=True, blank=True
    )
    contract = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _created_by()

    class Meta:
        verbose_name = "emprunt"
        ordering = ["first_due", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(principal__gt=0), name="loan_principal_positive"),
            models.CheckConstraint(condition=Q(insurance__gte=0), name="loan_insurance"),
            models.CheckConstraint(
                condition=Q(annual_rate__gte=0) & Q(annual_rate__lt=1), name="loan_rate_fraction"
            ),
            models.CheckConstraint(condition=Q(instalments__gte=1), name="loan_instalments"),
            models.CheckConstraint(
                condition=~Q(deferral="none") | Q(deferral_periods=0),
                name="loan_no_deferral_no_periods",
            ),
            models.CheckConstraint(
                condition=Q(deferral_periods__lt=F("instalments")), name="loan_deferral_shorter"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class LoanEventKind(models.TextChoices):
    RATE_REVISION = "rate_revision", "Révision de taux"
    EARLY_REPAYMENT = "early_repayment", "Remboursement anticipé"
    POSTPONED_INSTALMENT = "postponed_instalment", "Report d'échéance"
    INSTALMENT_CHANGE = "instalment_change", "Modulation d'échéance"


class PrepaymentOption(models.TextChoices):
    REDUCE_DURATION = "reduce_duration", "Réduction de la durée"
    REDUCE_INSTALMENT = "reduce_instalment", "Réduction des échéances"
    TOTAL = "total", "Remboursement total"


class PostponedInterest(models.TextChoices):
    CAPITALISED = "capitalised", "Intérêts capitalisés"
    PAID = "paid", "Intérêts payés à l'échéance"


class LoanEvent(models.Model):
    """An event of a loan's life, applied from the first due date on or after `on`."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("événement", max_length=25, choices=LoanEventKind.choices)
    on = models.DateField("date d'effet")
    annual_rate = models.DecimalField("nouveau taux annuel", **RATE, null=True, blank=True)
    amount = models.DecimalField("montant", **MONEY, null=True, blank=True)
    prepayment_option = models.CharField(
        "option", max_length=20, choices=PrepaymentOption.choices, blank=True
    )
    postponed_interest = models.CharField(
        "intérêts de l'échéance reportée",
        max_length=15,
        choices=PostponedInterest.choices,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _created_by()

    class Meta:
        verbose_name = "événement d'emprunt"
        ordering = ["on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="rate_revision")
                | (Q(annual_rate__gte=0) & Q(annual_rate__lt=1) & Q(amount__isnull=True)),
                name="loan_event_rate_revision",
            ),
            models.CheckConstraint(
                condition=~Q(kind="early_repayment")
                | Q(prepayment_option="total", amount__isnull=True)
                | (~Q(prepayment_option__in=["", "total"]) & Q(amount__gt=0)),
                name="loan_event_early_repayment",
            ),
            models.CheckConstraint(
                condition=~Q(kind="postponed_instalment") | ~Q(postponed_interest=""),
                name="loan_event_postponed",
            ),
            models.CheckConstraint(
                condition=~Q(kind="instalment_change") | Q(amount__gt=0),
                name="loan_event_instalment_change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} au {self.on:%d/%m/%Y}"


class LoanInstalmentPosting(models.Model):
    """The entry of one instalment of a loan."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="postings")
    number = models.PositiveSmallIntegerField("échéance n°")
    due_date = models.DateField("échéance")
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["loan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="loan_instalment_posted_once"),
        ]


class LoanAccrual(models.Model):
    """The accrued interest of a loan at a fiscal year end, and its reversal the next day."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="accruals")
    year_end = models.DateField("fin d'exercice")
    amount = models.DecimalField(**MONEY)
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="+")
    reversal = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="loan_accrual_positive"),
            models.UniqueConstraint(fields=["loan", "year_end"], name="loan_accrual_once"),
        ]


# --- leases ---------------------------------------------------------------------------------


class FinancingType(models.TextChoices):
    CREDIT_BAIL_MOBILIER = "credit_bail_mobilier", "Crédit-bail mobilier"
    CREDIT_BAIL_IMMOBILIER = "credit_bail_immobilier", "Crédit-bail immobilier"
    LOA = "loa", "Location avec option d'achat (LOA)"
    LLD = "lld", "Location longue durée (LLD)"


class Lease(models.Model):
    """A lease contract; amounts exclude VAT, `vat_rate` is a fraction (0.20 for 20 %)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="leases")
    financing_type = models.CharField("type", max_length=25, choices=FinancingType.choices)
    label = models.CharField("libellé", max_length=200)
    supplier = models.ForeignKey(
        ThirdParty, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rent = models.DecimalField("loyer HT", **MONEY)
    rents = models.PositiveSmallIntegerField("nombre de loyers")
    periodicity = models.PositiveSmallIntegerField("périodicité", choices=Periodicity.choices)
    first_due = models.DateField("premier loyer")
    first_rent = models.DecimalField("premier loyer majoré HT", **MONEY, null=True, blank=True)
    vat_rate = models.DecimalField("taux de TVA", max_digits=5, decimal_places=4)
    purchase_option = models.DecimalField("option d'achat HT", **MONEY)
    contract = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _created_by()

    class Meta:
        verbose_name = "crédit-bail"
        ordering = ["first_due", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(rent__gt=0), name="lease_rent_positive"),
            models.CheckConstraint(condition=Q(rents__gte=1), name="lease_rents"),
            models.CheckConstraint(
                condition=Q(first_rent__isnull=True) | Q(first_rent__gte=0),
                name="lease_first_rent",
            ),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0) & Q(vat_rate__lt=1), name="lease_vat_rate"
            ),
            models.CheckConstraint(
                condition=Q(purchase_option__gte=0), name="lease_purchase_option"
            ),
            models.CheckConstraint(
                condition=~Q(financing_type="lld") | Q(purchase_option=0),
                name="lease_lld_no_purchase_option",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class LeaseRentPosting(models.Model):
    """The entry of one rent of a lease."""

    lease = models.ForeignKey(Lease, on_delete=models.PROTECT, related_name="postings")
    number = models.PositiveSmallIntegerField("loyer n°")
    due_date = models.DateField("échéance")
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lease_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["lease", "number"], name="lease_rent_posted_once"),
        ]
