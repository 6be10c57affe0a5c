"""French VAT returns — CA3 (form 3310-CA3, monthly or quarterly) and CA12 (form 3517-S, annual) —
computed from ledger records, and the settlement entry (écriture de liquidation) that clears them.

Pure computation: the caller (`tenue.reports.vat`) reads the ledger and hands over plain records:
- the entries of the period that touch a VAT account or a sales account (`VatEntry`);
- the payments of the period lettered with invoices whose VAT waits on a pending account
  (`Cashing`: VAT on receipts, SPECS §3.2);
- the entries behind the 44567 balance before the period (line 22) and, for the CA12, those on
  44581 (instalments paid).

How each box is fed (the `BOXES` table says it box by box, in French, for the user):
- collected VAT: accounts 44571x. The rate comes from the sub-account when there is one (445711
  20 %, 445712 10 %, 445713 5,5 %, 445714 2,1 % — SPECS §2, the last one VERIFY), otherwise from
  the ratio VAT / base of the entry, where the base is the entry's class 7 lines. An entry with
  several VAT lines is split by pairing each VAT line with the one base line whose rate fits (the
  layout of `core.booking`: one base line and one VAT line per rate), then, failing that, with
  the VAT lines of each account summed; when that fails too and sub-accounts give every rate, the
  base is recomputed from the VAT (a warning says so); otherwise the VAT is left unassigned, an
  error that blocks the settlement. Base lines no VAT line took are sales without VAT (below).
  A rate "fits" when base × rate is within max(0,02 €, 1 %) of the VAT: the four rates are at
  least 45 % apart, so the tolerance only absorbs per-line rounding on invoices.
- VAT on receipts (encaissements): services booked on the pending accounts 44574 (collected) and
  44564 (deductible) by `core.booking`. Their VAT is due when the invoice's 411 line (401 for a
  purchase) is lettered with a payment: the share due in the period is
  round(VAT × paid up to the period end / due) − round(VAT × paid before the period / due), so the
  shares of successive periods add up exactly to the VAT once the invoice is paid in full. All
  the invoices and credit notes of one lettering group share its paid fraction. When the dossier
  opted for debits (`VatRules.services_on_receipts` false), collected VAT on 44574 is due at the
  invoice date like 44571; deductible VAT on 44564 still waits for the payment, since it follows
  the supplier's regime, which the booking already expressed by choosing 44564.
  No transfer entry is written: the settlement entry itself debits 44574 (credits 44564) for the
  share that became due, so the pending accounts always hold the VAT not yet cashed.
- reverse charge (autoliquidation), account 4452: the base is the entry's class 2, 3 and 6 lines,
  the tax goes to the rate line and to the operation box: B2 (intra-EU acquisition of goods:
  accounts 60 except 604, 2 and 3; also line 17), A3 (services from a supplier with a VAT number of
  another EU member state, art. 283-2 CGI) or B4 (services from any other supplier, art. 283-1).
  Imports (A4, I1–I6) are not fed (VERIFY).
- sales without VAT (entries with a 411 line and 70 lines but no VAT line, or base lines left
  over once the VAT lines are paired): E1 when the revenue account is one of the dossier's export
  accounts (`VatRules.export_accounts`), F2 when the customer's VAT number belongs to another EU
  member state, else E2 with a warning (to be checked by the accountant).
- deductible VAT: 44562 -> line 19; 44566 and its sub-accounts (445662 intra-EU) -> line 20, with
  the share of 44564 that became due. Line 22: debit balance of 44567 before the period.
- totals: 16 = 08 + 09 + 9B + T6 + 15; 23 = 19 + 20 + 21 + 22; TD = 16 − 23 (28 = TD, 32 = 28)
  or 25 = 23 − 16 (27 = 25, no refund asked on line 26). Lines 15, 21 and 26 are not fed.

Invariants:
- every amount is a Decimal; each box keeps its exact amount (to the cent) and its declared amount
  (whole euros, half up: the form is filled in whole euros); totals are sums of declared boxes;
- every box amount is the sum of its contributions, and each contribution names the entry behind
  it (drill-down);
- the settlement entry balances exactly: it clears each VAT account by the exact amount the return
  took from it, books the declared amount to pay (44551) or credit to carry (44567), and puts the
  rounding difference on 658 (charge) or 758 (produit), the PCG 2025 accounts for other operating
  charges and income.

CA12: the same boxes on the fiscal year, then the instalments paid (44581) are deducted; the
instalments of July (55 %) and December (40 %) are computed from the previous year's net VAT,
none under 1 000 €. The CA12 has its own line numbers on form 3517-S; tenue shows the CA3 codes and
its own codes for the instalment lines (AV, SP, CR) — VERIFY against the current 3517-S notice
before EDI filing. The instalment base is the previous year's net VAT before deduction of the VAT
on fixed assets (art. 287-3 CGI): 16 − (23 − 19), VERIFY.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from tenue.core import money
from tenue.core.booking import VAT_COLLECTED_PENDING, VAT_DEDUCTIBLE_PENDING
from tenue.core.entries import Entry, Line, check_entry
from tenue.core.periods import MONTHS, Period, add_months
from tenue.core.problems import Problem, Refused, Severity, Source

ZERO = money.ZERO
EURO = Decimal("1")
NO_EUROS = Decimal("0")  # a declared amount of nothing (whole euros, like every declared one)
HUNDRED = Decimal("100")

COLLECTED = "44571"
INTRA_EU_DUE = "4452"
DEDUCTIBLE_FIXED_ASSETS = "44562"
DEDUCTIBLE_OTHER = "44566"
DEDUCTIBLE_INTRA_EU = "445662"  # a sub-account of 44566: line 20 like its parent
CREDIT_CARRIED = "44567"
TO_PAY = "44551"
INSTALMENTS_PAID = "44581"
ROUNDING_CHARGE = "658"  # Pénalités et autres charges (PCG 2025)
ROUNDING_INCOME = "758"  # Indemnités et autres produits (PCG 2025)

RATE_NORMAL = Decimal("20")
RATE_INTERMEDIATE = Decimal("10")
RATE_REDUCED = Decimal("5.5")
RATE_SUPER_REDUCED = Decimal("2.1")
RATES = (RATE_NORMAL, RATE_INTERMEDIATE, RATE_REDUCED, RATE_SUPER_REDUCED)
# The digit after 44571 / 44574 names the rate (SPECS §2: 445711, 445712, 445713; 4 is VERIFY).
RATE_BY_SUFFIX = {
    "1": RATE_NORMAL,
    "2": RATE_INTERMEDIATE,
    "3": RATE_REDUCED,
    "4": RATE_SUPER_REDUCED,
}

INSTALMENT_THRESHOLD = Decimal("1000")
JULY_SHARE = Decimal("0.55")
DECEMBER_SHARE = Decimal("0.40")

# Purchases of goods, for reverse charge: B2 rather than A3/B4 (604 is "études et prestations").
_GOODS_PREFIXES = ("2", "3", "60")
_SERVICE_PREFIXES_IN_60 = ("604",)
# Member states by VAT number prefix (EL: Greece; XI: Northern Ireland, for goods).
# fmt: off
EU_VAT_PREFIXES = frozenset((
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
))
# fmt: on
HOME_COUNTRY = "FR"

_MONTH_CODE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_CODE = re.compile(r"^(\d{4})-[TtQq]([1-4])$")


class Form(StrEnum):
    CA3 = "CA3"
    CA12 = "CA12"


FORM_CODES = {Form.CA3: "3310CA3", Form.CA12: "3517SCA12"}  # CA12 code: VERIFY


class Section(StrEnum):
    TAXED = "Opérations taxées (HT)"
    UNTAXED = "Opérations non taxées"
    GROSS = "TVA brute"
    DEDUCTIBLE = "TVA déductible"
    CREDIT = "Crédit"
    DUE = "Taxe à payer"
    INSTALMENTS = "Acomptes et solde (CA12)"


@dataclass(frozen=True)
class Box:
    """One line of the form: its code, French label, EDI codes (base and tax columns, empty when
    the line has no such column) and, in French, what feeds it."""

    code: str
    label: str
    section: Section
    edi_base: str = ""
    edi_tax: str = ""
    feed: str = ""
    rate: Decimal | None = None

    @property
    def has_base(self) -> bool:
        return bool(self.edi_base)

    @property
    def has_tax(self) -> bool:
        return bool(self.edi_tax) or self.section is Section.INSTALMENTS


_T, _U = Section.TAXED, Section.UNTAXED
_G, _D = Section.GROSS, Section.DEDUCTIBLE
_C, _P = Section.CREDIT, Section.DUE

BOXES: tuple[Box, ...] = (
    Box(
        "A1",
        "Ventes, prestations de services",
        _T,
        edi_base="CA",
        feed="Bases HT (comptes de classe 7) des ventes portant une TVA collectée exigible, "
        "part encaissée pour la TVA sur les encaissements",
    ),
    Box(
        "A3",
        "Achats de prestations de services auprès d'un assujetti non établi en France "
        "(art. 283-2 du CGI)",
        _T,
        edi_base="KH",
        feed="Bases des achats de services autoliquidés (4452) auprès d'un fournisseur "
        "immatriculé à la TVA dans un autre État membre",
    ),
    Box(
        "B2",
        "Acquisitions intracommunautaires",
        _T,
        edi_base="CC",
        feed="Bases des achats de biens autoliquidés (4452) : comptes 60 (hors 604), 2 et 3",
    ),
    Box(
        "B4",
        "Achats de biens ou de prestations de services auprès d'un assujetti non établi en "
        "France (art. 283-1 du CGI)",
        _T,
        edi_base="CG",
        feed="Bases des achats de services autoliquidés (4452) auprès d'un fournisseur sans "
        "numéro de TVA d'un autre État membre",
    ),
    Box(
        "E1",
        "Exportations hors UE",
        _U,
        edi_base="DA",
        feed="Ventes sans TVA sur les comptes d'export du dossier (paramètres TVA)",
    ),
    Box(
        "E2",
        "Autres opérations non imposables",
        _U,
        edi_base="DB",
        feed="Autres ventes sans TVA (signalées pour vérification)",
    ),
    Box(
        "F2",
        "Livraisons intracommunautaires à destination d'une personne assujettie",
        _U,
        edi_base="DC",
        feed="Ventes sans TVA à un client immatriculé à la TVA dans un autre État membre",
    ),
    Box(
        "08",
        "Taux normal 20 %",
        _G,
        edi_base="FP",
        edi_tax="GP",
        rate=RATE_NORMAL,
        feed="TVA collectée à 20 % (445711 ou taux déduit), 44574 encaissé, 4452 autoliquidé",
    ),
    Box(
        "09",
        "Taux réduit 5,5 %",
        _G,
        edi_base="FB",
        edi_tax="GB",
        rate=RATE_REDUCED,
        feed="TVA collectée à 5,5 % (445713 ou taux déduit), 44574 encaissé, 4452 autoliquidé",
    ),
    Box(
        "9B",
        "Taux réduit 10 %",
        _G,
        edi_base="FR",
        edi_tax="GR",
        rate=RATE_INTERMEDIATE,
        feed="TVA collectée à 10 % (445712 ou taux déduit), 44574 encaissé, 4452 autoliquidé",
    ),
    Box(
        "T6",
        "Taux de 2,1 % (France continentale)",
        _G,
        edi_base="MF",
        edi_tax="ME",
        rate=RATE_SUPER_REDUCED,
        feed="TVA collectée à 2,1 % (445714 ou taux déduit), 44574 encaissé, 4452 autoliquidé",
    ),
    Box(
        "15",
        "TVA antérieurement déduite à reverser",
        _G,
        edi_tax="GG",
        feed="Non alimentée automatiquement",
    ),
    Box("16", "Total de la TVA brute due", _G, edi_tax="GH", feed="08 + 09 + 9B + T6 + 15"),
    Box(
        "17",
        "Dont TVA sur acquisitions intracommunautaires",
        _G,
        edi_tax="GJ",
        feed="4452 des acquisitions de biens (ligne B2)",
    ),
    Box(
        "19",
        "Biens constituant des immobilisations",
        _D,
        edi_tax="HA",
        feed="Mouvements du 44562 sur la période",
    ),
    Box(
        "20",
        "Autres biens et services",
        _D,
        edi_tax="HB",
        feed="Mouvements du 44566 (dont 445662 intracommunautaire) et part payée du 44564",
    ),
    Box("21", "Autre TVA à déduire", _D, edi_tax="HC", feed="Non alimentée automatiquement"),
    Box(
        "22",
        "Report du crédit apparaissant ligne 27 de la précédente déclaration",
        _D,
        edi_tax="HD",
        feed="Solde débiteur du 44567 au début de la période",
    ),
    Box("23", "Total de la TVA déductible", _D, edi_tax="HG", feed="19 + 20 + 21 + 22"),
    Box("25", "Crédit de TVA", _C, edi_tax="JA", feed="23 − 16"),
    Box(
        "26",
        "Remboursement de crédit demandé sur formulaire n° 3519",
        _C,
        edi_tax="JB",
        feed="Non alimentée : le crédit est reporté",
    ),
    Box("27", "Crédit à reporter", _C, edi_tax="JC", feed="25 − 26, porté au débit du 44567"),
    Box("TD", "TVA nette due", _P, edi_tax="KA", feed="16 − 23"),
    Box("28", "TVA nette due (ligne TD − ligne X5)", _P, edi_tax="ND", feed="TD"),
    Box("32", "Total à payer", _P, edi_tax="KE", feed="28, porté au crédit du 44551"),
)

# CA12 only: the instalments and the balance (tenue's own codes, VERIFY against form 3517-S).
CA12_BOXES: tuple[Box, ...] = (
    Box(
        "AV",
        "Acomptes versés",
        Section.INSTALMENTS,
        feed="Débits du 44581 sur l'exercice",
    ),
    Box(
        "SP",
        "Solde à payer",
        Section.INSTALMENTS,
        feed="TD − acomptes versés, porté au crédit du 44551",
    ),
    Box(
        "CR",
        "Crédit à reporter ou à rembourser",
        Section.INSTALMENTS,
        feed="25 + acomptes versés au-delà de TD, porté au débit du 44567",
    ),
)

BOX_FOR_RATE = {box.rate: box.code for box in BOXES if box.rate is not None}
_ALL_BOXES = {box.code: box for box in BOXES + CA12_BOXES}
_GROSS_LINES = ("08", "09", "9B", "T6", "15")
_DEDUCTIBLE_LINES = ("19", "20", "21", "22")
_CA3_ONLY = ("26", "27", "28", "32")


def box(code: str) -> Box:
    """The box of that code (CA3 and CA12 lines)."""
    return _ALL_BOXES[code]


# --- what the caller hands over -------------------------------------------------------------


@dataclass(frozen=True)
class EntryRef:
    """The entry behind an amount, as the drill-down shows it."""

    id: int
    journal: str
    number: int
    date: dt.date
    label: str
    piece_ref: str = ""

    def __str__(self) -> str:
        return f"{self.journal} n° {self.number} du {self.date:%d/%m/%Y}"


@dataclass(frozen=True)
class LedgerLine:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    vat_number: str = ""  # the line's third party's VAT number, if any


@dataclass(frozen=True)
class VatEntry:
    ref: EntryRef
    lines: tuple[LedgerLine, ...]


@dataclass(frozen=True)
class Cashing:
    """An invoice (or credit note) whose VAT waits on a pending account, and what its lettering
    group says about its payment: `due` is the net amount of the group's invoices and credit
    notes, `paid_before` and `paid_to_end` the payments dated before the period and up to its
    end. `payments` are the payment entries dated in the period (drill-down)."""

    entry: VatEntry
    due: Decimal
    paid_before: Decimal
    paid_to_end: Decimal
    payments: tuple[EntryRef, ...] = ()


@dataclass(frozen=True)
class VatRules:
    """The dossier's VAT settings, as the computation needs them."""

    services_on_receipts: bool = True
    export_accounts: tuple[str, ...] = ()


