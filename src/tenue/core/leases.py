"""Leases taken by the dossier (crédit-bail, LOA, LLD): rent schedules, rent entries and the
commitments disclosed in the notes (engagements de crédit-bail).

What it is for: a `Lease` describes the contract (kind, rents excluding VAT with an optional
larger first rent, periodicity, count, first due date, VAT rate, purchase option); `schedule`
lists its rents, `rent_entry` books one rent on the purchases journal, `commitments` gives the
figures of the notes at a fiscal year end.

Invariants:
- money is Decimal quantized to the cent; the VAT of each rent is round(rent x rate), rounded
  only through `money.quantize`, and every rent entry balances (charge + VAT = supplier);
- commitments split the rents exactly: paid cumulated + remaining (within 1 year, 1 to 5
  years, beyond 5 years) = the sum of all rents; the purchase option is shown apart.

French practice implemented:
- charge accounts (PCG): 6122 crédit-bail mobilier, 6125 crédit-bail immobilier, 6135 locations
  mobilières for an LLD; an LOA is booked like a crédit-bail mobilier on 6122 (VERIFY: the PCG
  account 612 names "redevances de crédit-bail"; LOA contracts are commonly booked there);
  deductible VAT on 44566, the supplier on 401;
- the rent is a charge of its due date (no prepaid-expense adjustment, and no spreading of a
  larger first rent over the contract here: both are year-end adjustments done elsewhere);
- the notes' table of crédit-bail commitments: redevances payées (de l'exercice, cumulées),
  redevances restant à payer (à un an au plus, à plus d'un an et cinq ans au plus, à plus de
  cinq ans), prix d'achat résiduel. Assumptions (VERIFY with the firm's presentation): amounts
  excluding VAT; a rent counts as paid when its due date is on or before the year end; the
  maturity of a remaining rent runs from the year end to its due date. The theoretical
  depreciation of the leased asset, also disclosed, is not computed here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tenue.core import money
from tenue.core.entries import Entry, credit, debit
from tenue.core.loans import Periodicity
from tenue.core.periods import Period, add_months

DEDUCTIBLE_VAT_ACCOUNT = "44566"  # TVA sur autres biens et services
SUPPLIER_ACCOUNT = "401"
STANDARD_VAT_RATE = Decimal("0.20")


class LeaseError(ValueError):
    """A lease or a request that the rent rules cannot accept."""


class LeaseKind(StrEnum):
    CREDIT_BAIL_MOBILIER = "credit_bail_mobilier"
    CREDIT_BAIL_IMMOBILIER = "credit_bail_immobilier"
    LOA = "loa"  # location avec option d'achat
    LLD = "lld"  # location longue durée, no purchase option


RENT_ACCOUNTS = {
    LeaseKind.CREDIT_BAIL_MOBILIER: "6122",  # Crédit-bail mobilier
    LeaseKind.CREDIT_BAIL_IMMOBILIER: "6125",  # Crédit-bail immobilier
    LeaseKind.LOA: "6122",
    LeaseKind.LLD: "6135",  # Locations mobilières
}


@dataclass(frozen=True)
class Lease:
    """A lease contract; amounts exclude VAT, `vat_rate` is a fraction (0.20 for 20 %).

    `rents` counts every rent, the first included; `first_rent` (premier loyer majoré) replaces
    the first one when given; `purchase_option` is the residual price of a crédit-bail or LOA.
    """

    kind: LeaseKind
    label: str
    rent: Decimal
    rents: int
    periodicity: Periodicity
    first_due: dt.date
    first_rent: Decimal | None = None
    vat_rate: Decimal = STANDARD_VAT_RATE
    purchase_option: Decimal = money.ZERO
    supplier_account: str = SUPPLIER_ACCOUNT
    supplier_aux: str = ""

    def __post_init__(self) -> None:
        where = f"contrat « {self.label} »"
        if not isinstance(self.kind, LeaseKind):
            raise LeaseError(f"{where} : type de contrat inconnu ({self.kind!r})")
        amounts = [("rent", self.rent), ("purchase_option", self.purchase_option)]
        if self.first_rent is not None:
            amounts.append(("first_rent", self.first_rent))
        for name, amount in amounts:
            if not isinstance(amount, Decimal) or amount != money.quantize(amount) or amount < 0:
                raise LeaseError(f"{where} : {name} doit être un Decimal positif au centime")
        if self.rent == 0:
            raise LeaseError(f"{where} : le loyer doit être positif")
        if isinstance(self.rents, bool) or self.rents < 1:
            raise LeaseError(f"{where} : au moins un loyer est nécessaire")
        if not isinstance(self.vat_rate, Decimal) or not Decimal(0) <= self.vat_rate < 1:
            raise LeaseError(f"{where} : taux de TVA hors de [0 ; 1[ (0.20 pour 20 %)")
        if self.kind is LeaseKind.LLD and self.purchase_option:
            raise LeaseError(f"{where} : une location longue durée n'a pas d'option d'achat")

    @property
    def rent_account(self) -> str:
        return RENT_ACCOUNTS[self.kind]


@dataclass(frozen=True)
class Rent:
    """One rent of the schedule: its due date, amount excluding VAT and VAT."""

    number: int
    due_date: dt.date
    amount: Decimal
    vat: Decimal

    @property
    def amount_incl_vat(self) -> Decimal:
        return self.amount + self.vat


def schedule(lease: Lease) -> list[Rent]:
    """The rents of the contract, in due-date order."""
    rents: list[Rent] = []
    for number in range(1, lease.rents + 1):
        amount = lease.rent
        if number == 1 and lease.first_rent is not None:
            amount = lease.first_rent
        due = lease.periodicity.due_date(lease.first_due, number)
        rents.append(Rent(number, due, amount, money.quantize(amount * lease.vat_rate)))
    return rents


def rent_entry(
    lease: Lease,
    rent: Rent,
    *,
    journal: str = "AC",
    vat_account: str = DEDUCTIBLE_VAT_ACCOUNT,
) -> Entry:
    """The rent's entry: 6122 / 6125 / 6135 excluding VAT and 44566 VAT, against 401."""
    label = f"{lease.label} loyer {rent.number}/{lease.rents} du {rent.due_date:%d/%m/%Y}"
    lines = [debit(lease.rent_account, rent.amount, label)]
    if rent.vat:
        lines.append(debit(vat_account, rent.vat, label))
    lines.append(
        credit(lease.supplier_account, rent.amount_incl_vat, label, aux=lease.supplier_aux)
    )
    return Entry(journal=journal, date=rent.due_date, label=label, lines=tuple(lines))