# --- what the computation returns -----------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """What one entry brings to one box. `account` is the VAT account holding `tax` and
    `clearing` the signed amount (debit +, credit −) that clears it in the settlement entry;
    both are empty for base-only boxes and for "dont" lines. `via` lists the payments that made
    VAT on receipts due."""

    box: str
    entry: EntryRef
    base: Decimal = ZERO
    tax: Decimal = ZERO
    account: str = ""
    clearing: Decimal = ZERO
    rate: Decimal | None = None
    via: tuple[EntryRef, ...] = ()


@dataclass(frozen=True)
class ReturnLine:
    box: Box
    base: Decimal = ZERO
    tax: Decimal = ZERO
    declared_base: Decimal = NO_EUROS
    declared_tax: Decimal = NO_EUROS
    contributions: tuple[Contribution, ...] = ()

    @property
    def entries(self) -> tuple[EntryRef, ...]:
        """The distinct entries behind the line, in date order."""
        seen = {c.entry.id: c.entry for c in self.contributions}
        return tuple(sorted(seen.values(), key=lambda e: (e.date, e.journal, e.number)))


@dataclass(frozen=True)
class InstalmentPlan:
    """CA12 instalments computed from a year's net VAT (`base`)."""

    base: Decimal
    july: Decimal
    december: Decimal

    @property
    def total(self) -> Decimal:
        return self.july + self.december


@dataclass(frozen=True)
class VatReturn:
    form: Form
    period: Period
    lines: tuple[ReturnLine, ...]
    unassigned: tuple[Contribution, ...] = ()
    problems: tuple[Problem, ...] = ()
    instalments: InstalmentPlan | None = None  # CA12: due this year, from last year's VAT
    next_instalments: InstalmentPlan | None = None  # CA12: due next year, from this year's

    def line(self, code: str) -> ReturnLine:
        for item in self.lines:
            if item.box.code == code:
                return item
        raise KeyError(code)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def to_pay(self) -> Decimal:
        """Declared amount to pay (CA3 line 32, CA12 balance), whole euros."""
        return self.line("SP" if self.form is Form.CA12 else "32").declared_tax

    @property
    def credit(self) -> Decimal:
        """Declared credit carried forward to 44567 (CA3 line 27, CA12 credit), whole euros."""
        return self.line("CR" if self.form is Form.CA12 else "27").declared_tax

    def clearing(self) -> dict[str, Decimal]:
        """Per VAT account, the exact signed amount (debit +) that clears what the return took."""
        amounts: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for item in self.lines:
            for c in item.contributions:
                if c.account and c.clearing:
                    amounts[c.account] += c.clearing
        return {account: amount for account, amount in sorted(amounts.items()) if amount}