@dataclass(frozen=True)
class LeaseCommitments:
    """The notes' figures of one or more leases at a fiscal year end (amounts excluding VAT)."""

    fiscal_year: Period
    paid_in_year: Decimal
    paid_cumulative: Decimal
    due_within_one_year: Decimal
    due_one_to_five_years: Decimal
    due_beyond_five_years: Decimal
    purchase_option: Decimal

    @property
    def due_total(self) -> Decimal:
        return self.due_within_one_year + self.due_one_to_five_years + self.due_beyond_five_years


def commitments(lease: Lease, fiscal_year: Period) -> LeaseCommitments:
    """Rents paid in the year and cumulated, rents remaining by maturity, purchase option.

    Maturity from the year end E: within one year when due on or before E + 1 year, one to five
    years when on or before E + 5 years, beyond otherwise.
    """
    end = fiscal_year.end
    one_year, five_years = add_months(end, 12), add_months(end, 60)
    in_year = cumulative = within_one = one_to_five = beyond = money.ZERO
    for rent in schedule(lease):
        if rent.due_date <= end:
            cumulative += rent.amount
            if rent.due_date >= fiscal_year.start:
                in_year += rent.amount
        elif rent.due_date <= one_year:
            within_one += rent.amount
        elif rent.due_date <= five_years:
            one_to_five += rent.amount
        else:
            beyond += rent.amount
    return LeaseCommitments(
        fiscal_year=fiscal_year,
        paid_in_year=in_year,
        paid_cumulative=cumulative,
        due_within_one_year=within_one,
        due_one_to_five_years=one_to_five,
        due_beyond_five_years=beyond,
        purchase_option=lease.purchase_option,
    )


def total_commitments(leases: Iterable[Lease], fiscal_year: Period) -> LeaseCommitments:
    """The commitments of several leases added up (the notes' total line)."""
    total = LeaseCommitments(fiscal_year, *([money.ZERO] * 6))
    for lease in leases:
        item = commitments(lease, fiscal_year)
        total = LeaseCommitments(
            fiscal_year=fiscal_year,
            paid_in_year=total.paid_in_year + item.paid_in_year,
            paid_cumulative=total.paid_cumulative + item.paid_cumulative,
            due_within_one_year=total.due_within_one_year + item.due_within_one_year,
            due_one_to_five_years=total.due_one_to_five_years + item.due_one_to_five_years,
            due_beyond_five_years=total.due_beyond_five_years + item.due_beyond_five_years,
            purchase_option=total.purchase_option + item.purchase_option,
        )
    return total