# --- periods ----------------------------------------------------------------------------------


def parse_period(text: str) -> Period:
    """`2025-03` (a month) or `2025-T1` (a quarter); ValueError with a French message else."""
    code = text.strip()
    found = _MONTH_CODE.match(code)
    if found and 1 <= int(found.group(2)) <= 12:
        start = dt.date(int(found.group(1)), int(found.group(2)), 1)
        return Period(start, add_months(start, 1) - dt.timedelta(days=1))
    found = _QUARTER_CODE.match(code)
    if found:
        start = dt.date(int(found.group(1)), 3 * int(found.group(2)) - 2, 1)
        return Period(start, add_months(start, 3) - dt.timedelta(days=1))
    raise ValueError(f"période attendue au format AAAA-MM ou AAAA-Tn (trimestre) : « {text} »")


def _is_month(period: Period) -> bool:
    return period.start.day == 1 and add_months(period.start, 1) - dt.timedelta(1) == period.end


def _is_quarter(period: Period) -> bool:
    return (
        period.start.day == 1
        and period.start.month % 3 == 1
        and add_months(period.start, 3) - dt.timedelta(1) == period.end
    )


def period_code(period: Period) -> str:
    """`2025-03`, `2025-T1`, or `2025-01-01_2025-12-31` for any other period."""
    if _is_month(period):
        return f"{period.start:%Y-%m}"
    if _is_quarter(period):
        return f"{period.start.year}-T{(period.start.month + 2) // 3}"
    return f"{period.start.isoformat()}_{period.end.isoformat()}"


def period_label(period: Period) -> str:
    """`mars 2025`, `1er trimestre 2025`, `du 01/01/2025 au 31/12/2025`."""
    if _is_month(period):
        return f"{MONTHS[period.start.month - 1]} {period.start.year}"
    if _is_quarter(period):
        rank = (period.start.month + 2) // 3
        return f"{rank}{'er' if rank == 1 else 'e'} trimestre {period.start.year}"
    return str(period)


def return_periods(year: Period) -> list[Period]:
    """The months, then the quarters, that lie wholly within a fiscal year."""
    months: list[Period] = []
    quarters: list[Period] = []
    day = dt.date(year.start.year, year.start.month, 1)
    while day <= year.end:
        month = Period(day, add_months(day, 1) - dt.timedelta(days=1))
        if month.start >= year.start and month.end <= year.end:
            months.append(month)
            if day.month % 3 == 1:
                quarter = Period(day, add_months(day, 3) - dt.timedelta(days=1))
                if quarter.end <= year.end:
                    quarters.append(quarter)
        day = add_months(day, 1)
    return months + quarters


# --- arithmetic -------------------------------------------------------------------------------


def euros(amount: Decimal) -> Decimal:
    """A declared amount: whole euros, half up (0,50 € counts as 1 €)."""
    return amount.quantize(EURO, rounding=ROUND_HALF_UP)


def _fits(base: Decimal, tax: Decimal, rate: Decimal) -> bool:
    expected = base * rate / HUNDRED
    return abs(expected - tax) <= max(Decimal("0.02"), abs(expected) / HUNDRED)


def _closest_rate(base: Decimal, tax: Decimal) -> Decimal | None:
    if not base:
        return None
    fitting = [r for r in RATES if _fits(base, tax, r)]
    return min(fitting, key=lambda r: abs(base * r / HUNDRED - tax)) if fitting else None


def _rate_of_account(account: str, root: str) -> Decimal | None:
    suffix = account[len(root) : len(root) + 1]
    return RATE_BY_SUFFIX.get(suffix) if account.startswith(root) else None


def _country(vat_number: str) -> str:
    return vat_number.strip().upper()[:2]


def _is_other_member_state(vat_number: str) -> bool:
    country = _country(vat_number)
    return country in EU_VAT_PREFIXES and country != HOME_COUNTRY


def _source(ref: EntryRef) -> Source:
    return Source(str(ref))


def _share(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    return money.quantize(amount * part / whole)


# --- one entry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bucket:
    """The VAT of one line of an entry (or of the lines of one account, summed), signed so that
    the usual side (credit for collected VAT) is positive."""

    account: str
    tax: Decimal
    known_rate: Decimal | None
    pending: bool = False


@dataclass(frozen=True)
class _Rated:
    account: str
    rate: Decimal
    base: Decimal
    tax: Decimal
    pending: bool


@dataclass(frozen=True)
class _Split:
    rated: tuple[_Rated, ...]
    leftover: tuple[int, ...]  # indices of base lines no VAT line took
    problems: tuple[Problem, ...]
    failed: bool = False


def _split(buckets: Sequence[_Bucket], bases: Sequence[Decimal], ref: EntryRef) -> _Split:
    """Find each VAT bucket's rate and base among the entry's base lines (module docstring).

    Buckets come one per VAT line; when no pairing works line by line, the lines of one account
    are summed and tried again (an invoice may carry several VAT lines of one rate)."""
    merged = _merge(buckets)
    for candidate in (buckets, merged) if len(merged) < len(buckets) else (buckets,):
        found = _single(candidate, bases) or _pair(candidate, bases)
        if found is not None:
            return found
    buckets = merged
    if buckets and all(b.known_rate for b in buckets):
        rated = tuple(
            _Rated(b.account, r, money.quantize(b.tax * HUNDRED / r), b.tax, b.pending)
            for b in buckets
            if (r := b.known_rate) is not None
        )
        warning = Problem(
            "base HT recalculée à partir de la TVA des sous-comptes par taux (les lignes de base "
            "de l'écriture ne correspondent pas aux taux)",
            "base",
            _source(ref),
            Severity.WARNING,
        )
        return _Split(rated, (), (warning,))
    error = Problem(
        "taux de TVA indéterminable : ventilez la TVA sur des sous-comptes par taux (445711 "
        "20 %, 445712 10 %, 445713 5,5 %, 445714 2,1 %) ou vérifiez les bases HT",
        "rate",
        _source(ref),
    )
    return _Split((), tuple(range(len(bases))), (error,), failed=True)


def _merge(buckets: Sequence[_Bucket]) -> list[_Bucket]:
    taxes: dict[tuple[str, bool], Decimal] = defaultdict(lambda: ZERO)
    rates: dict[tuple[str, bool], Decimal | None] = {}
    for bucket in buckets:
        key = (bucket.account, bucket.pending)
        taxes[key] += bucket.tax
        rates[key] = bucket.known_rate
    return [
        _Bucket(account, tax, rates[(account, pending)], pending)
        for (account, pending), tax in taxes.items()
    ]


def _single(buckets: Sequence[_Bucket], bases: Sequence[Decimal]) -> _Split | None:
    """One VAT bucket: all the base lines are its base, if its rate fits."""
    if len(buckets) != 1 or not bases:
        return None
    only, total = buckets[0], sum(bases, ZERO)
    rate = only.known_rate or _closest_rate(total, only.tax)
    if rate is None or not _fits(total, only.tax, rate):
        return None
    return _Split((_Rated(only.account, rate, total, only.tax, only.pending),), (), ())


def _pair(buckets: Sequence[_Bucket], bases: Sequence[Decimal]) -> _Split | None:
    """One base line per VAT bucket (the booking's layout: one line per rate), largest VAT
    first; None when a bucket finds no fitting line."""
    used: set[int] = set()
    rated: list[_Rated] = []
    for bucket in sorted(buckets, key=lambda b: -abs(b.tax)):
        best: tuple[Decimal, int, Decimal] | None = None
        for index, base in enumerate(bases):
            if index in used:
                continue
            rate = bucket.known_rate or _closest_rate(base, bucket.tax)
            if rate is None or not _fits(base, bucket.tax, rate):
                continue
            gap = abs(base * rate / HUNDRED - bucket.tax)
            if best is None or gap < best[0]:
                best = (gap, index, rate)
        if best is None:
            return None
        used.add(best[1])
        rated.append(_Rated(bucket.account, best[2], bases[best[1]], bucket.tax, bucket.pending))
    leftover = tuple(i for i in range(len(bases)) if i not in used)
    return _Split(tuple(rated), leftover, ())


def _net_by_account(lines: Iterable[LedgerLine], root: str, *, credit: bool) -> dict[str, Decimal]:
    amounts: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        if line.account.startswith(root):
            amounts[line.account] += (
                line.credit - line.debit if credit else line.debit - line.credit
            )
    return {account: amount for account, amount in amounts.items() if amount}


def _revenue_lines(entry: VatEntry) -> list[LedgerLine]:
    return [x for x in entry.lines if x.account.startswith("7")]


def _charge_lines(entry: VatEntry) -> list[LedgerLine]:
    return [
        x
        for x in entry.lines
        if x.account[:1] in ("2", "3", "6") and not x.account.startswith(("28", "29", "39"))
    ]


def _third_party_vat(entry: VatEntry) -> str:
    for line in entry.lines:
        if line.vat_number and line.account.startswith(("40", "41")):
            return line.vat_number
    return ""


def _line_buckets(entry: VatEntry, root: str, *, pending: bool = False) -> list[_Bucket]:
    """One bucket per VAT line on `root` (collected side: credit positive)."""
    return [
        _Bucket(x.account, x.credit - x.debit, _rate_of_account(x.account, root), pending)
        for x in entry.lines
        if x.account.startswith(root) and x.credit != x.debit
    ]


def _collected_buckets(entry: VatEntry) -> list[_Bucket]:
    return _line_buckets(entry, COLLECTED) + _line_buckets(
        entry, VAT_COLLECTED_PENDING, pending=True
    )


class _Collector:
    """Gathers contributions and problems while entries are read."""

    def __init__(self, rules: VatRules) -> None:
        self.rules = rules
        self.contributions: list[Contribution] = []
        self.unassigned: list[Contribution] = []
        self.problems: list[Problem] = []

    def add(self, contribution: Contribution) -> None:
        if contribution.base or contribution.tax:
            self.contributions.append(contribution)

    # - collected VAT and sales ---------------------------------------------------------------

    def sales(self, entry: VatEntry) -> None:
        buckets = _collected_buckets(entry)
        revenue = _revenue_lines(entry)
        bases = [x.credit - x.debit for x in revenue]
        if not buckets:
            if not any(x.account.startswith("445") for x in entry.lines):
                self._untaxed(entry, [x for x in revenue if x.account.startswith("70")])
            return
        split = _split(buckets, bases, entry.ref)
        due_now = [b for b in buckets if not b.pending or not self.rules.services_on_receipts]
        if split.failed:
            # VAT that waits for its payment is not due yet: its error shows once it is cashed.
            if due_now:
                self.problems.extend(split.problems)
            for bucket in due_now:
                self._unassigned(entry.ref, bucket.account, bucket.tax)
            return
        self.problems.extend(split.problems)
        for rated in split.rated:
            if rated.pending and self.rules.services_on_receipts:
                continue  # due when cashed: see `cashed`
            self._collected(entry.ref, rated.account, rated.rate, rated.base, rated.tax)
        leftover = [revenue[i] for i in split.leftover if revenue[i].account.startswith("70")]
        self._untaxed(entry, leftover)

    def _collected(
        self,
        ref: EntryRef,
        account: str,
        rate: Decimal,
        base: Decimal,
        tax: Decimal,
        via: tuple[EntryRef, ...] = (),
    ) -> None:
        code = BOX_FOR_RATE[rate]
        self.add(Contribution(code, ref, base, tax, account, tax, rate, via))
        self.add(Contribution("A1", ref, base=base, rate=rate, via=via))

    def _unassigned(self, ref: EntryRef, account: str, tax: Decimal) -> None:
        self.unassigned.append(Contribution("", ref, tax=tax, account=account, clearing=tax))

    def _untaxed(self, entry: VatEntry, lines: Sequence[LedgerLine]) -> None:
        if not lines or not any(x.account.startswith("411") for x in entry.lines):
            return
        vat_number = _third_party_vat(entry)
        for line in lines:
            amount = line.credit - line.debit
            if any(line.account.startswith(p) for p in self.rules.export_accounts):
                code = "E1"
            elif _is_other_member_state(vat_number):
                code = "F2"
            else:
                code = "E2"
                self.problems.append(
                    Problem(
                        f"vente sans TVA sur le compte {line.account} portée en E2 (autres "
                        "opérations non imposables) : vérifiez s'il s'agit d'une exportation "
                        "(E1), d'une livraison intracommunautaire (F2) ou d'un oubli de TVA",
                        "box",
                        _source(entry.ref),
                        Severity.WARNING,
                    )
                )
            self.add(Contribution(code, entry.ref, base=amount))

    # - reverse charge ------------------------------------------------------------------------

    def reverse_charge(self, entry: VatEntry) -> None:
        buckets = [_Bucket(b.account, b.tax, None) for b in _line_buckets(entry, INTRA_EU_DUE)]
        if not buckets:
            return
        charges = _charge_lines(entry)
        split = _split(buckets, [x.debit - x.credit for x in charges], entry.ref)
        self.problems.extend(split.problems)
        if split.failed:
            for bucket in buckets:
                self._unassigned(entry.ref, bucket.account, bucket.tax)
            return
        taken = [charges[i] for i in range(len(charges)) if i not in split.leftover]
        goods = sum((x.debit - x.credit for x in taken if _is_goods(x.account)), ZERO)
        services = sum((x.debit - x.credit for x in taken if not _is_goods(x.account)), ZERO)
        if goods and services:
            self.problems.append(
                Problem(
                    "autoliquidation portant à la fois sur des biens et des services : "
                    "l'opération est classée selon le montant le plus élevé",
                    "box",
                    _source(entry.ref),
                    Severity.WARNING,
                )
            )
        if abs(goods) >= abs(services):
            operation = "B2"
        elif _is_other_member_state(_third_party_vat(entry)):
            operation = "A3"
        else:
            operation = "B4"
        for rated in split.rated:
            code = BOX_FOR_RATE[rated.rate]
            self.add(
                Contribution(
                    code, entry.ref, rated.base, rated.tax, rated.account, rated.tax, rated.rate
                )
            )
            self.add(Contribution(operation, entry.ref, base=rated.base, rate=rated.rate))
            if operation == "B2":
                self.add(Contribution("17", entry.ref, tax=rated.tax, rate=rated.rate))

    # - deductible VAT ------------------------------------------------------------------------

    def deductible(self, entry: VatEntry) -> None:
        for root, code in ((DEDUCTIBLE_FIXED_ASSETS, "19"), (DEDUCTIBLE_OTHER, "20")):
            for account, tax in _net_by_account(entry.lines, root, credit=False).items():
                self.add(Contribution(code, entry.ref, tax=tax, account=account, clearing=-tax))

    # - VAT on receipts -----------------------------------------------------------------------

    def cashed(self, cashing: Cashing) -> None:
        entry, ref = cashing.entry, cashing.entry.ref
        if cashing.due <= 0:
            self.problems.append(
                Problem(
                    "groupe de lettrage sans montant de facture : TVA sur les encaissements "
                    "non calculée",
                    "lettering",
                    _source(ref),
                    Severity.WARNING,
                )
            )
            return
        paid_before = min(cashing.paid_before, cashing.due)
        paid_to_end = min(cashing.paid_to_end, cashing.due)

        def share(amount: Decimal) -> Decimal:
            return _share(amount, paid_to_end, cashing.due) - _share(
                amount, paid_before, cashing.due
            )

        via = cashing.payments
        if self.rules.services_on_receipts:
            buckets = _collected_buckets(entry)
            if any(b.pending for b in buckets):
                revenue = _revenue_lines(entry)
                split = _split(buckets, [x.credit - x.debit for x in revenue], ref)
                if split.failed:
                    self.problems.extend(split.problems)
                    for bucket in buckets:
                        if bucket.pending and share(bucket.tax):
                            self._unassigned(ref, bucket.account, share(bucket.tax))
                else:
                    for rated in split.rated:
                        if rated.pending:
                            self._collected(
                                ref,
                                rated.account,
                                rated.rate,
                                share(rated.base),
                                share(rated.tax),
                                via,
                            )
        pending = _net_by_account(entry.lines, VAT_DEDUCTIBLE_PENDING, credit=False)
        for account, tax in pending.items():
            part = share(tax)
            self.add(Contribution("20", ref, tax=part, account=account, clearing=-part, via=via))

    # - carried credit and instalments --------------------------------------------------------

    def carried_credit(self, entry: VatEntry) -> None:
        for account, amount in _net_by_account(entry.lines, CREDIT_CARRIED, credit=False).items():
            self.add(Contribution("22", entry.ref, tax=amount, account=account, clearing=-amount))

    def instalment(self, entry: VatEntry) -> None:
        for account, amount in _net_by_account(entry.lines, INSTALMENTS_PAID, credit=False).items():
            self.add(Contribution("AV", entry.ref, tax=amount, account=account, clearing=-amount))


def _is_goods(account: str) -> bool:
    return account.startswith(_GOODS_PREFIXES) and not account.startswith(_SERVICE_PREFIXES_IN_60)


# --- the return -------------------------------------------------------------------------------


def vat_return(
    *,
    form: Form,
    period: Period,
    entries: Sequence[VatEntry],
    cashings: Sequence[Cashing] = (),
    carried_credit: Sequence[VatEntry] = (),
    instalments_paid: Sequence[VatEntry] = (),
    rules: VatRules = VatRules(),
    previous_year_base: Decimal | None = None,
    notes: Sequence[Problem] = (),
) -> VatReturn:
    """The CA3 or CA12 of `period` from the records the caller read (module docstring).

    `entries` are the period's entries (settlement entries left out), `carried_credit` the
    entries behind the 44567 balance before the period, `instalments_paid` (CA12) the period's
    entries on 44581, `previous_year_base` (CA12) the previous year's instalment base when known.
    `notes` are problems the caller found while reading.
    """
    collector = _Collector(rules)
    collector.problems.extend(notes)
    for entry in sorted(entries, key=lambda e: (e.ref.date, e.ref.journal, e.ref.number)):
        collector.sales(entry)
        collector.reverse_charge(entry)
        collector.deductible(entry)
    for cashing in cashings:
        collector.cashed(cashing)
    for entry in carried_credit:
        collector.carried_credit(entry)
    if form is Form.CA12:
        for entry in instalments_paid:
            collector.instalment(entry)
    if collector.unassigned:
        total = sum((c.tax for c in collector.unassigned), ZERO)
        collector.problems.append(
            Problem(
                f"TVA non ventilée par taux : {money.format_amount(total)} (voir les écritures "
                "signalées) ; l'écriture de liquidation est refusée tant qu'elle reste",
                "rate",
            )
        )
    carried = sum((c.tax for c in collector.contributions if c.box == "22"), ZERO)
    if carried < 0:
        collector.problems.append(
            Problem(
                f"le compte {CREDIT_CARRIED} a un solde créditeur avant la période "
                f"({money.format_amount(-carried)}) : un crédit de TVA est un solde débiteur",
                "22",
            )
        )
    lines = _assemble(form, collector.contributions)
    problems = list(collector.problems) + _negative_boxes(lines)
    result = VatReturn(form, period, tuple(lines), tuple(collector.unassigned), tuple(problems))
    if form is Form.CA3:
        return result
    return _with_instalments(result, previous_year_base)


def _assemble(form: Form, contributions: Sequence[Contribution]) -> list[ReturnLine]:
    by_box: dict[str, list[Contribution]] = defaultdict(list)
    for c in contributions:
        by_box[c.box].append(c)
    fed: dict[str, ReturnLine] = {}
    for code, items in by_box.items():
        base = sum((c.base for c in items), ZERO)
        tax = sum((c.tax for c in items), ZERO)
        fed[code] = ReturnLine(box(code), base, tax, euros(base), euros(tax), tuple(items))

    def amount(code: str) -> tuple[Decimal, Decimal]:
        found = fed.get(code)
        return (found.tax, found.declared_tax) if found else (ZERO, NO_EUROS)

    def total(codes: Sequence[str]) -> tuple[Decimal, Decimal]:
        pairs = [amount(code) for code in codes]
        return sum((p[0] for p in pairs), ZERO), sum((p[1] for p in pairs), NO_EUROS)

    gross, gross_declared = total(_GROSS_LINES)
    deductible, deductible_declared = total(_DEDUCTIBLE_LINES)
    net, net_declared = gross - deductible, gross_declared - deductible_declared
    totals: dict[str, tuple[Decimal, Decimal]] = {
        "16": (gross, gross_declared),
        "23": (deductible, deductible_declared),
    }
    if net_declared >= 0:
        for code in ("TD", "28", "32"):
            totals[code] = (net, net_declared)
    else:
        for code in ("25", "27"):
            totals[code] = (-net, -net_declared)
    if form is Form.CA12:
        paid, paid_declared = amount("AV")
        balance, balance_declared = net - paid, net_declared - paid_declared
        if balance_declared >= 0:
            totals["SP"] = (balance, balance_declared)
        else:
            totals["CR"] = (-balance, -balance_declared)
    boxes = BOXES + CA12_BOXES if form is Form.CA12 else BOXES
    lines: list[ReturnLine] = []
    for item in boxes:
        if form is Form.CA12 and item.code in _CA3_ONLY:
            continue  # the CA12 ends on its own balance lines, after the instalments
        if item.code in fed:
            lines.append(fed[item.code])
        elif item.code in totals:
            exact, declared = totals[item.code]
            lines.append(ReturnLine(item, tax=exact, declared_tax=declared))
        else:
            lines.append(ReturnLine(item))
    return lines


def _negative_boxes(lines: Sequence[ReturnLine]) -> list[Problem]:
    return [
        Problem(
            f"ligne {item.box.code} négative ({money.format_amount(min(item.base, item.tax))}) : "
            "le formulaire n'admet pas de montant négatif, régularisez (ligne 21 ou 15) — VERIFY",
            item.box.code,
            severity=Severity.WARNING,
        )
        for item in lines
        if item.declared_base < 0 or item.declared_tax < 0
    ]


# --- CA12 instalments -------------------------------------------------------------------------


def instalment_plan(base: Decimal) -> InstalmentPlan:
    """July 55 % and December 40 % of a year's net VAT, whole euros; none under 1 000 €."""
    if base < INSTALMENT_THRESHOLD:
        return InstalmentPlan(base, NO_EUROS, NO_EUROS)
    return InstalmentPlan(base, euros(base * JULY_SHARE), euros(base * DECEMBER_SHARE))


def instalment_base(result: VatReturn) -> Decimal:
    """A year's net VAT before the deduction of VAT on fixed assets: 16 − (23 − 19), declared."""
    gross = result.line("16").declared_tax
    deductible = result.line("23").declared_tax - result.line("19").declared_tax
    return max(gross - deductible, ZERO)


def _with_instalments(result: VatReturn, previous_year_base: Decimal | None) -> VatReturn:
    problems = list(result.problems)
    plan = None
    if previous_year_base is None:
        problems.append(
            Problem(
                "TVA de l'exercice précédent inconnue : les acomptes dus ne sont pas calculés "
                "(saisissez-la, ou tenez l'exercice précédent dans tenue)",
                "AV",
                severity=Severity.WARNING,
            )
        )
    else:
        plan = instalment_plan(previous_year_base)
        paid = result.line("AV").declared_tax
        if paid != plan.total:
            problems.append(
                Problem(
                    f"acomptes versés ({money.format_amount(paid)}) différents des acomptes dus "
                    f"({money.format_amount(plan.total)} : juillet "
                    f"{money.format_amount(plan.july)}, décembre "
                    f"{money.format_amount(plan.december)})",
                    "AV",
                    severity=Severity.WARNING,
                )
            )
    return VatReturn(
        result.form,
        result.period,
        result.lines,
        result.unassigned,
        tuple(problems),
        plan,
        instalment_plan(instalment_base(result)),
    )


# --- settlement entry -------------------------------------------------------------------------


def settlement_label(result: VatReturn) -> str:
    return f"Liquidation TVA {result.form} {period_label(result.period)}"


def settlement_entry(result: VatReturn, *, journal: str = "OD") -> Entry:
    """The entry that settles the return (module docstring), dated on the period's last day.

    Refused (with problems) when the return has errors or nothing to settle.
    """
    if result.errors:
        raise Refused(list(result.errors))
    label = settlement_label(result)
    lines: list[Line] = []

    def add(account: str, signed: Decimal, text: str) -> None:
        if signed > 0:
            lines.append(Line(account=account, debit=signed, label=text))
        elif signed < 0:
            lines.append(Line(account=account, credit=-signed, label=text))

    for account, amount in result.clearing().items():
        add(account, amount, label)
    add(TO_PAY, -result.to_pay, f"{label} — TVA à décaisser")
    add(CREDIT_CARRIED, result.credit, f"{label} — crédit à reporter")
    gap = sum((x.debit - x.credit for x in lines), ZERO)
    if gap > 0:
        add(ROUNDING_INCOME, -gap, f"{label} — arrondi à l'euro")
    elif gap < 0:
        add(ROUNDING_CHARGE, -gap, f"{label} — arrondi à l'euro")
    if len(lines) < 2:
        raise Refused(
            [Problem("déclaration néante : aucune écriture de liquidation à passer", "period")]
        )
    entry = Entry(
        journal=journal,
        date=result.period.end,
        label=label,
        lines=tuple(lines),
        piece_ref=f"TVA {period_code(result.period)}"[:60],
        piece_date=result.period.end,
    )
    problems = check_entry(entry)
    if problems:  # the construction above balances by design: this is a programmer error
        raise AssertionError("; ".join(str(p) for p in problems))
    return entry


# --- EDI --------------------------------------------------------------------------------------


def edi_payload(result: VatReturn) -> dict[str, object]:
    """Box -> EDI code -> declared amount (whole euros, as text), non-zero boxes only; see
    docs/vat-edi.md for what an EDI-TVA partner file would carry around it."""
    boxes: list[dict[str, str]] = []
    for item in result.lines:
        for column, edi, amount in (
            ("base", item.box.edi_base, item.declared_base),
            ("tax", item.box.edi_tax, item.declared_tax),
        ):
            if amount and (edi or column == "tax"):
                boxes.append(
                    {"box": item.box.code, "column": column, "edi": edi, "amount": f"{amount:.0f}"}
                )
    return {
        "form": FORM_CODES[result.form],
        "period": {"start": result.period.start.isoformat(), "end": result.period.end.isoformat()},
        "neant": not boxes,
        "boxes": boxes,
    }
